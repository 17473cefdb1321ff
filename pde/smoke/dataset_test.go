package smoke_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/pde"
	"github.com/trajdiff/trajdiff/pde/smoke"
)

// TestDatasetLayout checks the written rows against the simulator: grid axes (x, y) in that order.
func TestDatasetLayout(t *testing.T) {
	out := filepath.Join(t.TempDir(), "s.arrow")
	p := smoke.DefaultParams()
	p.N, p.Save, p.Steps, p.Stride = 32, 16, 16, 4
	g := smoke.Generator{Params: p}
	if _, _, err := pde.WriteFields(context.Background(), out, g, pde.WriteConfig{Total: 1, Seed: 2},
		datasets.WriteOptions{DType: datasets.Float64}); err != nil {
		t.Fatal(err)
	}
	d, err := datasets.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	row, err := d.Field(0)
	if err != nil {
		t.Fatal(err)
	}
	states, controls, md := row.State.AppendFloat64(nil), row.Control.AppendFloat64(nil), d.Metadata()
	s, err := g.NewSimulator()
	if err != nil {
		t.Fatal(err)
	}
	tr, err := g.Trajectory(context.Background(), s, 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	m := 16
	for f := range p.Frames() {
		for y := range m {
			for x := range m {
				for c := range 3 {
					if got, want := states[((f*m+x)*m+y)*3+c], tr.State[((f*m+y)*m+x)*3+c]; got != want {
						t.Fatalf("frame %d cell (x %d, y %d) channel %d: %v, solver %v", f, x, y, c, got, want)
					}
				}
				if got, want := controls[((f*m+x)*m+y)*2+1], tr.Control[((f*m+y)*m+x)*2+1]; got != want {
					t.Fatalf("control frame %d (x %d, y %d): %v vs %v", f, x, y, got, want)
				}
			}
		}
	}
	if md.Fields.ParamNames[3] != "smoke_out" || len(md.Fields.Grid) != 2 {
		t.Errorf("spec %+v", md.Fields)
	}
	// The per-frame target share follows the 13 per-trajectory parameters and equals the solver's
	// bookkeeping after every stored frame; the last one is the final smoke_out.
	params, target := row.Params.AppendFloat64(nil), s.Layout().Target
	if len(params) != 13+p.Frames() || len(md.Fields.ParamNames) != len(params) {
		t.Fatalf("%d params (%d names), want 13 + %d frames", len(params), len(md.Fields.ParamNames), p.Frames())
	}
	for k, o := range tr.Outflow {
		if got, want := params[13+k], o.SmokeOut(target); got != want || md.Fields.ParamNames[13+k] != smoke.SmokeOutParam(k) {
			t.Errorf("%s = %v, the solver's share after frame %d is %v", md.Fields.ParamNames[13+k], got, k, want)
		}
	}
	if params[13+p.Frames()-1] != params[3] {
		t.Errorf("s(T) = %v, smoke_out = %v", params[13+p.Frames()-1], params[3])
	}
}

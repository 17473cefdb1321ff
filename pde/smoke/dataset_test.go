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
}

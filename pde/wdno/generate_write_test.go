package wdno

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/pde/burgers"
	"github.com/trajdiff/trajdiff/train"
)

// A control model's generated trajectories and their re-simulations are written as datasets that
// OpenData reads like test data: rows in case order, params (source id, index), the re-simulated state
// the solver's for the generated control from the true u0, and the generated u the model's own.
func TestWriteGeneratedControlAndResim(t *testing.T) {
	dir := t.TempDir()
	data := writeTinyData(t, dir, "train.arrow", 16, 1)
	test := writeTinyData(t, dir, "test.arrow", 5, 2)
	c := tinyConfig(dir, data, SpaceWavelet, "control", 5)
	if _, err := Train(context.Background(), c, false, nil); err != nil {
		t.Fatal(err)
	}
	m, err := Load(c.Out, train.DefaultWeights)
	if err != nil {
		t.Fatal(err)
	}
	d, err := OpenData(test)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	gen, resim := filepath.Join(dir, "gen.arrow"), filepath.Join(dir, "resim.arrow")
	cases := []int{4, 1, 3}
	var progress int
	res, err := WriteGenerated(context.Background(), m, d, gen, GenerateOptions{Cases: cases, Batch: 2, Resim: resim,
		Request: Request{Seed: 3}, Checkpoint: c.Out, FirstID: 7, Progress: func(done, _ int) { progress = done }})
	if err != nil {
		t.Fatal(err)
	}
	if res.Generated != 3 || res.Resimulated != 3 || len(res.Failed) != 0 || progress != 3 {
		t.Fatalf("result %+v, progress %d", res, progress)
	}
	g, err := OpenData(gen)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	r, err := OpenData(resim)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if g.Len() != 3 || r.Len() != 3 || g.Params != d.Params || g.ID(0) != 7 {
		t.Fatalf("generated %d rows (first id %d), re-simulated %d; params %+v", g.Len(), g.ID(0), r.Len(), g.Params)
	}
	meta := g.ds.Metadata()
	if names := meta.Fields.ParamNames; len(names) != 2 || names[0] != ParamSourceID || names[1] != ParamSourceIndex {
		t.Errorf("param names %v", names)
	}
	if !strings.Contains(meta.Description, "source_id") || meta.Generator.Params["rows"] != "generated" ||
		r.ds.Metadata().Generator.Params["rows"] != "resimulated" {
		t.Errorf("metadata: %q, %v", meta.Description, meta.Generator.Params)
	}
	N, K := d.Cells, d.Params.Frames
	s, err := burgers.NewSolver(d.Params)
	if err != nil {
		t.Fatal(err)
	}
	for k, i := range cases {
		truth, _, err := d.Fields(i, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		gu, gf, err := g.Fields(k, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		ru, rf, err := r.Fields(k, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, ds := range []*Data{g, r} {
			v, err := ds.ds.Field(k)
			if err != nil {
				t.Fatal(err)
			}
			if v.Params.At(0) != float64(d.ID(i)) || v.Params.At(1) != float64(i) {
				t.Errorf("row %d params (%v, %v), want case %d id %d", k, v.Params.At(0), v.Params.At(1), i, d.ID(i))
			}
		}
		for x := range N {
			if gf[K*N+x] != 0 || gf[x] != rf[x] {
				t.Fatalf("row %d: control after T %v, generated and re-simulated controls differ", k, gf[K*N+x])
			}
		}
		want, err := s.Solve(context.Background(), truth[:N], gf[:K*N], nil)
		if err != nil {
			t.Fatal(err)
		}
		var gap, diff float64
		for x := range want {
			// float32 storage of u and f: the re-simulation from the stored f matches to about 1e-6.
			gap = max(gap, abs(ru[x]-want[x]))
			diff = max(diff, abs(ru[x]-gu[x]))
		}
		if gap > 1e-4 {
			t.Errorf("row %d: re-simulated u is %g from the solver's for the stored control", k, gap)
		}
		if diff == 0 {
			t.Errorf("row %d: the generated u is the solver's (the model's own is expected)", k)
		}
	}
	// Existing files stop a run before anything is written; a simulation model refuses re-simulation.
	other := filepath.Join(dir, "other.arrow")
	if _, err := WriteGenerated(context.Background(), m, d, other, GenerateOptions{Cases: []int{0}, Resim: resim}); err == nil {
		t.Error("an existing re-simulation file was overwritten without Overwrite")
	}
	if _, err := os.Stat(other); err == nil {
		t.Error("a failed run left the generated dataset")
	}
	if _, err := WriteGenerated(context.Background(), m, d, other, GenerateOptions{Cases: []int{5}}); err == nil {
		t.Error("a case outside the dataset was accepted")
	}
	cs := tinyConfig(dir, data, SpaceWavelet, "simulate", 1)
	if _, err := Train(context.Background(), cs, false, nil); err != nil {
		t.Fatal(err)
	}
	ms, err := Load(cs.Out, train.DefaultWeights)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := WriteGenerated(context.Background(), ms, d, other, GenerateOptions{Resim: filepath.Join(dir, "r2.arrow")}); err == nil {
		t.Error("a simulation model re-simulated")
	}
}

func abs(v float64) float64 { return max(v, -v) }

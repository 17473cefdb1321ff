package wdno

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/diffusion"
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
	m, c := trainTiny(t, tinyConfig(dir, data, SpaceWavelet, "control", 5))
	d := openData(t, test)
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
	for _, o := range []*Data{g, r} {
		if err := m.Compatible(o); err != nil {
			t.Errorf("the model refuses %s as test data: %v", o.Path, err)
		}
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

// poisoned is a denoiser whose output for example bad of every batch is NaN: a diverging sample.
type poisoned struct {
	diffusion.Denoiser
	bad int
}

func (p poisoned) Denoise(dst, x []float64, t float64) error {
	if err := p.Denoiser.Denoise(dst, x, t); err != nil {
		return err
	}
	D := p.Dim()
	for i := p.bad * D; i < (p.bad+1)*D && i < len(dst); i++ {
		dst[i] = math.NaN()
	}
	return nil
}

// A case whose sampling diverges has no row in either dataset; it is returned and listed in both
// datasets' metadata, and the other cases are written.
func TestWriteGeneratedRecordsDivergedCases(t *testing.T) {
	dir := t.TempDir()
	data := writeTinyData(t, dir, "train.arrow", 16, 1)
	m, _ := trainTiny(t, tinyConfig(dir, data, SpaceWavelet, "control", 2))
	d := openData(t, data)
	checkMiddleCaseDiverges(t, m, d, dir, []int{5, 6, 7})
	// Nothing succeeds: an error naming the cases, no file.
	m.Checkpoint.Denoiser = poisoned{m.Checkpoint.Denoiser, 0}
	other := filepath.Join(dir, "none.arrow")
	res, err := WriteGenerated(context.Background(), m, d, other, GenerateOptions{Cases: []int{6}})
	if err == nil || res == nil || len(res.Failed) != 1 {
		t.Errorf("all cases diverged: %v, %+v", err, res)
	}
	if _, err := os.Stat(other); err == nil {
		t.Error("a dataset of no rows was written")
	}
}

// checkMiddleCaseDiverges poisons m's denoiser for the second of three cases and checks that
// WriteGenerated (with re-simulation) writes the other two to both datasets and lists the second, with
// the reason, in both datasets' generator parameters. It leaves m poisoned.
func checkMiddleCaseDiverges(t *testing.T, m *Model, d *Data, dir string, cases []int) {
	t.Helper()
	m.Checkpoint.Denoiser = poisoned{m.Checkpoint.Denoiser, 1}
	gen, resim := filepath.Join(dir, "gen.arrow"), filepath.Join(dir, "resim.arrow")
	res, err := WriteGenerated(context.Background(), m, d, gen, GenerateOptions{Cases: cases, Batch: 3, Resim: resim})
	if err != nil {
		t.Fatal(err)
	}
	if res.Generated != 2 || res.Resimulated != 2 || len(res.Failed) != 1 || res.Failed[0].Case != cases[1] || res.Failed[0].Stage != "sample" {
		t.Fatalf("result %+v", res)
	}
	for _, p := range []string{gen, resim} {
		g := openData(t, p)
		meta := g.ds.Metadata().Generator.Params
		failed, _ := meta["failed_cases"].([]any)
		why, _ := meta["failed_errors"].([]any)
		v, err := g.ds.Field(1)
		if err != nil {
			t.Fatal(err)
		}
		source := v.Params.At(v.Params.Len() - 1) // source_index, the last parameter
		if g.Len() != 2 || len(failed) != 1 || failed[0] != float64(cases[1]) || len(why) != 1 || !strings.Contains(why[0].(string), "diverged") || source != float64(cases[2]) {
			t.Errorf("%s: %d rows, failed %v %v, row 1 from case %v", p, g.Len(), meta["failed_cases"], meta["failed_errors"], source)
		}
	}
}

func abs(v float64) float64 { return max(v, -v) }

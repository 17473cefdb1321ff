package wdno

import (
	"context"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/train"
)

// tinySmokeModel trains a wavelet-space smoke model of task for two steps on a dataset of the tiny smoke
// problem (8 x 8 stored cells, 9 stored frames) and returns it.
func tinySmokeModel(t *testing.T, dir, task string) *Model {
	t.Helper()
	data := writeSmoke(t, dir, task+"-train.arrow", tinySmokeParams(), 6, 1)
	c := Config{Out: filepath.Join(dir, task), Task: task, Data: DataConfig{Path: data}, Layout: LayoutConfig{Space: SpaceWavelet},
		Objective: train.ObjectiveConfig{Process: "vp-cosine"}, Train: train.DefaultOptions()}
	c.Network = nn.Spec{Arch: "mlp", MLP: &nn.MLPConfig{Dim: 42 * 8 * 8 * 8, Hidden: []int{8}, TimeDim: 4}}
	c.Train.Steps, c.Train.Batch, c.Train.Warmup, c.Train.CheckpointEvery = 2, 2, 1, 0
	c.Sample.Steps = 2
	m, _ := trainTiny(t, c)
	return m
}

// smokeShare is s(t_k) of a trajectory read by Data.Fields (the s channel of cell 0 of frame k).
func smokeShare(d *Data, u []float64, k int) float64 { return u[k*d.Cells*smokeState+smokeS] }

// The re-simulated dataset of a smoke control model is what pde evaluate scores: for the same cases,
// batch and seed, each row's stored share after frame K-1 equals the smoke_out Evaluate reports for its
// case, and the gap between the generated dataset's share and it is the reported model misfit. Both
// datasets reopen with OpenData as smoke test data of the source's shape and solver, with the source's
// columns and source_id, source_index appended; re-simulating the re-simulated dataset's own control
// reproduces its stored share (it is test data, which the model of the source's data takes), and the
// generated rows are zero where no model generates (the last stored frame and the final outcomes).
func TestWriteGeneratedSmokeResimIsWhatEvaluateScores(t *testing.T) {
	dir := t.TempDir()
	m := tinySmokeModel(t, dir, "control")
	d := openData(t, writeSmoke(t, dir, "test.arrow", tinySmokeParams(), 3, 2))
	gen, resim := filepath.Join(dir, "gen.arrow"), filepath.Join(dir, "resim.arrow")
	cases := []int{2, 0}
	req := Request{Seed: 3}
	res, err := WriteGenerated(context.Background(), m, d, gen, GenerateOptions{Cases: cases, Batch: 2, Resim: resim, Request: req, FirstID: 4})
	if err != nil {
		t.Fatal(err)
	}
	if res.Generated != 2 || res.Resimulated != 2 || len(res.Failed) != 0 {
		t.Fatalf("result %+v", res)
	}
	rep, err := Evaluate(context.Background(), d, []Method{{Name: "wdno", Model: m}}, EvalOptions{Task: Control, Cases: cases, Batch: 2, Request: req})
	if err != nil {
		t.Fatal(err)
	}
	g, r := openData(t, gen), openData(t, resim)
	src := d.ds.Metadata()
	for _, o := range []*Data{g, r} {
		meta := o.ds.Metadata()
		spec, want := *meta.Fields, *src.Fields
		if !o.IsSmoke() || o.Len() != 2 || o.ID(0) != 4 || o.Frames != d.Frames || o.Cells != d.Cells || !slices.Equal(o.Grid, d.Grid) ||
			o.Smoke.Params != d.Smoke.Params || o.Smoke.Stored != d.Smoke.Stored {
			t.Fatalf("%s: %d rows (first id %d) of %d frames x %d cells %v, stored %d, params %+v", o.Path, o.Len(), o.ID(0), o.Frames, o.Cells, o.Grid, o.Smoke.Stored, o.Smoke.Params)
		}
		if !slices.Equal(spec.ParamNames, append(slices.Clone(want.ParamNames), ParamSourceID, ParamSourceIndex)) ||
			spec.ParamDim != want.ParamDim+2 || spec.Frames != want.Frames || !slices.Equal(spec.StateNames, want.StateNames) ||
			!slices.Equal(spec.ControlNames, want.ControlNames) || spec.Dt != want.Dt || !slices.Equal(spec.Extent, want.Extent) {
			t.Errorf("%s: fields %+v, source %+v", o.Path, spec, want)
		}
		for _, k := range []string{"grid", "save", "steps", "stride", "buoyancy", "tol"} {
			if meta.Generator.Params[k] != src.Generator.Params[k] {
				t.Errorf("%s: generator parameter %s = %v, source %v", o.Path, k, meta.Generator.Params[k], src.Generator.Params[k])
			}
		}
		if !strings.HasSuffix(meta.Generator.Name, "smoke") || !strings.Contains(meta.Description, "source_id") {
			t.Errorf("%s: generator %q, description %q", o.Path, meta.Generator.Name, meta.Description)
		}
	}
	K, C, S := d.Frames, d.Cells, d.Smoke.Stored
	for k, i := range cases {
		sv, err := d.ds.Field(i)
		if err != nil {
			t.Fatal(err)
		}
		var scored CaseResult
		for _, c := range rep.Results {
			if c.Case == i {
				scored = c
			}
		}
		if scored.Error != "" || !(scored.SmokeOut > 0) {
			t.Fatalf("case %d scored %+v: nothing to compare", i, scored)
		}
		gu, gf, err := g.Fields(k, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		ru, rf, err := r.Fields(k, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := smokeShare(r, ru, K-1); got != scored.SmokeOut {
			t.Errorf("case %d: re-simulated share after frame %d is %v, Evaluate scores %v", i, K-1, got, scored.SmokeOut)
		}
		gap := smokeShare(g, gu, K-1) - scored.SmokeOut
		if e := gap*gap - scored.ModelMisfit; math.Abs(e) > 1e-12 {
			t.Errorf("case %d: generated share misses the re-simulated one by %v squared, Evaluate's model misfit %v", i, gap*gap, scored.ModelMisfit)
		}
		if !slices.Equal(gf, rf) {
			t.Errorf("case %d: the re-simulated dataset holds another control than the generated one", i)
		}
		for _, o := range []*Data{g, r} {
			v, err := o.ds.Field(k)
			if err != nil {
				t.Fatal(err)
			}
			n := v.Params.Len()
			if v.Params.At(n-2) != float64(d.ID(i)) || v.Params.At(n-1) != float64(i) {
				t.Errorf("%s row %d: source (%v, %v), want id %d, index %d", o.Path, k, v.Params.At(n-2), v.Params.At(n-1), d.ID(i), i)
			}
			for p := range 3 {
				if v.Params.At(p) != sv.Params.At(p) {
					t.Errorf("%s row %d: initial square parameter %d is %v, source %v", o.Path, k, p, v.Params.At(p), sv.Params.At(p))
				}
			}
			for j := (S - 1) * C * 2; j < S*C*2; j++ {
				if v.Control.At(j) != 0 {
					t.Fatalf("%s row %d: control of the last stored frame %v, want zero", o.Path, k, v.Control.At(j))
				}
			}
			if o != g {
				continue
			}
			for j := (S - 1) * C * 3; j < S*C*3; j++ {
				if v.State.At(j) != 0 {
					t.Fatalf("generated row %d: state of the last stored frame %v, want zero (not generated)", k, v.State.At(j))
				}
			}
			for _, p := range []int{3, 4, 5, d.Smoke.share + S - 1} {
				if v.Params.At(p) != 0 {
					t.Errorf("generated row %d: parameter %s = %v, want zero (not generated)", k, src.Fields.ParamNames[p], v.Params.At(p))
				}
			}
		}
	}
	// The re-simulated dataset is test data: its own control, re-simulated, gives back its stored share,
	// and the model of the source's data takes it (and the generated one).
	again, err := Evaluate(context.Background(), r, []Method{DatasetControl(), {Name: "wdno", Model: m}}, EvalOptions{Task: Control, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compatible(g); err != nil {
		t.Errorf("the model refuses its generated dataset: %v", err)
	}
	// Generating from the re-simulated dataset names the sources once: its own rows.
	regen := filepath.Join(dir, "regen.arrow")
	if _, err := WriteGenerated(context.Background(), m, r, regen, GenerateOptions{Cases: []int{1}}); err != nil {
		t.Fatal(err)
	}
	rg := openData(t, regen)
	v, err := rg.ds.Field(0)
	if err != nil {
		t.Fatal(err)
	}
	if names := rg.ds.Metadata().Fields.ParamNames; !slices.Equal(names, r.ds.Metadata().Fields.ParamNames) || v.Params.At(len(names)-1) != 1 ||
		v.Params.At(len(names)-2) != float64(r.ID(1)) || rg.ds.Metadata().Generator.Params["source_generator"] != src.Generator.Name {
		t.Errorf("generated from generated data: params %v, source (%v, %v), generator %v", names, v.Params.At(len(names)-2), v.Params.At(len(names)-1), rg.ds.Metadata().Generator.Params)
	}
	for _, c := range again.Results {
		if c.Method != "dataset-control" {
			if c.Error != "" {
				t.Errorf("the model on re-simulated row %d: %s", c.Case, c.Error)
			}
			continue
		}
		u, _, err := r.Fields(c.Case, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if c.Error != "" || c.SmokeOut != smokeShare(r, u, K-1) || c.Misfit != 0 {
			t.Errorf("re-simulated row %d evaluated again: %+v, stored share %v", c.Case, c, smokeShare(r, u, K-1))
		}
	}
}

// A smoke case whose sampling diverges has no row in either dataset; it is returned and listed in both
// datasets' generator parameters, and the other cases are written.
func TestWriteGeneratedSmokeRecordsDivergedCases(t *testing.T) {
	dir := t.TempDir()
	m := tinySmokeModel(t, dir, "control")
	d := openData(t, writeSmoke(t, dir, "test.arrow", tinySmokeParams(), 3, 2))
	checkMiddleCaseDiverges(t, m, d, dir, []int{0, 1, 2})
}

// A smoke simulation model's generated dataset holds the given control on the modelled frames (inpainted
// bands decode to it) and the model's own state; re-simulation and estimation are refused.
func TestWriteGeneratedSmokeSimulationKeepsTheGivenControl(t *testing.T) {
	dir := t.TempDir()
	m := tinySmokeModel(t, dir, "simulate")
	d := openData(t, writeSmoke(t, dir, "test.arrow", tinySmokeParams(), 2, 2))
	gen := filepath.Join(dir, "gen.arrow")
	res, err := WriteGenerated(context.Background(), m, d, gen, GenerateOptions{Request: Request{Seed: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Generated != 2 || res.Resimulated != 0 {
		t.Fatalf("result %+v", res)
	}
	g := openData(t, gen)
	K, C := d.Frames, d.Cells
	for i := range 2 {
		u, f, err := d.Fields(i, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		gu, gf, err := g.Fields(i, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		for j := range f[:K*C*smokeControl] {
			if math.Abs(gf[j]-f[j]) > 1e-9 {
				t.Fatalf("row %d control value %d: %v, given %v", i, j, gf[j], f[j])
			}
		}
		var diff float64
		for j := C * smokeState; j < len(u); j++ {
			diff = max(diff, math.Abs(gu[j]-u[j]))
		}
		if diff == 0 {
			t.Errorf("row %d: the generated state is the test data's (the model's own is expected)", i)
		}
	}
	if _, err := WriteGenerated(context.Background(), m, d, filepath.Join(dir, "x.arrow"), GenerateOptions{Resim: filepath.Join(dir, "r.arrow")}); err == nil {
		t.Error("a smoke simulation model re-simulated")
	}
	m.Task = Estimate
	if _, err := WriteGenerated(context.Background(), m, d, filepath.Join(dir, "x.arrow"), GenerateOptions{}); err == nil || !strings.Contains(err.Error(), "estimation") {
		t.Errorf("smoke estimation: %v", err)
	}
}

// A control that makes pde/smoke blow up (velocities of 1e300) is returned as a failure of stage "resim"
// naming its case; the other cases of the batch get their rows, in order, and a case's own control,
// re-simulated, gives back its stored trajectory on the modelled frames exactly (float64 data; the last
// stored frame differs, its control being zero in the re-simulation).
func TestResimulateSmokeRowsRecordsSolverFailures(t *testing.T) {
	d := openData(t, writeSmoke(t, t.TempDir(), "test.arrow", tinySmokeParams(), 3, 2))
	batch := []int{2, 0, 1}
	truth, controls := make([][]float64, 3), make([][]float64, 3)
	for j, i := range batch {
		u, f, err := d.Fields(i, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		truth[j], controls[j] = u, f
	}
	for k := range controls[1] {
		controls[1][k] = 1e300
	}
	rows, failed, err := resimulateSmokeRows(context.Background(), d, batch, []int{0, 1, 2}, truth, controls, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(failed) != 1 || failed[0].Case != 0 || failed[0].ID != d.ID(0) || failed[0].Stage != "resim" || !strings.Contains(failed[0].Error, "blew up") {
		t.Fatalf("failures %+v", failed)
	}
	if len(rows) != 2 || rows[0].Params[len(rows[0].Params)-1] != 2 || rows[1].Params[len(rows[1].Params)-1] != 1 {
		t.Fatalf("%d rows", len(rows))
	}
	src, err := d.ds.Field(2)
	if err != nil {
		t.Fatal(err)
	}
	n := d.Frames * d.Cells * 3
	for j, v := range rows[0].State[:n] {
		if v != src.State.At(j) {
			t.Fatalf("case 2 re-simulated under its own control: state value %d is %v, stored %v", j, v, src.State.At(j))
		}
	}
	for p := 0; p < d.Smoke.share+d.Frames; p++ {
		if p >= 3 && p < d.Smoke.share { // the final outcomes are of the last stored frame
			continue
		}
		if rows[0].Params[p] != src.Params.At(p) {
			t.Errorf("case 2 re-simulated: parameter %d is %v, stored %v", p, rows[0].Params[p], src.Params.At(p))
		}
	}
}

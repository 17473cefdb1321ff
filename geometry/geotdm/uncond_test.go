package geotdm_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/geometry"
	"github.com/trajdiff/trajdiff/geometry/geotdm"
	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/train"
)

// trainTinyUncond trains an mlp that generates frames 0..5 of 5 charged particles from their charges
// alone (16 trajectories, 30 steps) and returns the run directory and 12-trajectory test and reference
// splits.
func trainTinyUncond(t testing.TB, dir string) (run, test, ref string) {
	t.Helper()
	data, test, ref := filepath.Join(dir, "train.arrow"), filepath.Join(dir, "test.arrow"), filepath.Join(dir, "ref.arrow")
	writeSplit(t, data, geometry.NewCharged(5), "train", 16, 6)
	writeSplit(t, test, geometry.NewCharged(5), "test", 12, 6)
	writeSplit(t, ref, geometry.NewCharged(5), "val", 12, 6)
	layout := nn.EGTNConfig{Nodes: 5, SpatialDim: 3, TargetFrames: []int{0, 1, 2, 3, 4, 5}, NodeFeatures: 1, EdgeFeatures: 1}
	cfg := train.Config{
		Out:       filepath.Join(dir, "run"),
		Data:      train.DataConfig{Path: data, Kind: train.DataGeometric, EdgeAttr: train.EdgeAttrProduct, Layout: &layout},
		Network:   nn.Spec{Arch: "mlp", MLP: &nn.MLPConfig{Dim: layout.Dim(), CondDim: layout.CondDim(), Hidden: []int{32}, TimeDim: 8}},
		Objective: train.ObjectiveConfig{Process: "vp-discrete", Steps: 100, Time: "discrete"},
		Train:     train.DefaultOptions(),
		Sample:    train.SampleConfig{Solver: "ddim", Steps: 3},
	}
	o := &cfg.Train
	o.Steps, o.Batch, o.LR, o.Warmup, o.Seed, o.CheckpointEvery = 30, 8, 1e-3, 0, 1, 0
	tr, ds, err := cfg.Trainer()
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	if _, err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	return cfg.Out, test, ref
}

// An unconditional evaluation scores the model and the three reference baselines, returns centred
// samples for every test system, and is deterministic; a forecasting checkpoint is refused.
func TestEvaluateUnconditionalScoresModelAndBaselines(t *testing.T) {
	dir := t.TempDir()
	run, test, ref := trainTinyUncond(t, dir)
	m, err := geotdm.Load(run)
	if err != nil {
		t.Fatal(err)
	}
	ds, _ := openViews(t, test)
	rds, _ := openViews(t, ref)
	o := geotdm.UncondOptions{Reference: rds, Score: geotdm.ScoreOptions{Epochs: 3, Batch: 4}, PredictFrom: 3}
	rep, gen, err := geotdm.EvaluateUnconditional(context.Background(), m, ds, o)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, mt := range rep.Methods {
		names = append(names, mt.Name)
		if math.IsNaN(mt.Marginal) || math.IsNaN(mt.Classification.BCE) || math.IsNaN(mt.Prediction) || mt.Samples != 12 {
			t.Errorf("%s: %+v", mt.Name, mt)
		}
	}
	if want := []string{"model", geotdm.ReferenceName, geotdm.TimeShuffledName, geotdm.ConstantVelocityStart}; !reflect.DeepEqual(names, want) {
		t.Errorf("methods %q, want %q", names, want)
	}
	if len(gen.Samples) != 12 || len(gen.Views) != 12 {
		t.Fatalf("%d samples for %d systems, want 12", len(gen.Samples), len(gen.Views))
	}
	for i, s := range gen.Samples {
		var c [3]float64
		for k, v := range s[0] {
			c[k%3] += v / float64(len(s[0])/3)
		}
		if math.Abs(c[0])+math.Abs(c[1])+math.Abs(c[2]) > 1e-9 {
			t.Errorf("sample %d has centre of mass %v", i, c)
		}
	}
	again, _, err := geotdm.EvaluateUnconditional(context.Background(), m, ds, o)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []*geotdm.UncondReport{rep, again} {
		for j := range r.Methods {
			r.Methods[j].Seconds = 0 // wall time
		}
	}
	if !reflect.DeepEqual(rep, again) {
		t.Error("a second evaluation with the same options differs")
	}

	if err := os.Mkdir(filepath.Join(dir, "cond"), 0o755); err != nil {
		t.Fatal(err)
	}
	cond, ctest := trainTiny(t, filepath.Join(dir, "cond"))
	cm, err := geotdm.Load(cond)
	if err != nil {
		t.Fatal(err)
	}
	cds, _ := openViews(t, ctest)
	if _, _, err := geotdm.EvaluateUnconditional(context.Background(), cm, cds, o); err == nil || !strings.Contains(err.Error(), "condition frames") {
		t.Errorf("a forecasting checkpoint: err %v, want a refusal naming its condition frames", err)
	}
}

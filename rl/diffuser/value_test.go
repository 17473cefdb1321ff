package diffuser_test

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/rl"
	"github.com/trajdiff/trajdiff/rl/diffuser"
	"github.com/trajdiff/trajdiff/train"
)

// trainTinyValue trains a value model (objective kind value) for steps steps on the data trainTiny wrote
// in dir, on windows of horizon steps of actions then observations, and loads it.
func trainTinyValue(t *testing.T, dir string, horizon, steps int) *train.Model {
	t.Helper()
	m, err := trainTinyValueModel(dir, "umaze", horizon, steps)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// trainTinyValueModel trains and loads a value model on the layout's data that trainTinyOn wrote in dir.
func trainTinyValueModel(dir, layout string, horizon, steps int) (*train.Model, error) {
	cfg := train.Config{
		Out: filepath.Join(dir, layout+"-value-"+string(rune('0'+horizon))),
		Data: train.DataConfig{Path: filepath.Join(dir, layout+".arrow"), Horizon: horizon, Columns: []string{"actions", "observations"},
			Normalizer: "limits", NoPadding: true, ReturnsScale: 10, Discount: 0.99},
		Network:   nn.Spec{Arch: "regressor", Regressor: &nn.RegressorConfig{In: horizon*6 + train.ValueTimeFeatures, Out: 1, Hidden: []int{32}, Activation: "mish"}},
		Objective: train.ObjectiveConfig{Kind: train.ObjectiveValue, Process: "vp-cosine"},
		Train:     train.DefaultOptions(),
	}
	cfg.Train.Steps, cfg.Train.Batch, cfg.Train.Warmup, cfg.Train.CheckpointEvery, cfg.Train.LR = steps, 16, 0, 0, 3e-3
	tr, ds, err := cfg.Trainer()
	if err != nil {
		return nil, err
	}
	defer ds.Close()
	if _, err := tr.Run(context.Background()); err != nil {
		return nil, err
	}
	return train.Load(cfg.Out, train.LoadOptions{})
}

// A goal-free planner (NoGoal) fixes only the start; a value guide of scale 0 leaves its plans
// bit-identical, and a non-zero scale changes them while keeping the start inpainted.
func TestZeroScaleValueGuidanceLeavesPlansBitIdentical(t *testing.T) {
	dir := t.TempDir()
	m := trainTinyModel(t, dir, 40)
	v := trainTinyValue(t, dir, 8, 40)
	checkValueGuideMovesPlans(t, m, v, 2)
}

// checkValueGuideMovesPlans plans goal-free with m (DDIM, 5 steps) and checks that value guidance by v at
// scale 0 leaves the plan bit-identical and at scale 5 (with steps guide steps; 0: the default) changes it
// while keeping the start inpainted.
func checkValueGuideMovesPlans(t *testing.T, m, v *train.Model, steps int) {
	t.Helper()
	l, _ := rl.LayoutByName("umaze")
	p, err := diffuser.New(m, l, diffuser.Options{Solver: "ddim", Steps: 5, NoGoal: true})
	if err != nil {
		t.Fatal(err)
	}
	start, goal := [4]float64{3.05, 1.02, 0.13, -0.07}, [2]float64{1, 1}
	plain, err := p.Plan(context.Background(), start, goal, 7)
	if err != nil {
		t.Fatal(err)
	}
	if plain.Observations[7] == [4]float64{1, 1, 0, 0} {
		t.Errorf("a goal-free plan ends exactly at the goal: it was inpainted")
	}
	zero, err := p.WithValueGuide(diffuser.ValueGuide{Model: v, Scale: 0})
	if err != nil || zero.Guided() {
		t.Fatalf("scale 0: %v (guided %v)", err, zero != nil && zero.Guided())
	}
	same, err := zero.Plan(context.Background(), start, goal, 7)
	if err != nil {
		t.Fatal(err)
	}
	for k := range plain.Observations {
		if same.Observations[k] != plain.Observations[k] || same.Actions[k] != plain.Actions[k] {
			t.Fatalf("step %d: %v with scale 0, %v unguided", k, same.Observations[k], plain.Observations[k])
		}
	}
	guided, err := p.WithValueGuide(diffuser.ValueGuide{Model: v, Scale: 5, Steps: steps})
	if err != nil || !guided.Guided() {
		t.Fatalf("scale 5: %v", err)
	}
	moved, err := guided.Plan(context.Background(), start, goal, 7)
	if err != nil {
		t.Fatal(err)
	}
	diff := 0.0
	for k := range moved.Observations {
		for c := 0; c < 4; c++ {
			diff = math.Max(diff, math.Abs(moved.Observations[k][c]-plain.Observations[k][c]))
		}
	}
	if diff == 0 || moved.Observations[0] != start {
		t.Errorf("guided plan: largest change %v, start %v (want a change and the start %v)", diff, moved.Observations[0], start)
	}
}

// A value guide the planner cannot use is refused with ErrBadInput and the reason: no model, a denoiser
// instead of a value model, a value model of another horizon or of another maze's data, a NaN or infinite
// scale, negative steps, a NaN stop time; so is search on a goal-free planner.
func TestValueGuidesThatCannotWorkAreRefused(t *testing.T) {
	dir := t.TempDir()
	m := trainTinyModel(t, dir, 2)
	v := trainTinyValue(t, dir, 8, 2)
	other := trainTinyValue(t, dir, 4, 2)
	if _, err := trainTinyOn(dir, "medium", nil, 1); err != nil {
		t.Fatal(err)
	}
	maze, err := trainTinyValueModel(dir, "medium", 8, 2)
	if err != nil {
		t.Fatal(err)
	}
	l, _ := rl.LayoutByName("umaze")
	p, err := diffuser.New(m, l, diffuser.Options{Solver: "ddim", Steps: 5, NoGoal: true})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		g    diffuser.ValueGuide
		want string
	}{
		{"no model", diffuser.ValueGuide{Scale: 1}, "value model"},
		{"denoiser", diffuser.ValueGuide{Model: m, Scale: 1}, "value model"},
		{"horizon", diffuser.ValueGuide{Model: other, Scale: 1}, "4 steps"},
		{"maze", diffuser.ValueGuide{Model: maze, Scale: 1}, "normalises column"},
		{"nan scale", diffuser.ValueGuide{Model: v, Scale: math.NaN()}, "finite"},
		{"inf scale", diffuser.ValueGuide{Model: v, Scale: math.Inf(1)}, "finite"},
		{"steps", diffuser.ValueGuide{Model: v, Scale: 1, Steps: -1}, "steps"},
		{"stop", diffuser.ValueGuide{Model: v, Scale: 1, StopGradBelow: math.NaN()}, "stop time"},
	}
	for _, c := range cases {
		_, err := p.WithValueGuide(c.g)
		if !errors.Is(err, diffuser.ErrBadInput) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want ErrBadInput mentioning %q", c.name, err, c.want)
		}
	}
	if _, err := p.WithSearch(diffuser.Search{Method: "best-of-n", Budget: 10}); !errors.Is(err, diffuser.ErrBadInput) {
		t.Errorf("search on a goal-free planner: %v", err)
	}
}

package diffuser_test

import (
	"context"
	"math"
	"path/filepath"
	"testing"

	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/rl"
	"github.com/trajdiff/trajdiff/rl/diffuser"
	"github.com/trajdiff/trajdiff/train"
)

// Diffuser's own U-Net value model (nn arch temporal_value) guides a goal-free planner like the MLP: a
// tiny one trained on the U-Maze windows of 8 steps is accepted by WithValueGuide, scale 0 leaves plans
// bit-identical, and scale 5 moves them while the start stays inpainted.
func TestUnetValueModelGuidesPlans(t *testing.T) {
	dir := t.TempDir()
	run, err := trainTiny(dir, nil, 40)
	if err != nil {
		t.Fatal(err)
	}
	m, err := train.Load(run, train.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := train.Config{
		Out: filepath.Join(dir, "umaze-value-unet"),
		Data: train.DataConfig{Path: filepath.Join(dir, "umaze.arrow"), Horizon: 8, Columns: []string{"actions", "observations"},
			Normalizer: "limits", NoPadding: true, ReturnsScale: 10, Discount: 0.99},
		Network: nn.Spec{Arch: "temporal_value", TemporalValue: &nn.TemporalValueConfig{Horizon: 8, Transition: 6, Dim: 4,
			DimMults: []int{1, 2}, Kernel: 3, Groups: 2}},
		Objective: train.ObjectiveConfig{Kind: train.ObjectiveValue, Process: "vp-cosine"},
		Train:     train.DefaultOptions(),
	}
	cfg.Train.Steps, cfg.Train.Batch, cfg.Train.Warmup, cfg.Train.CheckpointEvery, cfg.Train.LR = 40, 16, 0, 0, 3e-3
	tr, ds, err := cfg.Trainer()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	ds.Close()
	v, err := train.Load(cfg.Out, train.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
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
	zero, err := p.WithValueGuide(diffuser.ValueGuide{Model: v, Scale: 0})
	if err != nil {
		t.Fatal(err)
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
	guided, err := p.WithValueGuide(diffuser.ValueGuide{Model: v, Scale: 5})
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

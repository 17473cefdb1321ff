package diffuser_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/train"
)

// Diffuser's own U-Net value model (nn arch temporal_value) guides a goal-free planner like the MLP: a
// tiny one trained on the U-Maze windows of 8 steps is accepted by WithValueGuide, scale 0 leaves plans
// bit-identical, and scale 5 moves them while the start stays inpainted.
func TestUnetValueModelGuidesPlans(t *testing.T) {
	dir := t.TempDir()
	m := trainTinyModel(t, dir, 40)
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
	checkValueGuideMovesPlans(t, m, v, 0)
}

package main

import (
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/train"
)

// tinyPlannerRun trains, in a few steps, a network shaped like the quickstart planner's (a temporal U-Net
// with the first and last observations[0] inpainted and given as its condition) on windows of 8 steps of a
// synthetic dataset (2 observations, 1 action) and returns the run directory.
func tinyPlannerRun(t *testing.T, dir string) string {
	t.Helper()
	data := filepath.Join(dir, "episodes.arrow")
	w, err := datasets.CreateEpisodes(data, datasets.EpisodeSpec{ObservationDim: 2, ActionDim: 1}, datasets.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for e := 0; e < 6; e++ {
		var ep datasets.Episode
		for s := 0; s < 20; s++ {
			x := 0.3*float64(e) + 0.1*float64(s)
			ep.Observations = append(ep.Observations, x, math.Sin(3*x))
			ep.Actions = append(ep.Actions, math.Cos(3*x))
			ep.Rewards = append(ep.Rewards, 0)
		}
		if err := w.Write(ep); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	ends := []string{"0:1", "-1:1"}
	cfg := train.Config{
		Out:       filepath.Join(dir, "run"),
		Data:      train.DataConfig{Path: data, Horizon: 8, NoPadding: true, Condition: ends, Inpaint: ends},
		Network:   nn.Spec{Arch: "temporal_unet", TemporalUnet: &nn.TemporalUnetConfig{Horizon: 8, Transition: 3, Dim: 8, DimMults: []int{1, 2}, Groups: 4, CondDim: 2}},
		Objective: train.ObjectiveConfig{Process: "vp-cosine", Prediction: "x0"},
		Train:     train.DefaultOptions(),
		Sample:    train.SampleConfig{Solver: "dpmpp-2m", Steps: 5, ClipX0: true},
	}
	o := &cfg.Train
	o.Steps, o.Batch, o.LR, o.MinLR, o.Warmup, o.EMADecay, o.Seed, o.CheckpointEvery = 10, 8, 3e-3, 3e-4, 0, 0.9, 5, 0
	tr, ds, err := cfg.Trainer()
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	if _, err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	return cfg.Out
}

// A malformed --device is bad input (exit 2) naming the accepted forms, before any work.
func TestSampleRefusesAnUnknownDevice(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "s.json")
	for _, dev := range []string{"tpu", "gpu:-1", "gpu:x"} {
		code, _, stderr := runCLI("sample", "--checkpoint", filepath.Join(dir, "missing"), "--out", out, "--device", dev)
		if code != 2 || !strings.Contains(stderr, "want cpu, gpu or gpu:N") {
			t.Errorf("--device %s: exit %d, stderr %q; want 2 naming cpu, gpu, gpu:N", dev, code, stderr)
		}
	}
}

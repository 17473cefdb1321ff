//go:build cuda || trajdiff_cuda

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

// `sample --device gpu` of a checkpoint whose network is nn's 1-D DiT (a causal Transformer with the start
// and goal observations as its condition and inpainted) writes the samples the CPU run writes, to float32
// accuracy, with the fixed entries exactly as on the CPU.
func TestSampleGPUTransformerMatchesCPU(t *testing.T) {
	dir := t.TempDir()
	run := transformerRun(t, dir)
	cpu, gpu := filepath.Join(dir, "cpu.json"), filepath.Join(dir, "gpu.json")
	args := []string{"sample", "--checkpoint", run, "--n", "3", "--solver", "dpmpp-2m", "--steps", "5", "--seed", "3", "--fix", "0:1=0.4", "--fix", "-1:1=-0.3"}
	if code, _, stderr := runCLI(append(args, "--out", cpu)...); code != 0 {
		t.Fatalf("on the CPU: exit %d: %s", code, stderr)
	}
	code, stdout, stderr := runCLI(append(args, "--out", gpu, "--device", "gpu")...)
	if code != 0 {
		t.Fatalf("on the GPU: exit %d: %s", code, stderr)
	}
	c, g := readSamples(t, cpu), readSamples(t, gpu)
	worst := 0.0
	for i := range c {
		for s := range c[i] {
			for k := range c[i][s] {
				worst = math.Max(worst, math.Abs(c[i][s][k]-g[i][s][k]))
			}
		}
		if g[i][0][1] != c[i][0][1] || g[i][7][1] != c[i][7][1] {
			t.Errorf("window %d: fixed entries %v, %v on the GPU, %v, %v on the CPU", i, g[i][0][1], g[i][7][1], c[i][0][1], c[i][7][1])
		}
	}
	if !(worst <= 1e-4) {
		t.Errorf("GPU and CPU samples differ by up to %.3g", worst)
	} else {
		t.Logf("transformer: GPU vs CPU max difference %.2e (%s)", worst, strings.TrimSpace(stdout))
	}
}

// transformerRun trains, in a few steps, a conditional causal Transformer on 8-step windows (2 observations,
// 1 action) of synthetic smooth episodes, with the first and last observations[0] inpainted and given as its
// condition, and returns the run directory.
func transformerRun(t testing.TB, dir string) string {
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
			ep.Observations = append(ep.Observations, math.Sin(x), math.Sin(2*x+1))
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
		Out:  filepath.Join(dir, "run"),
		Data: train.DataConfig{Path: data, Horizon: 8, NoPadding: true, Condition: ends, Inpaint: ends},
		Network: nn.Spec{Arch: "transformer", Transformer: &nn.TransformerConfig{Length: 8, Channels: 3, Width: 16, Depth: 1, Heads: 2,
			CondDim: len(ends), Causal: true}},
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

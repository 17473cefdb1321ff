package main

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/rl"
	"github.com/trajdiff/trajdiff/rl/diffuser"
	"github.com/trajdiff/trajdiff/train"
)

// plannerShape is the shape of a planner-like run: windows of Horizon steps of Obs observations and Act
// actions, a temporal U-Net of width Dim and multipliers Mults (Groups 0: the default), with the entries
// Ends inpainted and given as its condition, as the quickstart's maze2d planner has them.
type plannerShape struct {
	Horizon, Obs, Act, Dim, Groups int
	Mults                          []int
	Ends                           []string
}

// tinyPlanner: windows of 8 steps (2 observations, 1 action), the first and last observations[0] fixed.
var tinyPlanner = plannerShape{Horizon: 8, Obs: 2, Act: 1, Dim: 8, Groups: 4, Mults: []int{1, 2}, Ends: []string{"0:1", "-1:1"}}

// quickstartPlanner is the quickstart's maze2d planner (cmd_quickstart.go, diffuser.Maze2DConfig with
// diffuser.WithEndpointCondition): 128-step windows of 2 actions and 4 observations, a temporal U-Net of
// width 16 with multipliers 1, 4, 8, the start and goal observations inpainted and given as its condition.
var quickstartPlanner = plannerShape{Horizon: 128, Obs: 4, Act: 2, Dim: 16, Mults: []int{1, 4, 8},
	Ends: []string{"0:2", "0:3", "0:4", "0:5", "-1:2", "-1:3", "-1:4", "-1:5"}}

// The timed planner is the quickstart's: its shape is read off the configuration the quickstart trains
// (diffuser.Maze2DConfig on U-Maze with its default width, diffuser.WithEndpointCondition).
func TestQuickstartPlannerShapeIsTheQuickstarts(t *testing.T) {
	layout, err := rl.LayoutByName("umaze")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := diffuser.Maze2DConfig(layout, "data.arrow", "run", quickstartPlanner.Dim)
	if err != nil {
		t.Fatal(err)
	}
	cfg = diffuser.WithEndpointCondition(cfg)
	u, p := cfg.Network.TemporalUnet, quickstartPlanner
	if u == nil || u.Horizon != p.Horizon || u.Transition != p.Obs+p.Act || !slices.Equal(u.DimMults, p.Mults) || u.CondDim != len(p.Ends) ||
		!slices.Equal(cfg.Data.Condition, p.Ends) || !slices.Equal(cfg.Data.Inpaint, p.Ends) || cfg.Sample.Steps != 20 {
		t.Errorf("quickstart planner %+v, the quickstart's configuration: network %+v, condition %v, inpaint %v, %d steps", p, u, cfg.Data.Condition, cfg.Data.Inpaint, cfg.Sample.Steps)
	}
}

// tinyPlannerRun trains, in a few steps, a network shaped like the quickstart planner's on tinyPlanner's
// windows of a synthetic dataset and returns the run directory.
func tinyPlannerRun(t testing.TB, dir string) string { return plannerRun(t, dir, tinyPlanner, 10) }

// plannerRun trains a run of shape p for the given steps on synthetic episodes (smooth paths of twice the
// horizon) and returns its directory.
func plannerRun(t testing.TB, dir string, p plannerShape, steps int) string {
	t.Helper()
	data := filepath.Join(dir, "episodes.arrow")
	w, err := datasets.CreateEpisodes(data, datasets.EpisodeSpec{ObservationDim: p.Obs, ActionDim: p.Act}, datasets.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for e := 0; e < 6; e++ {
		var ep datasets.Episode
		for s := 0; s < max(20, 2*p.Horizon); s++ {
			x := 0.3*float64(e) + 0.1*float64(s)
			for k := 0; k < p.Obs; k++ {
				ep.Observations = append(ep.Observations, math.Sin(float64(k+1)*x+float64(k)))
			}
			for k := 0; k < p.Act; k++ {
				ep.Actions = append(ep.Actions, math.Cos(float64(k+3)*x))
			}
			ep.Rewards = append(ep.Rewards, 0)
		}
		if err := w.Write(ep); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	cfg := train.Config{
		Out:  filepath.Join(dir, "run"),
		Data: train.DataConfig{Path: data, Horizon: p.Horizon, NoPadding: true, Condition: p.Ends, Inpaint: p.Ends},
		Network: nn.Spec{Arch: "temporal_unet", TemporalUnet: &nn.TemporalUnetConfig{Horizon: p.Horizon, Transition: p.Obs + p.Act, Dim: p.Dim,
			DimMults: p.Mults, Groups: p.Groups, CondDim: len(p.Ends)}},
		Objective: train.ObjectiveConfig{Process: "vp-cosine", Prediction: "x0"},
		Train:     train.DefaultOptions(),
		Sample:    train.SampleConfig{Solver: "dpmpp-2m", Steps: 5, ClipX0: true},
	}
	o := &cfg.Train
	o.Steps, o.Batch, o.LR, o.MinLR, o.Warmup, o.EMADecay, o.Seed, o.CheckpointEvery = steps, 8, 3e-3, 3e-4, 0, 0.9, 5, 0
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

// BenchmarkSampleCommandCPU is a whole `trajdiff sample` command (checkpoint load, 20-step DPM-Solver++(2M),
// output) of the quickstart-sized planner on the CPU at 1 and 32 plans, the reference of TestSampleGPUTimings'
// --device gpu timings (which also time the CPU at 1024).
func BenchmarkSampleCommandCPU(b *testing.B) {
	dir := b.TempDir()
	run := plannerRun(b, dir, quickstartPlanner, 1)
	for _, n := range []string{"1", "32"} {
		b.Run("n="+n, func(b *testing.B) {
			args := []string{"sample", "--checkpoint", run, "--out", filepath.Join(dir, "s.json"), "--n", n, "--steps", "20"}
			for i, e := range quickstartPlanner.Ends {
				args = append(args, "--fix", fmt.Sprintf("%s=%.1f", e, 0.1*float64(i%4)))
			}
			for i := 0; i < b.N; i++ {
				if code, _, stderr := runCLI(args...); code != 0 {
					b.Fatalf("exit %d: %s", code, stderr)
				}
			}
		})
	}
}

// --precision names fp32, tf32 or bf16, and tf32 and bf16 need the GPU: anything else is bad input (exit 2)
// in every command that samples on the device, before any work.
func TestPrecisionIsFP32TF32OrBF16OnTheGPU(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"sample", "--checkpoint", missing, "--out", filepath.Join(dir, "s.json"), "--precision", "tf32"}, "needs --device gpu"},
		{[]string{"sample", "--checkpoint", missing, "--out", filepath.Join(dir, "s.json"), "--precision", "bf16"}, "needs --device gpu"},
		{[]string{"sample", "--checkpoint", missing, "--out", filepath.Join(dir, "s.json"), "--precision", "fp16", "--device", "gpu"}, "want fp32, tf32 or bf16"},
		{[]string{"plan", "evaluate", "--checkpoint", missing, "--precision", "tf32"}, "needs --device gpu"},
		{[]string{"pde", "evaluate", "--checkpoint", missing, "--data", missing, "--precision", "tf32"}, "needs --device gpu"},
		{[]string{"pde", "generate", "--checkpoint", missing, "--data", missing, "--out", filepath.Join(dir, "g.arrow"), "--precision", "fp16", "--device", "gpu"}, "want fp32, tf32 or bf16"},
		{[]string{"pde", "estimate", "--checkpoint", missing, "--data", missing, "--precision", "bf16"}, "needs --device gpu"},
	} {
		code, _, stderr := runCLI(c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 with %q", c.args[:2], code, stderr, c.want)
		}
	}
}

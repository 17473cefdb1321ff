//go:build cuda || trajdiff_cuda

package fromnn

import (
	"context"
	"math"
	"testing"

	"github.com/trajdiff/trajdiff/gpu"
	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/pde/wdno"
	"github.com/trajdiff/trajdiff/train"
)

// burgersControlModel is a tiny WDNO Burgers control model: the 1-D wavelet layout of 9 frames x 12 cells
// (9 channels of 8 x 8, bands of 5 x 6) and a 2-D U-Net trained for 10 steps on mixtureSource (its weights
// only need to be a network's, not good ones).
func burgersControlModel(t *testing.T) *wdno.Model {
	t.Helper()
	l, err := wdno.NewLayout(wdno.LayoutConfig{Frames: 9, Cells: 12})
	if err != nil {
		t.Fatal(err)
	}
	cfg := nn.Unet2DConfig{Height: 8, Width: 8, Channels: 9, Dim: 8, DimMults: []int{1, 2}, AttnHeads: 2, AttnDimHead: 4}
	opts := train.DefaultOptions()
	opts.Steps, opts.Batch, opts.Warmup, opts.LR, opts.LogEvery, opts.CheckpointEvery, opts.Seed = 10, 4, 0, 3e-3, 10, 10, 4
	tr := &train.Trainer{Spec: nn.Spec{Arch: "unet2d", Unet2D: &cfg}, Objective: train.ObjectiveConfig{Process: "vp-cosine", Prediction: "eps"},
		Source: mixtureSource{l.Dim()}, Options: opts, Dir: t.TempDir()}
	if _, err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	c, err := train.LoadCheckpoint(tr.Dir, train.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return &wdno.Model{Layout: l, Task: wdno.Control, Checkpoint: c}
}

// deviceSampler is cmd/trajdiff's wiring of a Sampler into pde/wdno: the DeviceProblem as a PlanProblem, its
// control guidance as the device guide's numbers.
func deviceSampler(s *Sampler) wdno.DeviceSampler {
	return func(ctx context.Context, p wdno.DeviceProblem) ([]float64, error) {
		q := PlanProblem{Checkpoint: p.Checkpoint, Plan: p.Plan, X: p.X, Mask: p.Known, Values: p.Values, ClipX0: p.ClipX0, FixX0: true,
			Seed: p.Seed, Progress: p.Progress, NonFinite: p.NonFinite}
		if g := p.Guidance; g != nil {
			q.Guidance = &gpu.WaveletControlConfig{Wavelet: g.Wavelet, Mode: g.Mode, Cases: g.Cases, State: g.State, Control: g.Control,
				Frames: g.Frames, Cells: g.Cells, Channels: g.Channels, Height: g.Height, Width: g.Width, BandH: g.BandH, BandW: g.BandW,
				Scales: g.Scales, U0s: g.U0s, Targets: g.Targets, Energy: g.Energy}
			q.GuidanceStep = g.Step
		}
		return s.RunPlan(ctx, q)
	}
}

// trajectories flattens a Generated's states and controls.
func trajectories(g *wdno.Generated) []float64 {
	var out []float64
	for j := range g.U {
		out = append(append(out, g.U[j]...), g.F[j]...)
	}
	return out
}

// relRMS is |a - b| / |b| over all values.
func relRMS(a, b []float64) float64 {
	var num, den float64
	for i, w := range b {
		d := a[i] - w
		num, den = num+d*d, den+w*w
	}
	return math.Sqrt(num / den)
}

// TestGPUGuidedBurgersControlMatchesGenerate: WDNO's Burgers control with guidance (the reference's weight
// 1.2e5, DDIM, 8 steps, 3 cases) sampled through a Sampler (the guide's gradient through the decoder as the
// captured x0 correction) gives the trajectories Generate gives on the CPU, to relative RMS 1e-4 (float32
// sampling against float64); guidance changes them far more than that (against the device's unguided run);
// the same guided problem run again on the kept sampler is bit for bit the first run (fresh guide, graphs
// captured again); and the unguided problem after it is bit for bit a fresh sampler's (the guide's graphs
// are gone).
func TestGPUGuidedBurgersControlMatchesGenerate(t *testing.T) {
	m := burgersControlModel(t)
	var req wdno.Request
	for j := range 3 {
		u0, target := make([]float64, 12), make([]float64, 12)
		for x := range u0 {
			u0[x] = 0.6 * math.Sin(2*math.Pi*float64(x)/12+float64(j))
			target[x] = 0.3 * math.Cos(2*math.Pi*float64(x)/12-float64(j))
		}
		req.Cases = append(req.Cases, wdno.Case{U0: u0, Target: target})
	}
	req.Solver, req.Steps, req.Seed = "ddim", 8, 11
	ctx := context.Background()
	cpu, err := m.Generate(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSampler(SampleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	req.Device = deviceSampler(s)
	dev, err := m.Generate(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	again, err := m.Generate(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	zero := 0.0
	plain := req
	plain.Guidance = &zero
	unguided, err := m.Generate(ctx, plain)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := NewSampler(SampleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	plain.Device = deviceSampler(fresh)
	want, err := m.Generate(ctx, plain)
	if err != nil {
		t.Fatal(err)
	}
	rel, moved := relRMS(trajectories(dev), trajectories(cpu)), relRMS(trajectories(unguided), trajectories(cpu))
	t.Logf("guided Burgers control (ddim, %d steps, weight 1.2e5): device vs Generate on the CPU rel RMS %.2e; the unguided run is %.2e away", req.Steps, rel, moved)
	if !(rel <= 1e-4) {
		t.Errorf("the guided device run differs from Generate by rel RMS %.3g (tolerance 1e-4)", rel)
	}
	if !(moved >= 100*rel) || !(moved > 1e-3) {
		t.Errorf("guidance moved the trajectories by rel RMS %.3g only (device vs CPU %.3g)", moved, rel)
	}
	if !same(trajectories(again), trajectories(dev)) {
		t.Error("the guided problem run again on the kept sampler differs from its first run")
	}
	if !same(trajectories(unguided), trajectories(want)) {
		t.Error("the unguided problem after a guided one differs from a fresh sampler's")
	}
}

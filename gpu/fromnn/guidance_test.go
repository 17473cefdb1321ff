package fromnn

import (
	"context"
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/gpu"
	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/pde/wdno"
	"github.com/trajdiff/trajdiff/train"
	"gorgonia.org/tensor"
)

// TestAPlanProblemsGuidanceMustFitIt: control guidance without its step size, for another number of images
// than the problem has, or for images of another size than the network's is refused before any device work
// (in either build).
func TestAPlanProblemsGuidanceMustFitIt(t *testing.T) {
	c, plan, D := guidanceCheckProblem(t)
	step := func(float64) float64 { return 1 }
	fits := gpu.WaveletControlConfig{Cases: 2, Channels: 2, Height: 4, Width: 4}
	for _, tc := range []struct {
		name string
		g    gpu.WaveletControlConfig
		step func(float64) float64
		want string
	}{
		{"no step", fits, nil, "step size"},
		{"three images", gpu.WaveletControlConfig{Cases: 3, Channels: 2, Height: 4, Width: 4}, step, "3 images"},
		{"larger images", gpu.WaveletControlConfig{Cases: 2, Channels: 3, Height: 4, Width: 4}, step, "3 x 4 x 4"},
	} {
		g := tc.g
		p := PlanProblem{Checkpoint: c, Plan: plan, X: make([]float64, 2*D), Guidance: &g, GuidanceStep: tc.step}
		if _, err := p.check(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error naming %q", tc.name, err, tc.want)
		}
	}
	p := PlanProblem{Checkpoint: c, Plan: plan, X: make([]float64, 2*D), Guidance: &fits, GuidanceStep: step}
	if n, err := p.check(); n != 2 || err != nil {
		t.Errorf("fitting guidance: %d images, %v", n, err)
	}
}

// burgersControlModel is a tiny WDNO Burgers control model: the 1-D wavelet layout of 9 frames x 12 cells
// (9 channels of 8 x 8, bands of 5 x 6) and a 2-D U-Net trained for 10 steps on mixtureSource (its weights
// only need to be a network's, not good ones).
func burgersControlModel(t testing.TB) *wdno.Model {
	t.Helper()
	l, err := wdno.NewLayout(wdno.LayoutConfig{Frames: 9, Cells: 12})
	if err != nil {
		t.Fatal(err)
	}
	cfg := nn.Unet2DConfig{Height: 8, Width: 8, Channels: 9, Dim: 8, DimMults: []int{1, 2}, AttnHeads: 2, AttnDimHead: 4}
	return trainedControlModel(t, l, nn.Spec{Arch: "unet2d", Unet2D: &cfg}, 10, 4)
}

// trainedControlModel is a WDNO control model of the layout l whose network spec is trained for steps
// steps of batch windows on mixtureSource (seed 4, learning rate 3e-3) and loaded back from its checkpoint.
func trainedControlModel(t testing.TB, l wdno.Layout, spec nn.Spec, steps, batch int) *wdno.Model {
	t.Helper()
	opts := train.DefaultOptions()
	opts.Steps, opts.Batch, opts.Warmup, opts.LR, opts.LogEvery, opts.CheckpointEvery, opts.Seed = steps, batch, 0, 3e-3, steps, steps, 4
	tr := &train.Trainer{Spec: spec, Objective: train.ObjectiveConfig{Process: "vp-cosine", Prediction: "eps"},
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

// guidanceCheckProblem is what the guidance checks of a PlanProblem run on: an untrained 2-D U-Net on
// 2 x 4 x 4 images (D values each) and a 2-step DDIM plan of its process.
func guidanceCheckProblem(t *testing.T) (*train.Checkpoint, *diffusion.Plan, int) {
	t.Helper()
	net, err := nn.NewUnet2D(nn.Unet2DConfig{Height: 4, Width: 4, Channels: 2, Dim: 8, DimMults: []int{1, 2}, AttnHeads: 2, AttnDimHead: 4}, tensor.Float64)
	if err != nil {
		t.Fatal(err)
	}
	c := &train.Checkpoint{Net: net, Process: diffusion.NewVPCosine()}
	solver, _ := diffusion.NewSolver("ddim")
	plan, err := diffusion.PlanForNFE(solver, c.Process, diffusion.DefaultSchedule(c.Process), 2)
	if err != nil {
		t.Fatal(err)
	}
	return c, plan, net.Dim()
}

// deviceSampler is cmd/trajdiff's wiring of a Sampler into pde/wdno: the DeviceProblem as a PlanProblem, its
// control guidance (Burgers' or smoke's) as the device guide's numbers.
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
		if g := p.Smoke; g != nil {
			q.SmokeGuidance = &gpu.SmokeControlConfig{Wavelet: g.Wavelet, Mode: g.Mode, Cases: g.Cases, Frames: g.Frames,
				GridX: g.GridX, GridY: g.GridY, Channels: g.Channels, ImageFrames: g.ImageFrames, Height: g.Height, Width: g.Width,
				BandT: g.BandT, BandX: g.BandX, BandY: g.BandY, Scales: g.Scales, Linear: g.Linear, D0s: g.D0s, D0Weight: g.D0Weight}
			q.GuidanceStep = g.Step
		}
		return s.RunPlan(ctx, q)
	}
}

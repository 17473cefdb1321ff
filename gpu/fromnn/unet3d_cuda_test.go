//go:build trajdiff_cuda

package fromnn

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/gpu"
	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/train"
)

// randomUnet3D builds cfg with random weights, its norms' gains and biases (which initialise to the
// identity) perturbed so that a mixed-up gain or bias shows.
func randomUnet3D(t *testing.T, cfg nn.Unet3DConfig, seed uint64) *nn.Unet3D {
	t.Helper()
	net, err := nn.NewUnet3D(cfg, tensor.Float32)
	if err != nil {
		t.Fatal(err)
	}
	net.Params().Init(seed)
	for k, p := range net.Params().All() {
		if strings.HasSuffix(p.Name, "norm.weight") || strings.HasSuffix(p.Name, "norm.bias") || strings.HasSuffix(p.Name, ".gamma") {
			v := p.Value.Data().([]float32)
			base := float32(1)
			if strings.HasSuffix(p.Name, ".bias") {
				base = 0
			}
			for j := range v {
				v[j] = base + 0.3*float32(math.Sin(float64(7*j+k)))
			}
		}
	}
	return net
}

// TestGPUUnet3DMatchesNNPredictor: on random inputs, the device forward pass of nn Unet3Ds with random
// weights matches nn.Predictor, at batches of 1 and 2 videos and at several times (EDM's input scaling
// included): WDNO's smoke layout at two resolutions (3^3 initial convolution), three resolutions with the
// 7^3 one, and a network without attentions; in FP32 and in TF32 (every convolution and Linear layer on
// the tensor cores).
func TestGPUUnet3DMatchesNNPredictor(t *testing.T) {
	cfgs := unet3dConfigs()
	checkRandomNets(t, "Unet3D", len(cfgs), func(i int) nn.Net { return randomUnet3D(t, cfgs[i], uint64(i+7)) }, []int{1, 2}, 400, "videos")
}

// TestGPUTrainedUnet3DMatchesCPU: a tiny 3-D U-Net of WDNO's smoke layout trained with package train runs
// on the device as nn runs it, and a 10-NFE DPM-Solver++(2M) run with it matches diffusion.Sample with the
// checkpoint's CPU denoiser, with graph replay bit-identical to launches.
func TestGPUTrainedUnet3DMatchesCPU(t *testing.T) {
	checkTrainedMatchesCPU(t, trainedUnet3D(t), 2, 23, "unet3d")
}

// trainedUnet3D trains the first of unet3dConfigs for 10 steps (eps-prediction, vp-cosine) and loads it.
func trainedUnet3D(t *testing.T) *train.Checkpoint {
	t.Helper()
	cfg := unet3dConfigs()[0]
	opts := train.DefaultOptions()
	opts.Steps, opts.Batch, opts.Warmup, opts.LR, opts.LogEvery, opts.CheckpointEvery, opts.Seed = 10, 4, 0, 3e-3, 10, 10, 3
	tr := &train.Trainer{Spec: nn.Spec{Arch: "unet3d", Unet3D: &cfg}, Objective: train.ObjectiveConfig{Process: "vp-cosine", Prediction: "eps"},
		Source: mixtureSource{cfg.Channels * cfg.Frames * cfg.Height * cfg.Width}, Options: opts, Dir: t.TempDir()}
	t0 := time.Now()
	res, err := tr.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("trained unet3d: %d steps, last loss %.3g (%.1f s)", res.Steps, res.Loss, time.Since(t0).Seconds())
	c, err := train.LoadCheckpoint(tr.Dir, train.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestGPUSamplerRunsAUnet3DPlan: fromnn's Sampler runs a trained 3-D U-Net in pde/wdno's loop (known entries
// set in every x0 prediction, the others clamped to [-1, 1]; stochastic DDPM) as diffusion.Sample does on
// the CPU, to the FP32 sampler tolerance, with the known entries exactly their float32 values.
func TestGPUSamplerRunsAUnet3DPlan(t *testing.T) {
	c := trainedUnet3D(t)
	const videos = 2
	D := c.Net.Dim()
	mask := make([]bool, D)
	for i := 0; i < D; i += 3 {
		mask[i] = true
	}
	values := randomInput(41, videos*D)
	for i := range values {
		values[i] = math.Tanh(values[i])
	}
	solver, _ := diffusion.NewSolver("ddpm")
	plan, err := diffusion.PlanForNFE(solver, c.Process, diffusion.DefaultSchedule(c.Process), 6)
	if err != nil {
		t.Fatal(err)
	}
	p := PlanProblem{Checkpoint: c, Plan: plan, X: randomInput(42, videos*D), Mask: mask, Values: values, ClipX0: true, FixX0: true, Seed: 6}
	cpu := append([]float64(nil), p.X...)
	fix := func(x0, _ []float64, _ float64) error {
		for i := range x0 {
			if mask[i%D] {
				x0[i] = values[i]
			} else {
				x0[i] = min(1, max(-1, x0[i]))
			}
		}
		return nil
	}
	if err := diffusion.Sample(context.Background(), plan, c.Denoiser, cpu, diffusion.RunOptions{Seed: p.Seed, Workers: 1,
		Condition: &diffusion.Inpaint{Mask: mask, Values: values}, CorrectX0: fix}); err != nil {
		t.Fatal(err)
	}
	s, err := NewSampler(SampleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.RunPlan(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	var num, den float64
	for i, w := range cpu {
		d := got[i] - w
		num, den = num+d*d, den+w*w
		if mask[i%D] && got[i] != float64(float32(values[i])) {
			t.Fatalf("known entry %d is %v on the device, want %v", i, got[i], float32(values[i]))
		}
	}
	rel, mx := math.Sqrt(num/den), maxDiff(to32(got), cpu)
	t.Logf("unet3d RunPlan (ddpm, %d NFE, inpainted x0): device vs CPU rel RMS %.2e, max %.2e", plan.NFE, rel, mx)
	if tol := samplerTol[gpu.FP32]; !(rel <= tol[0] && mx <= tol[1]) {
		t.Errorf("device differs from the CPU by rel RMS %.3g, max %.3g (tolerance %.0e, %.0e)", rel, mx, tol[0], tol[1])
	}
}

//go:build trajdiff_cuda

package fromnn

import (
	"context"
	"fmt"
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

// unet2dConfigs are the 2-D U-Nets of the checks: WDNO's layout (one GroupNorm group, linear attention at
// every resolution, full attention in the middle) at two resolutions with a non-square image, three
// resolutions with two groups, and one without attentions and a 3x3 initial convolution.
func unet2dConfigs() []nn.Unet2DConfig {
	no := false
	return []nn.Unet2DConfig{
		{Height: 8, Width: 4, Channels: 2, Dim: 8, DimMults: []int{1, 2}, AttnHeads: 2, AttnDimHead: 4},
		{Height: 8, Width: 8, Channels: 3, Dim: 8, DimMults: []int{1, 2, 2}, Groups: 2, AttnHeads: 1, AttnDimHead: 8},
		{Height: 4, Width: 4, Channels: 1, Dim: 4, DimMults: []int{1, 2}, InitKernel: 3, LinearAttention: &no, MidAttention: &no},
	}
}

// randomUnet2D builds cfg with random weights, its norms' gains and biases (which initialise to the
// identity) perturbed so that a mixed-up gain or bias shows.
func randomUnet2D(t *testing.T, cfg nn.Unet2DConfig, seed uint64) *nn.Unet2D {
	t.Helper()
	net, err := nn.NewUnet2D(cfg, tensor.Float32)
	if err != nil {
		t.Fatal(err)
	}
	net.Params().Init(seed)
	for k, p := range net.Params().All() {
		if strings.HasSuffix(p.Name, "norm.weight") || strings.HasSuffix(p.Name, "norm.bias") || strings.HasSuffix(p.Name, ".g") {
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

// TestGPUUnet2DMatchesNNPredictor: on random inputs, the device forward pass of nn Unet2Ds with random
// weights matches nn.Predictor, at batches of 1 and 3 images and at several times (EDM's input scaling
// included), in FP32, TF32 and BF16 (TF32 and BF16: every convolution and Linear layer on the tensor cores).
func TestGPUUnet2DMatchesNNPredictor(t *testing.T) {
	cfgs := unet2dConfigs()
	checkRandomNets(t, "Unet2D", len(cfgs), func(i int) nn.Net { return randomUnet2D(t, cfgs[i], uint64(i+5)) }, []int{1, 3}, 300, "images")
}

// TestGPUTrainedUnet2DMatchesCPU: a tiny 2-D U-Net of WDNO's layout trained with package train runs on the
// device as nn runs it, and a 10-NFE DPM-Solver++(2M) run with it matches diffusion.Sample with the
// checkpoint's CPU denoiser, with graph replay bit-identical to launches.
func TestGPUTrainedUnet2DMatchesCPU(t *testing.T) {
	checkTrainedMatchesCPU(t, trainedUnet2D(t), 3, 19, "unet2d")
}

// trainedUnet2D trains the first of unet2dConfigs for 20 steps (eps-prediction, vp-cosine) and loads it.
func trainedUnet2D(t *testing.T) *train.Checkpoint {
	t.Helper()
	cfg := unet2dConfigs()[0]
	opts := train.DefaultOptions()
	opts.Steps, opts.Batch, opts.Warmup, opts.LR, opts.LogEvery, opts.CheckpointEvery, opts.Seed = 20, 8, 0, 3e-3, 20, 20, 3
	tr := &train.Trainer{Spec: nn.Spec{Arch: "unet2d", Unet2D: &cfg}, Objective: train.ObjectiveConfig{Process: "vp-cosine", Prediction: "eps"},
		Source: mixtureSource{cfg.Channels * cfg.Height * cfg.Width}, Options: opts, Dir: t.TempDir()}
	t0 := time.Now()
	res, err := tr.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("trained unet2d: %d steps, last loss %.3g (%.1f s)", res.Steps, res.Loss, time.Since(t0).Seconds())
	c, err := train.LoadCheckpoint(tr.Dir, train.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestGPURunPlanIsWDNOsLoop: a Sampler's RunPlan with a trained 2-D U-Net (pde/wdno's loop: known entries
// set after every step and in every x0 prediction, the others clamped to [-1, 1]; stochastic DDPM) matches
// diffusion.Sample on the CPU with the same conditions to the FP32 sampler tolerance, with the known entries
// exactly their float32 values; a second problem of the same shape with other values, served by the kept
// network and graphs, is bit for bit what a fresh Sampler draws.
func TestGPURunPlanIsWDNOsLoop(t *testing.T) {
	c := trainedUnet2D(t)
	const images = 2
	D := c.Net.Dim()
	mask := make([]bool, D)
	for i := 0; i < D; i += 5 {
		mask[i] = true
	}
	values := func(shift float64) []float64 {
		v := randomInput(31, images*D)
		for i := range v {
			v[i] = math.Tanh(v[i]) + shift
		}
		return v
	}
	solver, _ := diffusion.NewSolver("ddpm")
	plan, err := diffusion.PlanForNFE(solver, c.Process, diffusion.DefaultSchedule(c.Process), 6)
	if err != nil {
		t.Fatal(err)
	}
	problem := func(shift float64) PlanProblem {
		return PlanProblem{Checkpoint: c, Plan: plan, X: randomInput(32, images*D), Mask: mask, Values: values(shift), ClipX0: true, FixX0: true, Seed: 5}
	}
	p := problem(0)
	cpu := append([]float64(nil), p.X...)
	fix := func(x0, _ []float64, _ float64) error {
		for i := range x0 {
			if mask[i%D] {
				x0[i] = p.Values[i]
			} else {
				x0[i] = min(1, max(-1, x0[i]))
			}
		}
		return nil
	}
	if err := diffusion.Sample(context.Background(), plan, c.Denoiser, cpu, diffusion.RunOptions{Seed: p.Seed, Workers: 1,
		Condition: &diffusion.Inpaint{Mask: mask, Values: p.Values}, CorrectX0: fix}); err != nil {
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
		if mask[i%D] && got[i] != float64(float32(p.Values[i])) {
			t.Fatalf("known entry %d is %v on the device, want %v", i, got[i], float32(p.Values[i]))
		}
	}
	rel, mx := math.Sqrt(num/den), maxDiff(to32(got), cpu)
	t.Logf("RunPlan (ddpm, %d NFE, inpainted x0): device vs CPU rel RMS %.2e, max %.2e", plan.NFE, rel, mx)
	if tol := samplerTol[gpu.FP32]; !(rel <= tol[0] && mx <= tol[1]) {
		t.Errorf("device differs from the CPU by rel RMS %.3g, max %.3g (tolerance %.0e, %.0e)", rel, mx, tol[0], tol[1])
	}
	kept := s.kept.p
	again, err := s.RunPlan(context.Background(), problem(0.1))
	if err != nil {
		t.Fatal(err)
	}
	if s.kept.p != kept {
		t.Error("the second problem of the same shape uploaded the network again")
	}
	fresh, err := NewSampler(SampleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	want, err := fresh.RunPlan(context.Background(), problem(0.1))
	if err != nil {
		t.Fatal(err)
	}
	if !same(again, want) {
		t.Error("the kept sampler's second problem differs from a fresh sampler's")
	}
	if same(again, got) {
		t.Error("other values gave the same samples; the check cannot see them")
	}
	bad := problem(0)
	bad.Mask = mask[1:]
	if _, err := s.RunPlan(context.Background(), bad); err == nil {
		t.Error("a mask of the wrong length was accepted")
	}
}

// checkTrainedMatchesCPU runs a trained image or video network on the device for n examples drawn with
// seed, in FP32, TF32 and BF16: its forward pass against the checkpoint's nn.Predictor and a 10-NFE
// DPM-Solver++(2M) run against diffusion.Sample with the CPU denoiser (graph replay bit-identical to
// launches); an unknown precision is refused.
func checkTrainedMatchesCPU(t *testing.T, c *train.Checkpoint, n int, seed uint64, name string) {
	t.Helper()
	pz, err := Parameterization(c)
	if err != nil {
		t.Fatal(err)
	}
	d := testDevice(t)
	x := randomInput(seed, n*c.Net.Dim())
	for _, prec := range precisions {
		tol := unetTol[prec]
		p, err := NewPredictor(d, c.Net, pz, n, gpu.PredictorOptions{Precision: prec})
		if err != nil {
			t.Fatal(err)
		}
		w := forwardWorstP(t, d, p, c.Predictor, x, []float64{0.02, 0.5, 0.98})
		t.Logf("trained %s %s: worst |device - nn.Predictor| %.3g (tolerance %.0e)", name, prec, w, tol)
		if !(w <= tol) {
			t.Errorf("trained %s %s: max |device - nn| %.3g > %.0e", name, prec, w, tol)
		}
		solver, _ := diffusion.NewSolver("dpmpp-2m")
		checkSamplerOnDevice(t, d, p, c, x, solver, samplerTol[prec], fmt.Sprintf("trained %s, %s dpmpp-2m", name, prec))
		p.Close()
	}
	if _, err := NewPredictor(d, c.Net, pz, n, gpu.PredictorOptions{Precision: gpu.Precision(7)}); err == nil {
		t.Errorf("a %s predictor in an unknown precision was built", name)
	}
}

// checkRandomNets is the random-network forward claim in FP32, TF32 and BF16: each of the n networks net(i)
// (rebuilt for each precision) matches nn.Predictor on random inputs at the given batches (input seeds
// seed+i) within the precision's tolerance, and in TF32 the worst difference is above FP32's tolerance and
// in BF16 above TF32's worst, or the layers did not run in that precision. name is the family ("Unet2D";
// lower case in the logs).
func checkRandomNets(t *testing.T, name string, n int, net func(i int) nn.Net, batches []int, seed uint64, unit string) {
	t.Helper()
	lower := strings.ToLower(name)
	d := testDevice(t)
	last := 0.0
	for _, prec := range precisions {
		tol := unetTol[prec]
		worst := 0.0
		for i := range n {
			cw := randomForwardWorst(t, d, net(i), batches, seed+uint64(i), fmt.Sprintf("config %d", i), unit, prec, tol)
			t.Logf("%s %s, config %d: worst |device - nn.Predictor| %.3g", lower, prec, i, cw)
			worst = math.Max(worst, cw)
		}
		t.Logf("%s %s: worst |device - nn.Predictor| over random networks and inputs %.3g (tolerance %.0e)", lower, prec, worst, tol)
		if prec != gpu.FP32 && worst <= max(last, tolFP32) {
			t.Errorf("the %s %s agrees with nn to %.3g, as well as the previous precision: its layers did not run in %s", prec, name, worst, prec)
		}
		last = worst
	}
}

// randomForwardWorst compares net's device forward pass in precision prec with nn.Predictor on random inputs
// (seed + n for a batch of n) at each batch size and at several times (EDM's input scaling included),
// failing above tol, and returns the worst |device - nn|.
func randomForwardWorst(t *testing.T, d *gpu.Device, net nn.Net, batches []int, seed uint64, what, unit string, prec gpu.Precision, tol float64) float64 {
	t.Helper()
	pred := nn.NewPredictor(net)
	worst := 0.0
	for _, n := range batches {
		x := randomInput(seed+uint64(n), n*net.Dim())
		p, err := NewPredictor(d, net, gpu.Parameterization{SigmaData: 0.5}, n, gpu.PredictorOptions{Precision: prec})
		if err != nil {
			t.Fatal(err)
		}
		w := forwardWorstP(t, d, p, pred, x, []float64{0.01, 0.5, 0.99, 20})
		p.Close()
		if !(w <= tol) {
			t.Errorf("%s %s, %d %s: max |device - nn| %.3g > %.0e", what, prec, n, unit, w, tol)
		}
		worst = math.Max(worst, w)
	}
	return worst
}

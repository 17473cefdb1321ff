//go:build trajdiff_cuda

package fromnn

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/gpu"
	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/train"
)

// unetConfigs are the TemporalUnets of the checks: two and three resolutions (with the residual 1x1
// convolutions where the width changes), kernels 5 and 3, Diffuser's default groups, and the resize-
// convolution upsampler (run as a tied transposed convolution).
var unetConfigs = []nn.TemporalUnetConfig{
	{Horizon: 16, Transition: 3, Dim: 8, DimMults: []int{1, 2}, Groups: 4},
	{Horizon: 8, Transition: 2, Dim: 16, DimMults: []int{1, 2, 4}, Kernel: 3},
	{Horizon: 16, Transition: 6, Dim: 8, DimMults: []int{1, 2, 4}, Groups: 4, Upsample: nn.UpsampleNearest},
}

// TestGPUTemporalUnetMatchesNNPredictor: on random inputs, the device forward pass of nn TemporalUnets with
// random weights (and a random GroupNorm affine map) matches nn.Predictor, at batches of 1 and 5 windows and
// at several times, in every precision (TF32 and BF16: every convolution and Linear layer on the tensor
// cores), and an unknown precision is refused.
func TestGPUTemporalUnetMatchesNNPredictor(t *testing.T) {
	last := 0.0
	for _, prec := range precisions {
		tol := unetTol[prec]
		worst := temporalUnetWorst(t, prec, tol)
		t.Logf("temporal_unet %s: worst |device - nn.Predictor| over random networks and inputs %.3g (tolerance %.0e)", prec, worst, tol)
		if prec != gpu.FP32 && worst <= max(last, tolFP32) {
			t.Errorf("the %s TemporalUnet agrees with nn to %.3g, as well as the previous precision: its layers did not run in %s", prec, worst, prec)
		}
		last = worst
	}
	net, err := nn.NewTemporalUnet(unetConfigs[0], tensor.Float32)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewPredictor(testDevice(t), net, gpu.Parameterization{SigmaData: 0.5}, 1, gpu.PredictorOptions{Precision: gpu.Precision(7)}); err == nil {
		t.Error("a TemporalUnet predictor in an unknown precision was accepted")
	}
}

// temporalUnetWorst checks the device forward pass of unetConfigs in precision prec against nn.Predictor
// within tol and returns the worst difference.
func temporalUnetWorst(t *testing.T, prec gpu.Precision, tol float64) float64 {
	d := testDevice(t)
	worst := 0.0
	for i, cfg := range unetConfigs {
		worstCfg := 0.0
		net, err := nn.NewTemporalUnet(cfg, tensor.Float32)
		if err != nil {
			t.Fatal(err)
		}
		net.Params().Init(uint64(i + 3))
		for _, p := range net.Params().All() { // GroupNorm initialises to the identity: perturb its affine map
			if len(p.Shape) == 1 && (len(p.Name) > 7 && p.Name[len(p.Name)-7:] == ".weight") {
				v := p.Value.Data().([]float32)
				for j := range v {
					v[j] = 1 + 0.3*float32(math.Sin(float64(7*j+i)))
				}
			}
		}
		pred := nn.NewPredictor(net)
		for _, n := range []int{1, 5} {
			x := randomInput(uint64(200+n+i), n*net.Dim())
			p, err := NewPredictor(d, net, gpu.Parameterization{SigmaData: 0.5}, n, gpu.PredictorOptions{Precision: prec})
			if err != nil {
				t.Fatal(err)
			}
			w := forwardWorstP(t, d, p, pred, x, []float64{0.01, 0.5, 0.99, 20})
			p.Close()
			if !(w <= tol) {
				t.Errorf("%s config %d, %d windows: max |device - nn| %.3g > %.0e", prec, i, n, w, tol)
			}
			worstCfg = math.Max(worstCfg, w)
		}
		t.Logf("temporal_unet %s, config %d (%d resolutions): worst |device - nn| %.3g", prec, i, len(cfg.DimMults), worstCfg)
		worst = math.Max(worst, worstCfg)
	}
	return worst
}

// TestGPUConditionalTemporalUnetMatchesNN: a conditional TemporalUnet (Decision Diffuser's returns MLP)
// evaluated without its condition matches nn.Predictor.Predict (keep 0), and with a fixed condition matches
// nn.Predictor.Conditional.
func TestGPUConditionalTemporalUnetMatchesNN(t *testing.T) {
	d := testDevice(t)
	cfg := nn.TemporalUnetConfig{Horizon: 8, Transition: 3, Dim: 8, DimMults: []int{1, 2}, Groups: 4, CondDim: 2}
	net, err := nn.NewTemporalUnet(cfg, tensor.Float32)
	if err != nil {
		t.Fatal(err)
	}
	net.Params().Init(17)
	pred := nn.NewPredictor(net)
	cond := []float64{0.7, -1.3}
	const windows = 3
	x := randomInput(21, windows*net.Dim())
	for _, c := range []struct {
		name string
		opt  gpu.PredictorOptions
		cpu  interface {
			Predict(dst, x []float64, t float64) error
		}
	}{
		{"without condition", gpu.PredictorOptions{}, pred},
		{"fixed condition", gpu.PredictorOptions{Cond: to32(cond)}, pred.Conditional(cond)},
		{"fixed condition, tf32", gpu.PredictorOptions{Cond: to32(cond), Precision: gpu.TF32}, pred.Conditional(cond)},
		{"fixed condition, bf16", gpu.PredictorOptions{Cond: to32(cond), Precision: gpu.BFloat16}, pred.Conditional(cond)},
	} {
		tol := unetTol[c.opt.Precision]
		p, err := NewPredictor(d, net, gpu.Parameterization{SigmaData: 0.5}, windows, c.opt)
		if err != nil {
			t.Fatal(err)
		}
		w := forwardWorstP(t, d, p, c.cpu, x, []float64{0.1, 0.9})
		p.Close()
		t.Logf("conditional temporal_unet, %s: worst |device - nn| %.3g (tolerance %.0e)", c.name, w, tol)
		if !(w <= tol) {
			t.Errorf("%s: max |device - nn| %.3g > %.0e", c.name, w, tol)
		}
	}
	// The condition changes the output: the comparison above is not blind to it.
	a, b := make([]float64, len(x)), make([]float64, len(x))
	pred.Predict(a, x, 0.5)
	pred.Conditional(cond).Predict(b, x, 0.5)
	if maxDiff(to32(a), b) < 1e-3 {
		t.Error("the condition does not change nn's output; the test cannot tell conditioned from not")
	}
}

// forwardWorstP runs p.Forward on x at times ts and returns the worst difference from pred.
func forwardWorstP(t *testing.T, d *gpu.Device, p *gpu.Predictor, pred interface {
	Predict(dst, x []float64, t float64) error
}, x []float64, ts []float64) float64 {
	t.Helper()
	s, err := d.NewStream()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	xb, yb, free := uploadedInput(t, d, s, x)
	defer free()
	worst := 0.0
	got, want := make([]float32, len(x)), make([]float64, len(x))
	for _, tt := range ts {
		if err := p.Forward(s, yb, xb, tt); err != nil {
			t.Fatal(err)
		}
		if err := s.Download(got, yb); err != nil {
			t.Fatal(err)
		}
		if err := pred.Predict(want, x, tt); err != nil {
			t.Fatal(err)
		}
		worst = math.Max(worst, maxDiff(got, want))
	}
	return worst
}

// TestGPUTrainedTemporalUnetMatchesCPU: a tiny TemporalUnet trained with package train runs on the device as
// nn runs it, and a 10-NFE DPM-Solver++(2M) run with it matches diffusion.Sample with the checkpoint's
// CPU denoiser, with graph replay bit-identical to launches.
func TestGPUTrainedTemporalUnetMatchesCPU(t *testing.T) {
	cfg := unetConfigs[0]
	opts := train.DefaultOptions()
	opts.Steps, opts.Batch, opts.Warmup, opts.LR, opts.LogEvery, opts.CheckpointEvery, opts.Seed = 20, 16, 0, 3e-3, 20, 20, 3
	tr := &train.Trainer{Spec: nn.Spec{Arch: "temporal_unet", TemporalUnet: &cfg}, Objective: train.ObjectiveConfig{Process: "vp-cosine", Prediction: "eps"},
		Source: mixtureSource{cfg.Horizon * cfg.Transition}, Options: opts, Dir: t.TempDir()}
	t0 := time.Now()
	res, err := tr.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("trained temporal_unet: %d steps, last loss %.3g (%.1f s)", res.Steps, res.Loss, time.Since(t0).Seconds())
	c, err := train.LoadCheckpoint(tr.Dir, train.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pz, err := Parameterization(c)
	if err != nil {
		t.Fatal(err)
	}
	d := testDevice(t)
	const windows = 4
	x := randomInput(9, windows*c.Net.Dim())
	p, err := NewPredictor(d, c.Net, pz, windows, gpu.PredictorOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	w := forwardWorstP(t, d, p, c.Predictor, x, []float64{0.02, 0.5, 0.98})
	t.Logf("trained temporal_unet: worst |device - nn.Predictor| %.3g (tolerance %.0e)", w, tolFP32)
	if !(w <= tolFP32) {
		t.Errorf("trained temporal_unet: max |device - nn| %.3g > %.0e", w, tolFP32)
	}
	tol := samplerTol[gpu.FP32]
	for _, sn := range []string{"dpmpp-2m"} { // DDIM and DDPM: the MLP's test; each run here is 710 emulated launches
		solver, _ := diffusion.NewSolver(sn)
		checkSamplerOnDevice(t, d, p, c, x, solver, tol, "trained temporal_unet, "+sn)
	}
	// TF32 and BF16: the same forward pass and 10-NFE run with every convolution and Linear layer on the
	// tensor cores.
	for _, prec := range precisions[1:] {
		pt, err := NewPredictor(d, c.Net, pz, windows, gpu.PredictorOptions{Precision: prec})
		if err != nil {
			t.Fatal(err)
		}
		w = forwardWorstP(t, d, pt, c.Predictor, x, []float64{0.02, 0.5, 0.98})
		t.Logf("trained temporal_unet, %s: worst |device - nn.Predictor| %.3g (tolerance %.0e)", prec, w, unetTol[prec])
		if !(w <= unetTol[prec]) {
			t.Errorf("trained temporal_unet, %s: max |device - nn| %.3g > %.0e", prec, w, unetTol[prec])
		}
		solver, _ := diffusion.NewSolver("dpmpp-2m")
		checkSamplerOnDevice(t, d, pt, c, x, solver, samplerTol[prec], fmt.Sprintf("trained temporal_unet, %s dpmpp-2m", prec))
		pt.Close()
	}
}

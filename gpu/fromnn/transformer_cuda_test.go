//go:build trajdiff_cuda

package fromnn

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/gpu"
	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/train"
)

// transformerConfigs are the DiTs of the checks: two blocks of four heads on a short window; one causal block
// with Fourier time features and MLP ratio 2 on a window of 70 positions (two query blocks and three key tiles
// of the attention kernel); and one with heads of width 32.
var transformerConfigs = []nn.TransformerConfig{
	{Length: 16, Channels: 3, Width: 32, Depth: 2, Heads: 4},
	{Length: 70, Channels: 2, Width: 24, Depth: 1, Heads: 2, Causal: true, TimeEmbedding: "fourier", MLPRatio: 2},
	{Length: 8, Channels: 4, Width: 64, Depth: 1, Heads: 2, TimeDim: 16},
}

// TestGPUTransformerMatchesNNPredictor: on random inputs, the device forward pass of nn Transformers with
// random weights matches nn.Predictor, at batches of 1 and 3 windows and at several times.
func TestGPUTransformerMatchesNNPredictor(t *testing.T) {
	d := testDevice(t)
	worst := 0.0
	for i, cfg := range transformerConfigs {
		net := newRandomTransformer(t, cfg, uint64(i+5))
		pred := nn.NewPredictor(net)
		for _, n := range []int{1, 3} {
			x := randomInput(uint64(300+n+i), n*net.Dim())
			p, err := NewPredictor(d, net, gpu.Parameterization{SigmaData: 0.5}, n, gpu.PredictorOptions{})
			if err != nil {
				t.Fatal(err)
			}
			w := forwardWorstP(t, d, p, pred, x, []float64{0.01, 0.5, 0.99, 20})
			p.Close()
			if !(w <= tolFP32) {
				t.Errorf("config %d, %d windows: max |device - nn| %.3g > %.0e", i, n, w, tolFP32)
			}
			worst = math.Max(worst, w)
		}
		// The output is not trivially small: the comparison would see a wrong layer.
		x := randomInput(7, net.Dim())
		y := make([]float64, len(x))
		if err := pred.Predict(y, x, 0.5); err != nil {
			t.Fatal(err)
		}
		if rms := rmsOf(y); rms < 0.1 {
			t.Errorf("config %d: nn's output has RMS %.3g; the random network is too tame to test", i, rms)
		}
	}
	t.Logf("transformer: worst |device - nn.Predictor| over random networks and inputs %.3g (tolerance %.0e)", worst, tolFP32)
}

func rmsOf(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x * x
	}
	return math.Sqrt(s / float64(len(v)))
}

// TestGPUConditionalTransformerMatchesNN: a conditional Transformer (cond_embed added to the time embedding)
// without its condition, with a fixed condition, with one row per window, and with classifier-free guidance
// (shared and per-window rows, also on a batch smaller than the predictor's) evaluates on the device what nn
// evaluates on the CPU.
func TestGPUConditionalTransformerMatchesNN(t *testing.T) {
	d := testDevice(t)
	cfg := nn.TransformerConfig{Length: 12, Channels: 3, Width: 16, Depth: 2, Heads: 2, CondDim: 2}
	net := newRandomTransformer(t, cfg, 41)
	pred := nn.NewPredictor(net)
	const windows = 3
	rows := randomInput(43, windows*cfg.CondDim)
	shared := rows[:cfg.CondDim]
	x := randomInput(44, windows*net.Dim())
	worst := 0.0
	for _, c := range []struct {
		name string
		opt  gpu.PredictorOptions
		cpu  predictor
	}{
		{"without condition", gpu.PredictorOptions{}, pred},
		{"fixed condition", gpu.PredictorOptions{Cond: to32(shared)}, pred.Conditional(shared)},
		{"per-window conditions", gpu.PredictorOptions{PointConds: to32(rows)}, pred.Conditional(rows)},
		{"guidance 1.5, shared condition", gpu.PredictorOptions{Cond: to32(shared), Guidance: 1.5}, guidedCPU{pred.Conditional(shared), pred, 1.5}},
		{"guidance 2.3, per-window conditions", gpu.PredictorOptions{PointConds: to32(rows), Guidance: 2.3}, guidedCPU{pred.Conditional(rows), pred, 2.3}},
	} {
		p, err := NewPredictor(d, net, gpu.Parameterization{SigmaData: 0.5}, windows, c.opt)
		if err != nil {
			t.Fatal(err)
		}
		w := forwardWorstP(t, d, p, c.cpu, x, []float64{0.1, 0.9, 12})
		if c.opt.PointConds != nil { // a smaller batch than the predictor's: window i still reads row i
			var cpu predictor = pred.Conditional(rows[:2*cfg.CondDim])
			if c.opt.Guidance != 0 {
				cpu = guidedCPU{cpu, pred, c.opt.Guidance}
			}
			w = math.Max(w, forwardWorstP(t, d, p, cpu, x[:2*net.Dim()], []float64{0.3}))
		}
		p.Close()
		worst = math.Max(worst, w)
		if !(w <= tolFP32) {
			t.Errorf("%s: max |device - nn| %.3g > %.0e", c.name, w, tolFP32)
		}
	}
	t.Logf("conditional transformer: worst |device - nn| %.3g (tolerance %.0e)", worst, tolFP32)
	a, b := make([]float64, len(x)), make([]float64, len(x))
	pred.Conditional(rows).Predict(a, x, 0.5)
	pred.Conditional(shared).Predict(b, x, 0.5)
	if maxDiff(to32(a), b) < 1e-3 {
		t.Error("per-window rows and window 0's row give the same output; the test cannot tell them apart")
	}
}

// TestGPUTransformerRefusesWhatItCannotRun: TF32, BF16 and heads wider than the attention kernel's
// registers are refused with the reason (for a precision: the network and the precision named), not run.
func TestGPUTransformerRefusesWhatItCannotRun(t *testing.T) {
	d := testDevice(t)
	net := newRandomTransformer(t, transformerConfigs[0], 1)
	for _, prec := range precisions[1:] {
		_, err := NewPredictor(d, net, gpu.Parameterization{SigmaData: 0.5}, 1, gpu.PredictorOptions{Precision: prec})
		if err == nil || !strings.Contains(err.Error(), "Transformer") || !strings.Contains(err.Error(), prec.String()) {
			t.Errorf("a %s Transformer predictor: error %v, want a refusal naming the Transformer and %s", prec, err, prec)
		}
	}
	wide := newRandomTransformer(t, nn.TransformerConfig{Length: 2, Channels: 1, Width: 130, Depth: 1, Heads: 1, TimeDim: 8}, 2)
	if _, err := NewPredictor(d, wide, gpu.Parameterization{SigmaData: 0.5}, 1, gpu.PredictorOptions{}); err == nil {
		t.Error("a head of width 130 was accepted")
	}
}

// TestGPUTrainedTransformerMatchesCPU: a tiny Transformer trained with package train runs on the device as nn
// runs it, and a 10-NFE DPM-Solver++(2M) run with it matches diffusion.Sample with the checkpoint's CPU
// denoiser, with graph replay bit-identical to launches.
func TestGPUTrainedTransformerMatchesCPU(t *testing.T) {
	cfg := transformerConfigs[0]
	opts := train.DefaultOptions()
	opts.Steps, opts.Batch, opts.Warmup, opts.LR, opts.LogEvery, opts.CheckpointEvery, opts.Seed = 30, 16, 0, 3e-3, 30, 30, 3
	tr := &train.Trainer{Spec: nn.Spec{Arch: "transformer", Transformer: &cfg}, Objective: train.ObjectiveConfig{Process: "vp-cosine", Prediction: "eps"},
		Source: mixtureSource{cfg.Length * cfg.Channels}, Options: opts, Dir: t.TempDir()}
	t0 := time.Now()
	res, err := tr.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("trained transformer: %d steps, last loss %.3g (%.1f s)", res.Steps, res.Loss, time.Since(t0).Seconds())
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
	t.Logf("trained transformer: worst |device - nn.Predictor| %.3g (tolerance %.0e)", w, tolFP32)
	if !(w <= tolFP32) {
		t.Errorf("trained transformer: max |device - nn| %.3g > %.0e", w, tolFP32)
	}
	solver, err := diffusion.NewSolver("dpmpp-2m")
	if err != nil {
		t.Fatal(err)
	}
	checkSamplerOnDevice(t, d, p, c, x, solver, samplerTol[gpu.FP32], "trained transformer, dpmpp-2m")
}

//go:build trajdiff_cuda

package fromnn

import (
	"context"
	"math"
	"testing"

	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/gpu"
	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/train"
)

// predictor is what the CPU side of these checks evaluates: nn.Predictor and its Conditional networks.
type predictor = diffusion.Network

// guidedCPU is classifier-free guidance on the CPU exactly as train's guided network forms it: out_c +
// (w - 1)(out_c - out_u) with out_u the network without its condition.
type guidedCPU struct {
	cond, uncond predictor
	w            float64
}

func (g guidedCPU) Dim() int { return g.cond.Dim() }

func (g guidedCPU) Predict(dst, x []float64, t float64) error {
	if err := g.cond.Predict(dst, x, t); err != nil {
		return err
	}
	u := make([]float64, len(x))
	if err := g.uncond.Predict(u, x, t); err != nil {
		return err
	}
	for i, c := range dst {
		dst[i] = c + (g.w-1)*(c-u[i])
	}
	return nil
}

// TestGPUPerWindowConditionsAndGuidanceMatchNN: a conditional MLP and a conditional TemporalUnet (Decision
// Diffuser's returns MLP) with random weights, given one condition row per window (nn.Predictor.Conditional
// with a row per example), and classifier-free guidance with a shared condition and with per-window rows,
// evaluate on the device what nn evaluates on the CPU, to the FP32 forward tolerance.
func TestGPUPerWindowConditionsAndGuidanceMatchNN(t *testing.T) {
	d := testDevice(t)
	mlp := newMLP(t, nn.MLPConfig{Dim: 5, CondDim: 3, Hidden: []int{40, 17}, TimeDim: 12, Act: "mish"}, 31)
	unet, err := nn.NewTemporalUnet(nn.TemporalUnetConfig{Horizon: 8, Transition: 3, Dim: 8, DimMults: []int{1, 2}, Groups: 4, CondDim: 2}, tensor.Float32)
	if err != nil {
		t.Fatal(err)
	}
	unet.Params().Init(33)
	worst := 0.0
	for _, net := range []nn.Net{mlp, unet} {
		const windows = 5
		C := net.CondDim()
		rows := randomInput(uint64(40+C), windows*C)
		shared := rows[:C]
		pred := nn.NewPredictor(net)
		x := randomInput(uint64(50+C), windows*net.Dim())
		for _, c := range []struct {
			name string
			opt  gpu.PredictorOptions
			cpu  predictor
		}{
			{"per-window conditions", gpu.PredictorOptions{PointConds: to32(rows)}, pred.Conditional(rows)},
			{"guidance 1.5, shared condition", gpu.PredictorOptions{Cond: to32(shared), Guidance: 1.5}, guidedCPU{pred.Conditional(shared), pred, 1.5}},
			{"guidance 2.3, per-window conditions", gpu.PredictorOptions{PointConds: to32(rows), Guidance: 2.3}, guidedCPU{pred.Conditional(rows), pred, 2.3}},
		} {
			// Batches of every size up to the predictor's: each window reads its own row.
			for _, n := range []int{windows, 2} {
				opt := c.opt
				if opt.PointConds != nil {
					opt.PointConds = opt.PointConds[:n*C]
				}
				p, err := NewPredictor(d, net, gpu.Parameterization{SigmaData: 0.5}, n, opt)
				if err != nil {
					t.Fatal(err)
				}
				cpu := c.cpu
				if n < windows && c.opt.PointConds != nil {
					cpu = pred.Conditional(rows[:n*C])
					if c.opt.Guidance != 0 {
						cpu = guidedCPU{cpu, pred, c.opt.Guidance}
					}
				}
				w := forwardWorstP(t, d, p, cpu, x[:n*net.Dim()], []float64{0.05, 0.6, 15})
				p.Close()
				worst = math.Max(worst, w)
				if !(w <= tolFP32) {
					t.Errorf("%s, %s, %d windows: max |device - nn| %.3g > %.0e", net.Spec().Arch, c.name, n, w, tolFP32)
				}
			}
		}
		// The rows differ enough to change the output: the comparison above is not blind to which row a
		// window reads.
		a, b := make([]float64, len(x)), make([]float64, len(x))
		pred.Conditional(rows).Predict(a, x, 0.5)
		pred.Conditional(shared).Predict(b, x, 0.5)
		if maxDiff(to32(a), b) < 1e-3 {
			t.Errorf("%s: per-window rows and window 0's row give the same output; the test cannot tell them apart", net.Spec().Arch)
		}
	}
	t.Logf("per-window conditions and guidance: worst |device - nn| %.3g (tolerance %.0e)", worst, tolFP32)
}

// TestGPUSampleConditionsGuidanceAndWarmStartsMatchModelSample: trained conditional models (an MLP and a
// TemporalUnet, each conditioned on the first and last observations[0] and trained with condition dropout)
// sample on the device what train.Model.Sample draws on the CPU, to the FP32 sampler tolerance with the
// fixed entries exact, for per-window conditions, classifier-free guidance (two passes per evaluation) and
// warm starts from a previous sample (Init at StartTime, with and without Renoise).
func TestGPUSampleConditionsGuidanceAndWarmStartsMatchModelSample(t *testing.T) {
	mlp := windowModel(t, func(c *train.Config) {
		conditionalMLP(c)
		c.Train.CondDropout = 0.3
	})
	unet := windowModel(t, func(c *train.Config) {
		c.Network = nn.Spec{Arch: "temporal_unet", TemporalUnet: &nn.TemporalUnetConfig{Horizon: 8, Transition: 3, Dim: 8, DimMults: []int{1, 2}, Groups: 4, CondDim: 2}}
		c.Data.Condition = []string{"0:1", "-1:1"}
		c.Data.Normalizer = "gaussian"
		c.Objective.Prediction = "eps"
		c.Train.CondDropout = 0.3
		c.Train.Steps = 10
	})
	ctx := context.Background()
	prev := func(m *train.Model, n int) []float64 {
		s, err := m.Sample(ctx, train.SampleRequest{N: n, Seed: 99, Fixed: ends(n, true)})
		if err != nil {
			t.Fatal(err)
		}
		return s.X
	}
	mlpPrev, unetPrev := prev(mlp, 3), prev(unet, 2)
	cases := []struct {
		name string
		m    *train.Model
		req  train.SampleRequest
	}{
		{"mlp, per-window conditions", mlp, train.SampleRequest{N: 4, Seed: 1, Fixed: ends(4, true), ClipX0: true}},
		{"mlp, guidance 1.8, per-window conditions", mlp, train.SampleRequest{N: 3, Seed: 2, Fixed: ends(3, true), Guidance: 1.8}},
		{"mlp, guidance 1.3, shared condition, ddpm", mlp, train.SampleRequest{N: 2, Seed: 3, Fixed: ends(2, false), Guidance: 1.3, Solver: "ddpm", Steps: 4}},
		{"mlp, warm start", mlp, train.SampleRequest{N: 3, Seed: 4, Fixed: ends(3, true), Init: mlpPrev, StartTime: 0.4, Steps: 3}},
		{"mlp, warm start renoised, guided, ddpm", mlp, train.SampleRequest{N: 3, Seed: 5, Fixed: ends(3, true), Init: mlpPrev, StartTime: 0.3, Steps: 3, Renoise: true, Guidance: 1.2, Solver: "ddpm"}},
		{"temporal_unet, per-window conditions", unet, train.SampleRequest{N: 2, Seed: 6, Fixed: ends(2, true)}},
		{"temporal_unet, guidance 1.5, per-window conditions, warm start", unet, train.SampleRequest{N: 2, Seed: 7, Fixed: ends(2, true), Guidance: 1.5, Init: unetPrev, StartTime: 0.5, Steps: 3}},
	}
	worstRel, worstMax := 0.0, 0.0
	for _, c := range cases {
		want, err := c.m.Sample(ctx, c.req)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		got, _, err := Sample(ctx, c.m, c.req, SampleOptions{})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		rel, mx := compareSamples(t, c.name, c.m, c.req, got, want)
		worstRel, worstMax = math.Max(worstRel, rel), math.Max(worstMax, mx)
		if c.req.Guidance != 0 {
			// Guidance changes the samples (the comparison would notice a dropped unconditional pass).
			plain := c.req
			plain.Guidance = 0
			requireCPUSamplesMove(t, c.m, plain, want, c.name+": guidance")
		}
	}
	t.Logf("worst over the runs: rel RMS %.2e, max %.2e (tolerance %.0e, %.0e)", worstRel, worstMax, samplerTol[gpu.FP32][0], samplerTol[gpu.FP32][1])
}

// TestGPUSamplerKeepsTheDeviceForManyRequests: a Sampler draws, request after request on its one open
// device, exactly what Sample draws opening the device per call, and refuses requests once closed.
func TestGPUSamplerKeepsTheDeviceForManyRequests(t *testing.T) {
	m := windowModel(t, func(c *train.Config) {
		conditionalMLP(c)
		c.Train.CondDropout = 0.3
	})
	s, err := NewSampler(SampleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Info().Name == "" {
		t.Error("the sampler's device has no name")
	}
	ctx := context.Background()
	for i, req := range []train.SampleRequest{
		{N: 2, Seed: 1, Fixed: ends(2, true)},
		{N: 3, Seed: 2, Fixed: ends(3, true), Guidance: 1.5},
		{N: 1, Seed: 3, Fixed: ends(1, false)},
	} {
		got, err := s.Sample(ctx, m, req)
		if err != nil {
			t.Fatal(err)
		}
		want, _, err := Sample(ctx, m, req, SampleOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for k := range want.X {
			if math.Float64bits(got.X[k]) != math.Float64bits(want.X[k]) {
				t.Fatalf("request %d value %d: %v from the sampler, %v from Sample", i, k, got.X[k], want.X[k])
			}
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sample(ctx, m, train.SampleRequest{N: 1, Fixed: ends(1, false)}); err == nil {
		t.Error("a closed sampler sampled")
	}
}

// TestGPUGuidedPerWindowSamplerReplaysBitForBit: a trained conditional TemporalUnet with a condition row per
// window and guidance runs a 10-NFE DPM-Solver++(2M) plan on the device as the CPU runs it with the
// checkpoint's objective around train's guidance (both passes and their combination in each step), and the
// steps captured as CUDA graphs replay the launches bit for bit.
func TestGPUGuidedPerWindowSamplerReplaysBitForBit(t *testing.T) {
	m := windowModel(t, func(c *train.Config) {
		c.Network = nn.Spec{Arch: "temporal_unet", TemporalUnet: &nn.TemporalUnetConfig{Horizon: 8, Transition: 3, Dim: 8, DimMults: []int{1, 2}, Groups: 4, CondDim: 2}}
		c.Data.Condition = []string{"0:1", "-1:1"}
		c.Objective.Prediction = "eps"
		c.Train.CondDropout = 0.3
		c.Train.Steps = 10
	})
	c := m.Checkpoint
	const windows, w = 3, 1.7
	rows := randomInput(61, windows*2)
	den, _, err := c.State.Objective.Denoiser(guidedCPU{c.Predictor.Conditional(rows), c.Predictor, w})
	if err != nil {
		t.Fatal(err)
	}
	guided := *c
	guided.Denoiser = den
	pz, err := Parameterization(c)
	if err != nil {
		t.Fatal(err)
	}
	d := testDevice(t)
	p, err := NewPredictor(d, c.Net, pz, windows, gpu.PredictorOptions{PointConds: to32(rows), Guidance: w})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	solver, _ := diffusion.NewSolver("dpmpp-2m")
	checkSamplerOnDevice(t, d, p, &guided, randomInput(62, windows*c.Net.Dim()), solver, samplerTol[gpu.FP32], "guided temporal_unet, per-window conditions, dpmpp-2m")
}

// requireCPUSamplesMove fails the test unless the CPU samples of req differ from want by more than 1e-3
// somewhere: what (the change that turned want's request into req) must be visible to a comparison with
// the device, or that comparison could not catch a device that ignores it.
func requireCPUSamplesMove(t *testing.T, m *train.Model, req train.SampleRequest, want *train.Samples, what string) {
	t.Helper()
	s, err := m.Sample(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	diff := 0.0
	for i := range s.X {
		diff = math.Max(diff, math.Abs(s.X[i]-want.X[i]))
	}
	if diff < 1e-3 {
		t.Errorf("%s moves the CPU samples by only %.3g; the check cannot see it", what, diff)
	}
}

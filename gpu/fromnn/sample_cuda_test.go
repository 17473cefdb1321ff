//go:build trajdiff_cuda

package fromnn

import (
	"context"
	"math"
	"testing"

	"github.com/trajdiff/trajdiff/gpu"
	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/train"
)

// compareSamples checks device samples against Model.Sample's, in the data's units: relative RMS and largest
// difference within the FP32 sampler tolerance, the fixed entries bit for bit (both sides hold the
// normalised value rounded to float32 after the last step and unnormalise it the same way), and the
// description. It returns the relative RMS and the largest difference.
func compareSamples(t *testing.T, name string, m *train.Model, req train.SampleRequest, got, want *train.Samples) (float64, float64) {
	t.Helper()
	if got.N != want.N || got.Solver != want.Solver || got.Schedule != want.Schedule || got.Steps != want.Steps || got.NFE != want.NFE || got.EMA != want.EMA || got.ClipX0 != want.ClipX0 {
		t.Errorf("%s: device run described as %+v, CPU as %+v", name, *got, *want)
	}
	var num, den, mx float64
	for i, w := range want.X {
		d := got.X[i] - w
		num, den, mx = num+d*d, den+w*w, math.Max(mx, math.Abs(d))
	}
	if math.IsNaN(num) {
		mx = math.Inf(1)
	}
	rel := math.Sqrt(num / den)
	tol := samplerTol[gpu.FP32]
	if !(rel <= tol[0] && mx <= tol[1]) {
		t.Errorf("%s: device samples differ from Model.Sample by rel RMS %.3g, max %.3g (tolerance %.0e, %.0e)", name, rel, mx, tol[0], tol[1])
	}
	for _, f := range req.Fixed {
		for s := 0; s < req.N; s++ {
			k, err := f.Index(m.Horizon, m.Transition)
			if err != nil {
				t.Fatal(err)
			}
			i := s*m.Horizon*m.Transition + k
			v := f.Values[min(s, len(f.Values)-1)]
			if math.Float64bits(got.X[i]) != math.Float64bits(want.X[i]) || math.Abs(got.X[i]-v) > 1e-6*(1+math.Abs(v)) {
				t.Errorf("%s: window %d fixed entry %d:%d is %v on the device, %v on the CPU, asked %v", name, s, f.T, f.C, got.X[i], want.X[i], v)
			}
		}
	}
	t.Logf("%s: device vs Model.Sample rel RMS %.2e, max %.2e (data units)", name, rel, mx)
	return rel, mx
}

// TestGPUSampleMatchesModelSample: a tiny trained TemporalUnet (inpainted start and goal, x0-prediction, Gaussian normalisation,
// per-window fixed values, x0 clipping; deterministic DPM-Solver++(2M) and the stochastic DDPM) and a tiny
// conditional MLP (eps-prediction, its condition from the fixed entries) sample on the device what
// train.Model.Sample draws on the CPU, to the FP32 sampler tolerance, with the fixed entries exact.
func TestGPUSampleMatchesModelSample(t *testing.T) {
	unet := windowModel(t, func(c *train.Config) {
		c.Network = nn.Spec{Arch: "temporal_unet", TemporalUnet: &nn.TemporalUnetConfig{Horizon: 8, Transition: 3, Dim: 8, DimMults: []int{1, 2}, Groups: 4}}
		c.Data.Inpaint = []string{"0:1", "-1:1"}
		c.Data.Normalizer = "gaussian" // the limits normaliser would clip the barely trained network's far-out samples to the data's range, hiding differences
		c.Objective.Prediction = "x0"
		c.Train.Steps = 10
	})
	mlp := windowModel(t, func(c *train.Config) {
		conditionalMLP(c)
		c.Objective.Prediction = "eps"
	})
	cases := []struct {
		name string
		m    *train.Model
		req  train.SampleRequest
	}{
		{"temporal_unet dpmpp-2m, clipped", unet, train.SampleRequest{N: 3, Seed: 7, Fixed: ends(3, true), ClipX0: true}},
		{"temporal_unet ddpm", unet, train.SampleRequest{N: 2, Seed: 8, Solver: "ddpm", Steps: 4, Fixed: ends(2, true)}},
		{"conditional mlp ddim, clipped", mlp, train.SampleRequest{N: 5, Seed: 9, Solver: "ddim", Steps: 6, Fixed: ends(5, false), ClipX0: true}},
	}
	worstRel, worstMax := 0.0, 0.0
	for _, c := range cases {
		want, err := c.m.Sample(context.Background(), c.req)
		if err != nil {
			t.Fatal(err)
		}
		steps := 0
		req := c.req
		req.Progress = func(done, total int) { steps = done }
		got, info, err := Sample(context.Background(), c.m, req, SampleOptions{})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if info.Name == "" || steps != want.Steps {
			t.Errorf("%s: ran on %q with %d steps reported, want a named device and %d", c.name, info.Name, steps, want.Steps)
		}
		rel, mx := compareSamples(t, c.name, c.m, c.req, got, want)
		worstRel, worstMax = math.Max(worstRel, rel), math.Max(worstMax, mx)
	}
	t.Logf("worst over the runs: rel RMS %.2e, max %.2e (tolerance %.0e, %.0e)", worstRel, worstMax, samplerTol[gpu.FP32][0], samplerTol[gpu.FP32][1])
	if _, _, err := Sample(context.Background(), mlp, train.SampleRequest{N: 2, Fixed: ends(2, false)}, SampleOptions{Ordinal: 99}); err == nil {
		t.Error("device 99 was opened")
	} else {
		t.Logf("device 99: %v", err)
	}
}

//go:build cuda || trajdiff_cuda

package fromnn

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/trajdiff/trajdiff/gpu"
	"github.com/trajdiff/trajdiff/train"
)

// TestGPUValueGradientMatchesModelValueGradient: the device's J and dJ/dx of a trained value run's MLP
// (gpu.ValueGradient from ValueMLP) agree with train.Model.ValueGradient (nn.RegressorInputGrad on the CPU,
// in float32) to float32 accuracy, at early and late process times.
func TestGPUValueGradientMatchesModelValueGradient(t *testing.T) {
	d := testDevice(t)
	for _, act := range []string{"mish", "relu"} {
		m := valueModel(t, act)
		net, err := ValueMLP(m)
		if err != nil {
			t.Fatal(err)
		}
		const B = 4
		W := net.Window
		rng := rand.New(rand.NewPCG(3, 4))
		x := make([]float64, B*W)
		x32 := make([]float32, B*W)
		for i := range x {
			x32[i] = float32(rng.NormFloat64())
			x[i] = float64(x32[i])
		}
		vg, err := gpu.NewValueGradient(d, net, B)
		if err != nil {
			t.Fatal(err)
		}
		s, err := d.NewStream()
		if err != nil {
			t.Fatal(err)
		}
		xb, err := d.Alloc(len(x32))
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Upload(xb, x32); err != nil {
			t.Fatal(err)
		}
		for _, tt := range []float64{0.05, 0.5, 0.95} {
			want, wgrad := make([]float64, B), make([]float64, B*W)
			if err := m.ValueGradient(want, wgrad, x, tt); err != nil {
				t.Fatal(err)
			}
			if err := vg.Gradient(s, xb, tt); err != nil {
				t.Fatal(err)
			}
			if err := s.Synchronize(); err != nil {
				t.Fatal(err)
			}
			J, gin := make([]float32, B), make([]float32, vg.InputGrad().Len())
			if err := d.Download(J, vg.Values()); err != nil {
				t.Fatal(err)
			}
			if err := d.Download(gin, vg.InputGrad()); err != nil {
				t.Fatal(err)
			}
			I := W + net.Features
			eJ, eg, scale := 0.0, 0.0, 0.0
			for b := range B {
				eJ = math.Max(eJ, math.Abs(float64(J[b])-want[b])/(1+math.Abs(want[b])))
				for j := range W {
					w := wgrad[b*W+j]
					eg, scale = math.Max(eg, math.Abs(float64(gin[b*I+j])-w)), math.Max(scale, math.Abs(w))
				}
			}
			eg /= scale
			// Two float32 evaluations of the same network, summing in different orders: a few ulps.
			if !(eJ <= 1e-5 && eg <= 1e-5) {
				t.Errorf("%s at t=%v: J error %.3g, gradient error %.3g (tolerance 1e-5 of J's scale and of max |dJ/dx|)", act, tt, eJ, eg)
			}
			t.Logf("%s t=%v: worst J error %.3g, gradient %.3g (max |dJ/dx| %.3g)", act, tt, eJ, eg, scale)
		}
		d.Free(xb)
		s.Close()
		vg.Close()
	}
}

// cpuValueGuide is rl/diffuser's valueGuide.correct written out for the test: y_0 = x, y_{k+1} = y_k +
// scale sigma^2 dJ/dx(y_k, t) on the free entries, x0 += (y_n - x)/alpha, with Model.ValueGradient.
func cpuValueGuide(g ValueGuide, m *train.Model) func(x0, x []float64, t float64) error {
	W := len(g.Fixed)
	p := m.Checkpoint.Process
	return func(x0, x []float64, t float64) error {
		if t < g.StopGradBelow || !(p.Alpha(t) > 0) {
			return nil
		}
		k := g.Scale * p.Sigma(t) * p.Sigma(t)
		y, grad, vals := append([]float64(nil), x...), make([]float64, len(x)), make([]float64, len(x)/W)
		for range max(g.Steps, 1) {
			if err := g.Model.ValueGradient(vals, grad, y, t); err != nil {
				return err
			}
			for i := range y {
				if !g.Fixed[i%W] {
					y[i] += k * grad[i]
				}
			}
		}
		for i := range x0 {
			x0[i] += (y[i] - x[i]) / p.Alpha(t)
		}
		return nil
	}
}

// TestGPUSampleGuidedMatchesModelSampleWithTheGuide: Sampler.SampleGuided draws what Model.Sample draws with
// the value guide as the request's CorrectX0, to the FP32 sampler tolerance; a second guided request on the
// same sampler is bit for bit the first, and an unguided request after it is bit for bit a fresh Sample's
// (the guide's graphs are gone with it); the guide moves the samples far beyond the tolerance.
func TestGPUSampleGuidedMatchesModelSampleWithTheGuide(t *testing.T) {
	m := windowModel(t, nil)
	v := valueModel(t, "mish")
	fixed := make([]bool, 24)
	for i := range 3 {
		fixed[i] = true // the first step's values, as inpainting would fix them
	}
	g := ValueGuide{Model: v, Scale: 40, Steps: 2, StopGradBelow: 0.02, Fixed: fixed}
	req := train.SampleRequest{N: 3, Seed: 4, Fixed: ends(3, true), ClipX0: true}
	creq := req
	creq.CorrectX0 = cpuValueGuide(g, m)
	ctx := context.Background()
	want, err := m.Sample(ctx, creq)
	if err != nil {
		t.Fatal(err)
	}
	s := newSampler(t)
	got, err := s.SampleGuided(ctx, m, req, g)
	if err != nil {
		t.Fatal(err)
	}
	rel, mx := compareSamples(t, "guided", m, req, got, want)
	again, err := s.SampleGuided(ctx, m, req, g)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := s.Sample(ctx, m, req)
	if err != nil {
		t.Fatal(err)
	}
	fresh, _, err := Sample(ctx, m, req, SampleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	moved := 0.0
	for i := range got.X {
		if math.Float64bits(again.X[i]) != math.Float64bits(got.X[i]) || math.Float64bits(plain.X[i]) != math.Float64bits(fresh.X[i]) {
			t.Fatalf("entry %d: guided %v then %v; unguided after it %v, fresh %v", i, got.X[i], again.X[i], plain.X[i], fresh.X[i])
		}
		moved = math.Max(moved, math.Abs(plain.X[i]-got.X[i]))
	}
	if !(moved > 10*samplerTol[gpu.FP32][1]) {
		t.Errorf("the value guide moved the samples by at most %.3g", moved)
	}
	t.Logf("guided device vs CPU: rel RMS %.2e, max %.2e; guided vs unguided max %.3g", rel, mx, moved)
}

//go:build cuda || trajdiff_cuda

package fromnn

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/gpu"
	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/nn/safetensors"
	"github.com/trajdiff/trajdiff/train"
)

// randomTemporalValue is a float64 temporal_value whose every parameter (GroupNorm's affine included) is
// drawn at random and rounded to float32, so that the device's float32 copy holds the same numbers.
func randomTemporalValue(t *testing.T, cfg nn.TemporalValueConfig, seed uint64) *nn.TemporalValue {
	net, err := nn.NewTemporalValue(cfg, tensor.Float64)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	var ts []safetensors.Tensor
	for _, p := range net.Params().Tensors() {
		fan := 1
		if len(p.Shape) > 1 {
			fan = p.Elements() / p.Shape[0]
		}
		v := make([]float64, p.Elements())
		for i := range v {
			v[i] = float64(float32(rng.NormFloat64() / math.Sqrt(float64(fan))))
			if len(p.Shape) == 1 {
				v[i] = float64(float32(0.3*rng.NormFloat64() + 0.2))
			}
		}
		ts = append(ts, safetensors.F64(p.Name, p.Shape, v))
	}
	if err := net.Params().SetTensors(ts); err != nil {
		t.Fatal(err)
	}
	return net
}

// deviceValueUnet is J and dJ/dx of the windows x at t by gpu.ValueUnetGradient.
func deviceValueUnet(t *testing.T, u *gpu.ValueUnet, x []float64, tt float64) (J, grad []float64) {
	d := testDevice(t)
	B := len(x) / (u.Horizon * u.Transition)
	vg, err := gpu.NewValueUnetGradient(d, u, B)
	if err != nil {
		t.Fatal(err)
	}
	defer vg.Close()
	s, err := d.NewStream()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	xb, err := d.Alloc(len(x))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Free(xb)
	if err := d.Upload(xb, to32(x)); err != nil {
		t.Fatal(err)
	}
	if err := vg.Gradient(s, xb, tt); err != nil {
		t.Fatal(err)
	}
	if err := s.Synchronize(); err != nil {
		t.Fatal(err)
	}
	J32, g32 := make([]float32, B), make([]float32, len(x))
	if err := d.Download(J32, vg.Values()); err != nil {
		t.Fatal(err)
	}
	if err := d.Download(g32, vg.InputGrad()); err != nil {
		t.Fatal(err)
	}
	return to64f(J32), to64f(g32)
}

func to64f(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// cpuValueUnet is J and dJ/dx of the windows x at t by nn's autodiff (RegressorInputGrad) of net.
func cpuValueUnet(t *testing.T, net nn.Regressor, x []float64, tt float64) (J, grad []float64) {
	I := net.In()
	W := I - 1
	B := len(x) / W
	in := make([]float64, B*I)
	for b := range B {
		copy(in[b*I:], x[b*W:(b+1)*W])
		in[b*I+W] = tt
	}
	J, g := make([]float64, B), make([]float64, B*I)
	if err := nn.NewRegressorInputGrad(net).Gradient(J, g, in, []float64{1}); err != nil {
		t.Fatal(err)
	}
	grad = make([]float64, B*W)
	for b := range B {
		copy(grad[b*W:], g[b*I:b*I+W])
	}
	return J, grad
}

// valueErrors is the worst error of J relative to 1 + |J| and of the gradient relative to max |dJ/dx|.
func valueErrors(J, wantJ, g, wantG []float64) (eJ, eg, scale float64) {
	for b := range J {
		eJ = math.Max(eJ, math.Abs(J[b]-wantJ[b])/(1+math.Abs(wantJ[b])))
	}
	for i := range g {
		eg, scale = math.Max(eg, math.Abs(g[i]-wantG[i])), math.Max(scale, math.Abs(wantG[i]))
	}
	return eJ, eg / scale, scale
}

// TestGPUValueUnetGradientMatchesNNAutodiff: on random temporal_value networks (odd and even lengths at
// the stride-2 convolutions, equal and changing widths at the residual blocks, kernels 3 and 5), the
// device's J and dJ/dx in float32 agree with nn's gorgonia autodiff of the same network in float64 (the
// weights rounded to float32 for both) to 1e-5 of J's scale and 1e-4 of max |dJ/dx|: float32 rounding
// (6e-8) of sums over at most a few hundred terms per layer through about twenty layers, whose Jacobians
// (GroupNorm's 1/std) amplify it; measured errors are a few 1e-7 to 1e-6.
func TestGPUValueUnetGradientMatchesNNAutodiff(t *testing.T) {
	for i, cfg := range []nn.TemporalValueConfig{
		{Horizon: 8, Transition: 3, Dim: 8, DimMults: []int{1, 2}, Kernel: 3, Groups: 2},
		{Horizon: 10, Transition: 4, Dim: 8, DimMults: []int{1, 2, 2}, Kernel: 5, Groups: 4},
		{Horizon: 13, Transition: 2, Dim: 16, DimMults: []int{1}, Kernel: 3, Groups: 4},
	} {
		net := randomTemporalValue(t, cfg, uint64(10+i))
		u, err := valueUnet(net)
		if err != nil {
			t.Fatal(err)
		}
		const B = 3
		rng := rand.New(rand.NewPCG(uint64(i), 7))
		x := make([]float64, B*cfg.Horizon*cfg.Transition)
		for j := range x {
			x[j] = float64(float32(rng.NormFloat64()))
		}
		for _, tt := range []float64{0.02, 0.5, 0.97} {
			wantJ, wantG := cpuValueUnet(t, net, x, tt)
			J, g := deviceValueUnet(t, u, x, tt)
			eJ, eg, scale := valueErrors(J, wantJ, g, wantG)
			if !(eJ <= 1e-5 && eg <= 1e-4) {
				t.Errorf("%+v at t=%v: J error %.3g (tolerance 1e-5), gradient error %.3g of max |dJ/dx| %.3g (1e-4)", cfg, tt, eJ, eg, scale)
			}
			t.Logf("%+v t=%v: worst J error %.3g, gradient %.3g (max |dJ/dx| %.3g)", cfg, tt, eJ, eg, scale)
		}
	}
}

// TestGPUValueUnetGradientMatchesModelValueGradient: on a freshly trained temporal_value run the device's
// J and dJ/dx (gpu.ValueUnetGradient from ValueUnet) agree with train.Model.ValueGradient (nn's autodiff
// of the float32 network on the CPU) to 1e-5 of J's scale and 1e-4 of max |dJ/dx| (two float32
// evaluations summing in different orders, amplified as in the random networks' test).
func TestGPUValueUnetGradientMatchesModelValueGradient(t *testing.T) {
	m := unetValueModel(t)
	u, err := ValueUnet(m)
	if err != nil {
		t.Fatal(err)
	}
	const B = 4
	rng := rand.New(rand.NewPCG(3, 4))
	x := make([]float64, B*24)
	for i := range x {
		x[i] = float64(float32(rng.NormFloat64()))
	}
	for _, tt := range []float64{0.05, 0.5, 0.95} {
		wantJ, wantG := make([]float64, B), make([]float64, len(x))
		if err := m.ValueGradient(wantJ, wantG, x, tt); err != nil {
			t.Fatal(err)
		}
		J, g := deviceValueUnet(t, u, x, tt)
		eJ, eg, scale := valueErrors(J, wantJ, g, wantG)
		if !(eJ <= 1e-5 && eg <= 1e-4) {
			t.Errorf("t=%v: J error %.3g (tolerance 1e-5), gradient error %.3g of max |dJ/dx| %.3g (1e-4)", tt, eJ, eg, scale)
		}
		t.Logf("trained t=%v: worst J error %.3g, gradient %.3g (max |dJ/dx| %.3g)", tt, eJ, eg, scale)
	}
}

// TestGPUSampleGuidedWithTheUNetValueModelMatchesModelSample: Sampler.SampleGuided with a temporal_value
// guide draws what Model.Sample draws with the CPU guide (cpuValueGuide, nn's autodiff) as the request's
// CorrectX0, to the FP32 sampler tolerance; a second request is bit for bit the first; the guide moves
// the samples far beyond the tolerance. The episodes' rewards are zero, so the trained J is nearly flat
// (max |dJ/dx| about 5e-5) and the scale is large enough (1e4) for the guide to move the plans.
func TestGPUSampleGuidedWithTheUNetValueModelMatchesModelSample(t *testing.T) {
	m := windowModel(t, nil)
	v := unetValueModel(t)
	fixed := make([]bool, 24)
	for i := range 3 {
		fixed[i] = true
	}
	g := ValueGuide{Model: v, Scale: 1e4, Steps: 2, StopGradBelow: 0.02, Fixed: fixed}
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
	rel, mx := compareSamples(t, "guided by the U-Net", m, req, got, want)
	again, err := s.SampleGuided(ctx, m, req, g)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := s.Sample(ctx, m, req)
	if err != nil {
		t.Fatal(err)
	}
	moved := 0.0
	for i := range got.X {
		if math.Float64bits(again.X[i]) != math.Float64bits(got.X[i]) {
			t.Fatalf("entry %d: guided %v, then %v", i, got.X[i], again.X[i])
		}
		moved = math.Max(moved, math.Abs(plain.X[i]-got.X[i]))
	}
	if !(moved > 10*samplerTol[gpu.FP32][1]) {
		t.Errorf("the U-Net value guide moved the samples by at most %.3g", moved)
	}
	t.Logf("U-Net-guided device vs CPU: rel RMS %.2e, max %.2e; guided vs unguided max %.3g", rel, mx, moved)
}

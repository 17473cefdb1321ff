package diffusion

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// velocityNetwork is a network trained with velocity prediction, made exact: it reads an exact x0-predictor
// through PredVelocity, so FromPrediction(., PredVelocity, p) must give that x0-predictor back.
type velocityNetwork struct {
	den Denoiser
	p   Process
}

func (v velocityNetwork) Dim() int { return v.den.Dim() }
func (v velocityNetwork) Predict(dst, x []float64, t float64) error {
	if err := v.den.Denoise(dst, x, t); err != nil {
		return err
	}
	return Convert(dst, x, dst, PredX0, PredVelocity, CoefficientsAt(v.p, t))
}

// twoFieldSetup is a Gaussian target N(m1, S1), the process, and two references.
func twoFieldSetup(t *testing.T) (*InterpolantProcess, *GaussianMixture, []float64, []float64, []float64) {
	t.Helper()
	p, err := NewInterpolantProcess(0.3, 0.8)
	if err != nil {
		t.Fatal(err)
	}
	m1 := []float64{1, -2}
	mix, err := NewGaussianMixture([]float64{1}, [][]float64{m1}, [][][]float64{{{0.6, 0.2}, {0.2, 0.4}}})
	if err != nil {
		t.Fatal(err)
	}
	return p, mix, m1, []float64{0.7, 0.4}, []float64{-0.5, 1.1}
}

func repeatRows(v []float64, rows int) []float64 {
	out := make([]float64, 0, rows*len(v))
	for range rows {
		out = append(out, v...)
	}
	return out
}

// TestTwoLearnedFieldsAreTheExactFields: with exact networks (a velocity network as the drift, an x0- or
// eps-predictor as the denoiser) for the Gaussian target, the fields of InterpolantProcessFields are the
// closed-form fields of the coupling x_r + Base zeta -> N(m1, S1) under the linear interpolant with latent
// amplitude Latent. The two networks have different references r_b and r_eta, so b must be the exact drift
// of the coupling from r_b and eta the exact denoiser of the coupling from r_eta, at the same interpolant
// state x: a wrong coordinate map (y = x - t x_r, a missing -x_r in b, eta not rescaled by gamma/sigma)
// fails here.
func TestTwoLearnedFieldsAreTheExactFields(t *testing.T) {
	p, mix, m1, rb, re := twoFieldSetup(t)
	s1 := []float64{0.6, 0.2, 0.2, 0.4}
	s0 := []float64{0.09, 0, 0, 0.09}
	exact := func(ref []float64) InterpolantField {
		f, err := (&GaussianCoupling{M0: ref, M1: m1, S0: s0, S1: s1}).Field(LinearInterpolant{A: 0.8})
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	const rows = 3
	f := &InterpolantProcessFields{Process: p,
		Drift:    FromPrediction(velocityNetwork{den: mix.Denoiser(p), p: p}, PredVelocity, p),
		Denoiser: mix.Denoiser(p), DriftRef: repeatRows(rb, rows), DenoiserRef: repeatRows(re, rows)}
	rng := rand.New(rand.NewPCG(1, 2))
	x := make([]float64, 2*rows)
	for i := range x {
		x[i] = 2 * rng.NormFloat64()
	}
	b, eta := make([]float64, len(x)), make([]float64, len(x))
	wantB, wantEta, scratch := make([]float64, len(x)), make([]float64, len(x)), make([]float64, len(x))
	for _, tt := range []float64{0.002, 0.1, 0.5, 0.9, 0.999} {
		if err := f.Fields(b, eta, x, tt); err != nil {
			t.Fatal(err)
		}
		if err := exact(rb).Fields(wantB, scratch, x, tt); err != nil {
			t.Fatal(err)
		}
		if err := exact(re).Fields(scratch, wantEta, x, tt); err != nil {
			t.Fatal(err)
		}
		for i := range x {
			if math.Abs(b[i]-wantB[i]) > 1e-9*(1+math.Abs(wantB[i])) || math.Abs(eta[i]-wantEta[i]) > 1e-9*(1+math.Abs(wantEta[i])) {
				t.Errorf("t = %g value %d: b %.12g eta %.12g, exact %.12g %.12g", tt, i, b[i], eta[i], wantB[i], wantEta[i])
			}
		}
	}
}

// TestTwoLearnedFieldsCarryTheBaseToTheData: the ODE (Heun) and the SDE (Euler-Maruyama, Eps 1) of the exact
// two-field pair, from the drift's reference plus sigma(TMax) noise and finished by the denoiser, draw the
// target N(m1, S1): sample mean and covariance of 20000 draws within sampling and discretisation error.
// Both networks have the reference rb here: the SDE keeps the drift's marginals only if eta is the
// denoiser of the same interpolant (with the reference re the SDE's mean drifts towards re's path).
func TestTwoLearnedFieldsCarryTheBaseToTheData(t *testing.T) {
	p, mix, m1, rb, _ := twoFieldSetup(t)
	s1 := []float64{0.6, 0.2, 0.2, 0.4}
	const rows = 20000
	f := &InterpolantProcessFields{Process: p, Drift: mix.Denoiser(p), Denoiser: mix.Denoiser(p),
		DriftRef: repeatRows(rb, rows), DenoiserRef: repeatRows(rb, rows)}
	for _, c := range []struct {
		steps int
		eps   float64
	}{{40, 0}, {200, 1}} {
		x := make([]float64, 2*rows)
		NewPhilox(7).FillNormal(x, 0, 0)
		s := f.Sampler(c.steps, c.eps, 3)
		nfe, err := f.Sample(context.Background(), s, x)
		if err != nil {
			t.Fatal(err)
		}
		if nfe != 2*c.steps+1 {
			t.Errorf("eps %g: %d network evaluations, want %d", c.eps, nfe, 2*c.steps+1)
		}
		mean, cov := sampleMoments(x, 2)
		for i := range mean {
			if math.Abs(mean[i]-m1[i]) > 0.03 {
				t.Errorf("eps %g: mean %v, want %v", c.eps, mean, m1)
			}
		}
		for i := range cov {
			if math.Abs(cov[i]-s1[i]) > 0.04 {
				t.Errorf("eps %g: covariance %v, want %v", c.eps, cov, s1)
			}
		}
	}
}

// TestTwoLearnedFieldsRefuseBadInput: missing networks, networks of other dimensions, references of the
// wrong length, times outside (0, 1) and a sampler on another range are errors, not panics.
func TestTwoLearnedFieldsRefuseBadInput(t *testing.T) {
	p, mix, _, rb, _ := twoFieldSetup(t)
	other, err := NewGaussianMixture([]float64{1}, [][]float64{{0, 0, 0}}, [][][]float64{{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}})
	if err != nil {
		t.Fatal(err)
	}
	x := []float64{0.1, 0.2}
	b := make([]float64, 2)
	for _, c := range []struct {
		f    *InterpolantProcessFields
		t    float64
		want string
	}{
		{&InterpolantProcessFields{Drift: mix.Denoiser(p), Denoiser: mix.Denoiser(p)}, 0.5, "without a process"},
		{&InterpolantProcessFields{Process: p, Drift: mix.Denoiser(p)}, 0.5, "both"},
		{&InterpolantProcessFields{Process: p, Drift: mix.Denoiser(p), Denoiser: other.Denoiser(p)}, 0.5, "dimension 2, the denoiser 3"},
		{&InterpolantProcessFields{Process: p, Drift: mix.Denoiser(p), Denoiser: mix.Denoiser(p), DriftRef: repeatRows(rb, 2)}, 0.5, "drift reference of 4 values for a batch of 2"},
		{&InterpolantProcessFields{Process: p, Drift: mix.Denoiser(p), Denoiser: mix.Denoiser(p)}, 1, "want 0 < t < 1"},
		{&InterpolantProcessFields{Process: p, Drift: mix.Denoiser(p), Denoiser: mix.Denoiser(p)}, 0, "want 0 < t < 1"},
	} {
		err := c.f.Fields(b, nil, x, c.t)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v at t = %g: error %v, want %q", c.f, c.t, err, c.want)
		}
	}
	f := &InterpolantProcessFields{Process: p, Drift: mix.Denoiser(p), Denoiser: mix.Denoiser(p)}
	if _, err := f.Sample(context.Background(), InterpolantSampler{Interpolant: f.Interpolant(), Steps: 3}, []float64{0.1, 0.2}); err == nil ||
		!strings.Contains(err.Error(), "use Sampler") {
		t.Errorf("a sampler over [0, 1] accepted: %v", err)
	}
	if _, err := (InterpolantSampler{Interpolant: f.Interpolant(), Steps: 3, TStart: 0.5, TEnd: 0.4}).Sample(context.Background(), f, x); err == nil ||
		!strings.Contains(err.Error(), "TEnd") {
		t.Errorf("TEnd before TStart accepted: %v", err)
	}
}

// BenchmarkInterpolantProcessFields evaluates both fields (drift and denoiser networks, here exact
// Gaussian x0-predictors) on a batch of 256 points in 2-D.
func BenchmarkInterpolantProcessFields(b *testing.B) {
	p, _ := NewInterpolantProcess(1, 1)
	mix, _ := NewGaussianMixture([]float64{1}, [][]float64{{1, -2}}, [][][]float64{{{0.6, 0.2}, {0.2, 0.4}}})
	const rows = 256
	f := &InterpolantProcessFields{Process: p, Drift: mix.Denoiser(p), Denoiser: mix.Denoiser(p),
		DriftRef: repeatRows([]float64{0.7, 0.4}, rows), DenoiserRef: repeatRows([]float64{-0.5, 1.1}, rows)}
	x := make([]float64, 2*rows)
	NewPhilox(1).FillNormal(x, 0, 0)
	bf, eta := make([]float64, len(x)), make([]float64, len(x))
	b.ReportAllocs()
	for b.Loop() {
		if err := f.Fields(bf, eta, x, 0.4); err != nil {
			b.Fatal(err)
		}
	}
}

// TestSqrtTauGridKeepsHeunStableAtTheDataEnd: for a narrow target (standard deviation 0.1 around a
// reference 2 away, as a forecast given its condition frames) b carries sigma' E[eps | y], stiff near the data
// where sigma' ~ 1/sqrt(tau). Heun on the grid uniform in sqrt(tau) (Sampler) converges at about second order
// to the ODE's limit (each doubling of 10 -> 20 -> 40 steps cuts the error of the samples' spread 3-fold or
// more), while the grid uniform in t (UniformSampler) is at least 5 times further off at 20 and 40 steps.
// The limit is the 640-step solution from the same draws, so sampling error does not enter.
func TestSqrtTauGridKeepsHeunStableAtTheDataEnd(t *testing.T) {
	p, err := NewInterpolantProcess(1, 1)
	if err != nil {
		t.Fatal(err)
	}
	target, err := NewGaussianMixture([]float64{1}, [][]float64{{2}}, [][][]float64{{{1e-2}}})
	if err != nil {
		t.Fatal(err)
	}
	const n = 4000
	f := &InterpolantProcessFields{Process: p, Drift: target.Denoiser(p), Denoiser: target.Denoiser(p)}
	sd := func(s InterpolantSampler) float64 {
		x := make([]float64, n)
		NewPhilox(4).FillNormal(x, 0, 0)
		if _, err := f.Sample(context.Background(), s, x); err != nil {
			t.Fatal(err)
		}
		_, cov := sampleMoments(x, 1)
		return math.Sqrt(cov[0])
	}
	limit := sd(f.Sampler(640, 0, 1))
	if math.Abs(limit-0.0953) > 0.005 { // the denoiser's last step shrinks 0.1 by sqrt(S/(S + sigma(TMin)^2))
		t.Fatalf("640-step spread %.4f, want about 0.0953", limit)
	}
	var prev float64
	for _, steps := range []int{10, 20, 40} {
		e, u := math.Abs(sd(f.Sampler(steps, 0, 1))-limit), math.Abs(sd(f.UniformSampler(steps, 0, 1))-limit)
		if prev > 0 && e > prev/3 {
			t.Errorf("%d steps on the sqrt(tau) grid: error %.2g, %d steps: %.2g (want a 3-fold cut)", steps, e, steps/2, prev)
		}
		if steps >= 20 && u < 5*e {
			t.Errorf("%d steps: uniform grid in t off by %.2g, sqrt(tau) grid by %.2g", steps, u, e)
		}
		prev = e
	}
	s := f.Sampler(5, 0, 1)
	s.Times[2] = s.Times[1]
	if _, err := s.Sample(context.Background(), f, make([]float64, 1)); err == nil || !strings.Contains(err.Error(), "strictly increasing") {
		t.Errorf("a grid with a repeated time: %v", err)
	}
}

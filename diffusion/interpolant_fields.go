package diffusion

import (
	"context"
	"fmt"
	"math"
)

// InterpolantProcessFields is the InterpolantField of an InterpolantProcess with its two fields learned by
// two networks (Albergo et al. 2023: the drift b and the denoiser eta, each by its own regression), both
// trained as ordinary Processes on InterpolantProcess, e.g. one with velocity and one with eps prediction.
// Each is given as its x0-predictor in its process's coordinates (FromPrediction: the network read through
// its own parameterisation), with its reference x_r (GeoTDM's learned prior differs between two networks).
// The sampler's state is the interpolant itself, x_t = (1-t)(x_r + Base zeta) + t x0 + gamma(t) z with
// gamma(t) = sqrt(Latent t (1-t)) (LinearInterpolant{A: Latent}), at interpolant time t = 1 - tau; a network
// with reference r sees y = x - tau r = (1-tau) x0 + sigma(tau) eps. With D_b, D_eta the two x0-predictions,
//
//	y_b   = x - tau r_b,            V   = (sigma'/sigma) y_b + (-1 - (1-tau) sigma'/sigma) D_b(y_b, tau)
//	b     = -V - r_b                (dx/dt = -(dy/dtau + r_b); V = E[dy/dtau | y] = E[-x0 + sigma' eps | y])
//	y_eta = x - tau r_eta,          e   = (y_eta - (1-tau) D_eta(y_eta, tau))/sigma(tau)
//	eta   = gamma(t)/sigma(tau) e   (E[z | x]: z's share of the Gaussian part sigma eps = tau Base zeta + gamma z)
//
// V is the velocity prediction (Prediction PredVelocity) of the drift network, so a velocity network gives b
// from its raw output; an eps network as the drift gives the single-network b of InterpolantProcess, and the
// pair of an exact x0-predictor with itself gives the exact fields (TestTwoLearnedFieldsAreTheExactFields).
// sigma' E[eps | y] = E[Base zeta + gamma'_tau z | y] (the conditional means of the two Gaussian terms), so
// the regression on the merged noise has the interpolant's drift as its minimiser.
//
// The SDE keeps the drift's marginals only when eta is the denoiser of the same interpolant, i.e. when
// the two references agree; with different references (two separately trained learned priors) it
// corrects towards the denoiser's path, an approximation whose size is tau |r_b - r_eta|/sigma.
//
// Sample starts at the process's TMax (t = 1 - TMax, the drift network's reference plus sigma(TMax) noise),
// integrates to t = 1 - TMin with InterpolantSampler, and takes the last step to t = 1 as every process
// solver does, with the denoiser's x0-prediction (b and eta are singular at t = 1: sigma' ~ 1/sqrt(tau)).
type InterpolantProcessFields struct {
	Process  *InterpolantProcess
	Drift    Denoiser // x0-predictor of the network that gives b
	Denoiser Denoiser // x0-predictor of the network that gives eta and the final x0
	// DriftRef and DenoiserRef are the networks' references x_r, one per value of the batch the fields are
	// evaluated on (len(x)); nil means 0.
	DriftRef, DenoiserRef []float64

	y, d, v []float64
}

// Dim is the dimension of one point.
func (f *InterpolantProcessFields) Dim() int { return f.Drift.Dim() }

// Interpolant is the interpolant the fields belong to, LinearInterpolant{A: Latent}.
func (f *InterpolantProcessFields) Interpolant() Interpolant {
	return LinearInterpolant{A: f.Process.Latent}
}

// Validate checks that the fields can be evaluated on batches of n values.
func (f *InterpolantProcessFields) Validate(n int) error {
	switch {
	case f.Process == nil:
		return fmt.Errorf("diffusion: interpolant fields without a process")
	case f.Drift == nil || f.Denoiser == nil:
		return fmt.Errorf("diffusion: interpolant fields need both a drift and a denoiser network")
	case f.Drift.Dim() < 1 || f.Drift.Dim() != f.Denoiser.Dim():
		return fmt.Errorf("diffusion: interpolant fields: the drift network has dimension %d, the denoiser %d", f.Drift.Dim(), f.Denoiser.Dim())
	case n == 0 || n%f.Drift.Dim() != 0:
		return fmt.Errorf("diffusion: interpolant fields got %d values for dimension %d", n, f.Drift.Dim())
	case f.DriftRef != nil && len(f.DriftRef) != n:
		return fmt.Errorf("diffusion: interpolant fields: drift reference of %d values for a batch of %d", len(f.DriftRef), n)
	case f.DenoiserRef != nil && len(f.DenoiserRef) != n:
		return fmt.Errorf("diffusion: interpolant fields: denoiser reference of %d values for a batch of %d", len(f.DenoiserRef), n)
	}
	return nil
}

// shift writes y = x - tau ref into f.y.
func (f *InterpolantProcessFields) shift(x, ref []float64, tau float64) []float64 {
	f.y = grow(&f.y, len(x))
	for i, v := range x {
		f.y[i] = v
		if ref != nil {
			f.y[i] -= tau * ref[i]
		}
	}
	return f.y
}

// Fields implements InterpolantField at interpolant time t in (0, 1) (process time tau = 1 - t).
func (f *InterpolantProcessFields) Fields(b, eta, x []float64, t float64) error {
	if err := f.Validate(len(x)); err != nil {
		return err
	}
	if len(b) != len(x) || (eta != nil && len(eta) != len(x)) {
		return fmt.Errorf("diffusion: interpolant fields buffers of lengths %d and %d for %d values", len(b), len(eta), len(x))
	}
	tau := 1 - t
	if !(tau > 0 && tau < 1) {
		return fmt.Errorf("diffusion: interpolant fields at t = %v: want 0 < t < 1", t)
	}
	c := CoefficientsAt(f.Process, tau)
	f.d, f.v = grow(&f.d, len(x)), grow(&f.v, len(x))
	y := f.shift(x, f.DriftRef, tau)
	if err := f.Drift.Denoise(f.d, y, tau); err != nil {
		return fmt.Errorf("diffusion: drift network: %w", err)
	}
	if err := Convert(f.v, y, f.d, PredX0, PredVelocity, c); err != nil {
		return err
	}
	for i := range b {
		b[i] = -f.v[i]
		if f.DriftRef != nil {
			b[i] -= f.DriftRef[i]
		}
	}
	if eta == nil {
		return nil
	}
	y = f.shift(x, f.DenoiserRef, tau)
	if err := f.Denoiser.Denoise(f.d, y, tau); err != nil {
		return fmt.Errorf("diffusion: denoiser network: %w", err)
	}
	if err := Convert(eta, y, f.d, PredX0, PredEps, c); err != nil {
		return err
	}
	scale := f.Interpolant().At(t).Gamma / c.Sigma
	for i := range eta {
		eta[i] *= scale
	}
	return nil
}

// Sampler returns the InterpolantSampler of these fields with steps steps and diffusion coefficient eps
// (0: the ODE by Heun), on the process's range t in [1 - TMax, 1 - TMin], its grid uniform in sqrt(tau) =
// sqrt(1 - t). Near the data the noise part of y = x - tau x_r is sigma(tau) eps with sigma ~ sqrt(Latent
// tau), and b carries sigma' ~ 1/sqrt(tau): on a grid uniform in t the last Heun step spans tau from 1/steps
// to TMin, and its corrector is evaluated where sigma'/sigma is about 1000/steps times larger than at the
// step's start, which overshoots wherever E[eps | y] is not small there (a narrow target, an imperfect
// network; TestSqrtTauGridKeepsHeunStableAtTheDataEnd). In s = sqrt(tau) the noise part is linear (sigma eps ~
// sqrt(Latent) s eps), which Heun integrates exactly. UniformSampler keeps the uniform grid in t.
func (f *InterpolantProcessFields) Sampler(steps int, eps float64, seed uint64) InterpolantSampler {
	s := f.UniformSampler(steps, eps, seed)
	if steps < 1 {
		return s
	}
	hi, lo := math.Sqrt(f.Process.TMax()), math.Sqrt(f.Process.TMin())
	s.Times = make([]float64, steps+1)
	for i := range s.Times {
		r := hi - float64(i)/float64(steps)*(hi-lo)
		s.Times[i] = 1 - r*r
	}
	s.Times[0], s.Times[steps] = s.TStart, s.TEnd // exactly, as validate checks
	return s
}

// UniformSampler is Sampler on a grid uniform in t.
func (f *InterpolantProcessFields) UniformSampler(steps int, eps float64, seed uint64) InterpolantSampler {
	return InterpolantSampler{Interpolant: f.Interpolant(), Steps: steps, Eps: eps, Seed: seed,
		TStart: 1 - f.Process.TMax(), TEnd: 1 - f.Process.TMin()}
}

// Passes is the number of network evaluations of Sample with s per point: two drift evaluations per Heun
// step, or one drift and one denoiser evaluation per Euler-Maruyama step, and the final x0-prediction.
func (f *InterpolantProcessFields) Passes(s InterpolantSampler) int { return 2*s.Steps + 1 }

// Sample draws x: on entry x holds standard normal draws, one per value; it starts as the drift's
// reference plus sigma(TMax) of them (the process's start, as the process solvers draw it), is integrated by
// s (Sampler), and is replaced by the denoiser's x0-prediction at the end of s's range. It returns the
// network evaluations per point (Passes).
func (f *InterpolantProcessFields) Sample(ctx context.Context, s InterpolantSampler, x []float64) (int, error) {
	if err := f.Validate(len(x)); err != nil {
		return 0, err
	}
	if s.TStart != 1-f.Process.TMax() || s.TEnd != 1-f.Process.TMin() {
		return 0, fmt.Errorf("diffusion: interpolant fields sample on t in [%v, %v], the sampler runs [%v, %v] (use Sampler)",
			1-f.Process.TMax(), 1-f.Process.TMin(), s.TStart, s.TEnd)
	}
	tau := f.Process.TMax()
	s0 := f.Process.Sigma(tau)
	for i := range x {
		x[i] *= s0
		if f.DriftRef != nil {
			x[i] += tau * f.DriftRef[i]
		}
	}
	if _, err := s.Sample(ctx, f, x); err != nil {
		return 0, err
	}
	tau = f.Process.TMin()
	y := f.shift(x, f.DenoiserRef, tau)
	if err := f.Denoiser.Denoise(x, y, tau); err != nil {
		return 0, fmt.Errorf("diffusion: denoiser network at the last step: %w", err)
	}
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, fmt.Errorf("diffusion: interpolant fields: final x0-prediction value %d is %v", i, v)
		}
	}
	return f.Passes(s), nil
}

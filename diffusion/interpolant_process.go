package diffusion

import (
	"fmt"
	"math"
)

// InterpolantProcess is the linear stochastic interpolant from a known reference x_r (a forecast's present
// state, or GeoTDM's prior) to the data x0, seen from the data end so that the trainer and every solver run
// it as an ordinary Process. With base draws x_r + Base zeta and latent scale sqrt(Latent t (1-t)),
//
//	x_t = (1-t) (x_r + Base zeta) + t x0 + sqrt(Latent t (1-t)) z        (interpolant time t: base -> data)
//
// and the two Gaussian terms combine into one, so in process time tau = 1 - t
//
//	x_tau - tau x_r = (1-tau) x0 + sigma(tau) eps,   sigma(tau)^2 = Base^2 tau^2 + Latent tau (1-tau).
//
// That is an affine Gaussian path with alpha(tau) = 1 - tau: a network that adds (1 - alpha(tau)) x_r to
// its input (nn.SignalUser, as EGTN's priors do) runs the interpolant while the solvers see x - tau x_r.
// Sampling starts near tau = 1 from sigma eps ~ Base eps, i.e. at x_r + Base zeta, the data-dependent
// coupling of Albergo et al. (2023b). One x0-predictor D gives both fields of the interpolant: with
// e = E[eps | x] = (x - tau x_r - (1-tau) D)/sigma, in interpolant time
//
//	b   = D - x_r - sigma'(tau) e,        eta = E[z | x] = sqrt(Latent t (1-t))/sigma(tau) e,
//
// so the probability-flow ODE of this process is the interpolant's ODE, and its stochastic solvers (ddpm,
// euler-maruyama, dpmpp-2m-sde) are SDEs with the interpolant's marginals
// (TestInterpolantProcessRunsTheInterpolantODE checks the ODE on a Gaussian coupling).
//
// Base must be > 0: from a point mass the probability-flow ODE has no density to transport.
//
// Sampling starts at TMax = 1 - 1e-3 by default, not at tau = 1: there alpha = 0, and a network that
// predicts eps (the translation-invariant target an equivariant network such as EGTN can represent, where
// x0 is not) cannot be turned into x0. At 1 - 1e-3 the signal is alpha/sigma = 0.01 of the noise (with
// Base 0.1), as GeoTDM's 100-step chain ends at 0.0045; the start then misses the path by 1e-3 (x0 - x_r).
// A velocity network (PredVelocity, V = -x0 + sigma' eps) has no such limit: its x0 = (sigma' y/sigma - V)/
// (1 + alpha sigma'/sigma) is well conditioned at alpha = 0, and V + x_r = dx/dtau is translation invariant,
// which EGTN represents with nn.EGTNConfig.PriorOutput (InterpolantProcessFields uses it as the drift).
type InterpolantProcess struct {
	Base, Latent float64
	Tmin, Tmax   float64
}

// NewInterpolantProcess returns the process with base noise base > 0 and latent amplitude latent >= 0;
// sampling runs from tau = 1 - 1e-3 down to 1e-3.
func NewInterpolantProcess(base, latent float64) (*InterpolantProcess, error) {
	if !(base > 0) || math.IsInf(base, 1) {
		return nil, fmt.Errorf("diffusion: interpolant base noise %v must be finite and > 0", base)
	}
	if !(latent >= 0) || math.IsInf(latent, 1) {
		return nil, fmt.Errorf("diffusion: interpolant latent amplitude %v must be finite and >= 0", latent)
	}
	return &InterpolantProcess{Base: base, Latent: latent, Tmin: 1e-3, Tmax: 1 - 1e-3}, nil
}

func (p *InterpolantProcess) Name() string            { return "interpolant" }
func (p *InterpolantProcess) Alpha(t float64) float64 { return 1 - t }
func (p *InterpolantProcess) Sigma(t float64) float64 {
	return math.Sqrt(p.Base*p.Base*t*t + p.Latent*t*(1-t))
}
func (p *InterpolantProcess) DAlpha(t float64) float64 { return -1 }

// DSigma is infinite at t = 0 when Latent > 0 (sigma grows like sqrt(t) there, as for the VP processes).
func (p *InterpolantProcess) DSigma(t float64) float64 {
	num := p.Base*p.Base*t + p.Latent*(1-2*t)/2
	s := p.Sigma(t)
	if s == 0 {
		if num == 0 {
			return p.Base
		}
		return math.Inf(1)
	}
	return num / s
}

// LogSNR = log(1-t) - log sigma(t). It is strictly decreasing: exp(-2 LogSNR) = Base^2 t^2/(1-t)^2 +
// Latent t/(1-t) is a sum of increasing terms.
func (p *InterpolantProcess) LogSNR(t float64) float64 {
	if t >= 1 {
		return math.Inf(-1)
	}
	return math.Log1p(-t) - math.Log(p.Sigma(t))
}

// TimeAtLogSNR inverts LogSNR by bisection (monotone, so to the last bit).
func (p *InterpolantProcess) TimeAtLogSNR(lambda float64) float64 {
	switch {
	case math.IsInf(lambda, -1):
		return 1
	case math.IsInf(lambda, 1):
		return 0
	}
	lo, hi := 0.0, 1.0
	for range 200 {
		mid := (lo + hi) / 2
		if mid == lo || mid == hi {
			break
		}
		if p.LogSNR(mid) > lambda {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}
func (p *InterpolantProcess) TMin() float64 { return p.Tmin }
func (p *InterpolantProcess) TMax() float64 { return p.Tmax }

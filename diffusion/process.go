package diffusion

import (
	"fmt"
	"math"
)

// Process is an affine Gaussian noising process x_t = alpha(t) x0 + sigma(t) eps, eps ~ N(0, I).
//
// Time runs from the data end t = 0 (alpha = 1, sigma = 0) to the noise end TMax. Sampling starts at TMax,
// visits noise levels down to TMin and finishes with one step to t = 0. Every quantity a solver needs is a
// function of t: the coefficients, their time derivatives and the half log signal-to-noise ratio
// lambda(t) = log(alpha/sigma), which is strictly decreasing so that TimeAtLogSNR inverts it.
type Process interface {
	// Name is the process's registry name, e.g. "edm" or "vp-linear".
	Name() string
	// Alpha and Sigma are the signal and noise coefficients at time t.
	Alpha(t float64) float64
	Sigma(t float64) float64
	// DAlpha and DSigma are their derivatives with respect to t.
	DAlpha(t float64) float64
	DSigma(t float64) float64
	// LogSNR is lambda(t) = log(alpha(t)/sigma(t)); +Inf at t = 0, -Inf where alpha = 0.
	LogSNR(t float64) float64
	// TimeAtLogSNR inverts LogSNR on [0, TMax].
	TimeAtLogSNR(lambda float64) float64
	// TMin is the smallest noise level a sampling schedule visits before the final step to t = 0.
	TMin() float64
	// TMax is the time sampling starts from.
	TMax() float64
}

// Coefficients bundles a process's values at one time.
type Coefficients struct {
	T, Alpha, Sigma, DAlpha, DSigma, LogSNR float64
}

// CoefficientsAt evaluates p at t.
func CoefficientsAt(p Process, t float64) Coefficients {
	return Coefficients{T: t, Alpha: p.Alpha(t), Sigma: p.Sigma(t), DAlpha: p.DAlpha(t), DSigma: p.DSigma(t), LogSNR: p.LogSNR(t)}
}

// SigmaHat is the noise level of the rescaled variable x/alpha, sigma/alpha = exp(-lambda): the "sigma" of
// EDM and k-diffusion, Inf where alpha = 0.
func SigmaHat(p Process, t float64) float64 { return math.Exp(-p.LogSNR(t)) }

// NewProcess returns the process with a registry name and its default constants:
// "edm" (sigma 0.002..80), "ve" (sigma 0.02..100), "vp-linear" (continuous DDPM betas 1e-4..0.02 x 1000),
// "vp-discrete" (the 1000-step DDPM chain), "vp-cosine", "vp-sigmoid" (WDNO's smoke schedule), "flow" (rectified flow), "trig" and "interpolant"
// (the linear stochastic interpolant from a reference, base noise 0.1 and latent amplitude 1).
func NewProcess(name string) (Process, error) {
	switch name {
	case "edm":
		return NewEDM(), nil
	case "ve":
		return NewVE(), nil
	case "vp-linear":
		return NewVPLinear(), nil
	case "vp-discrete":
		return NewVPDiscrete(1000, 1e-4, 0.02)
	case "vp-cosine":
		return NewVPCosine(), nil
	case "vp-sigmoid":
		return NewVPSigmoid(), nil
	case "flow":
		return NewFlow(), nil
	case "trig":
		return NewTrig(), nil
	case "interpolant":
		return NewInterpolantProcess(0.1, 1)
	}
	return nil, fmt.Errorf("diffusion: unknown process %q (want one of %v)", name, ProcessNames())
}

// ProcessNames lists the names NewProcess accepts.
func ProcessNames() []string {
	return []string{"edm", "ve", "vp-linear", "vp-discrete", "vp-cosine", "vp-sigmoid", "flow", "trig", "interpolant"}
}

// logSNRFromLogAlphaVP returns lambda for a variance-preserving process given log alpha:
// lambda = log alpha - 0.5 log(1 - alpha^2), computed without cancellation for small or large alpha.
func logSNRFromLogAlphaVP(logAlpha float64) float64 {
	// 1 - alpha^2 = -expm1(2 log alpha)
	return logAlpha - 0.5*math.Log(-math.Expm1(2*logAlpha))
}

// logAlphaFromLogSNRVP inverts logSNRFromLogAlphaVP: log alpha = -0.5 log(1 + exp(-2 lambda)).
func logAlphaFromLogSNRVP(lambda float64) float64 {
	return -0.5 * softplus(-2*lambda)
}

// softplus is log(1 + e^x) without overflow.
func softplus(x float64) float64 {
	if x > 30 {
		return x + math.Log1p(math.Exp(-x))
	}
	return math.Log1p(math.Exp(x))
}

package diffusion

import (
	"fmt"
	"math"
)

// Interpolant is a stochastic interpolant between two distributions (Albergo, Boffi & Vanden-Eijnden 2023,
// "Stochastic interpolants: a unifying framework for flows and diffusions"):
//
//	x_t = alpha(t) x0 + beta(t) x1 + gamma(t) z,   t in [0, 1],  z ~ N(0, I) independent of (x0, x1),
//
// with alpha(0) = beta(1) = 1, alpha(1) = beta(0) = 0 and the latent scale gamma(0) = gamma(1) = 0, gamma > 0
// inside. (x0, x1) may be any coupling of the two distributions, including a dependent one such as the
// current and the next state of a simulation (Albergo et al. 2023b, data-dependent couplings). Unlike a
// Process, neither end has to be Gaussian.
type Interpolant interface {
	Name() string
	// At returns the coefficients and their time derivatives at t in [0, 1].
	At(t float64) InterpolantCoeffs
}

// InterpolantCoeffs are alpha, beta, gamma and their derivatives at one time.
type InterpolantCoeffs struct {
	Alpha, Beta, Gamma    float64
	DAlpha, DBeta, DGamma float64 // DGamma is infinite at the ends for gamma = sqrt(a t (1-t))
	// GammaDGamma is gamma gamma' = (gamma^2)'/2, finite everywhere: the velocity of an exact field needs
	// only this product (see GaussianCoupling), not gamma' itself.
	GammaDGamma float64
}

// LatentSqrt is the latent scale gamma(t) = sqrt(a t (1-t)) of Albergo et al. (2023, Sec. 3.4), the one
// whose variance a t (1-t) is that of a Brownian bridge when a = 1.
func latentSqrt(a, t float64) (g, dg, gdg float64) {
	v := a * t * (1 - t)
	if v <= 0 {
		g = 0
	} else {
		g = math.Sqrt(v)
	}
	gdg = a * (1 - 2*t) / 2
	switch {
	case g > 0:
		dg = gdg / g
	case gdg > 0:
		dg = math.Inf(1)
	case gdg < 0:
		dg = math.Inf(-1)
	}
	return g, dg, gdg
}

// LinearInterpolant is x_t = (1-t) x0 + t x1 + sqrt(A t (1-t)) z. A = 0 is the deterministic linear
// interpolant (rectified flow between two distributions when the coupling is independent).
type LinearInterpolant struct{ A float64 }

func (LinearInterpolant) Name() string { return "linear" }
func (p LinearInterpolant) At(t float64) InterpolantCoeffs {
	g, dg, gdg := latentSqrt(p.A, t)
	return InterpolantCoeffs{Alpha: 1 - t, Beta: t, Gamma: g, DAlpha: -1, DBeta: 1, DGamma: dg, GammaDGamma: gdg}
}

// TrigInterpolant is x_t = cos(pi t/2) x0 + sin(pi t/2) x1 + sqrt(A t (1-t)) z: alpha^2 + beta^2 = 1, so
// independent x0 and x1 of equal variance keep that variance along the path (up to the latent term).
type TrigInterpolant struct{ A float64 }

func (TrigInterpolant) Name() string { return "trig" }
func (p TrigInterpolant) At(t float64) InterpolantCoeffs {
	g, dg, gdg := latentSqrt(p.A, t)
	// Exact values at the ends, where cos(pi/2) is 6e-17 and not 0.
	var c, s float64
	switch t {
	case 0:
		c, s = 1, 0
	case 1:
		c, s = 0, 1
	default:
		s, c = math.Sincos(math.Pi / 2 * t)
	}
	return InterpolantCoeffs{Alpha: c, Beta: s, Gamma: g, DAlpha: -math.Pi / 2 * s, DBeta: math.Pi / 2 * c,
		DGamma: dg, GammaDGamma: gdg}
}

// NewInterpolant returns the interpolant called name ("linear" or "trig") with latent amplitude a >= 0.
func NewInterpolant(name string, a float64) (Interpolant, error) {
	if !(a >= 0) || math.IsInf(a, 1) {
		return nil, fmt.Errorf("diffusion: interpolant latent amplitude %v must be finite and >= 0", a)
	}
	switch name {
	case "linear":
		return LinearInterpolant{A: a}, nil
	case "trig":
		return TrigInterpolant{A: a}, nil
	}
	return nil, fmt.Errorf("diffusion: unknown interpolant %q (want linear or trig)", name)
}

// InterpolantExample draws one training example of the interpolant at time t from a pair (x0, x1) and a
// latent draw z (all of one length): it writes the interpolated state x_t = alpha x0 + beta x1 + gamma z and
// the two regression targets whose conditional expectations given x_t are the fields of InterpolantField,
//
//	velocity  alpha' x0 + beta' x1 + gamma' z   (E[. | x_t] = b(t, x_t), the ODE's drift)
//	latent    z                                 (E[. | x_t] = eta(t, x_t) = -gamma(t) score(t, x_t))
//
// so that the quadratic losses |b_hat - velocity|^2 and |eta_hat - z|^2 are minimised by the exact fields
// (Albergo et al. 2023, Theorem 2.6 and Eq. 2.15-2.16). gamma' is infinite at t = 0 and 1, so training times
// should be drawn from a closed subinterval of (0, 1); InterpolantExample refuses the ends when A > 0.
// velocity or latent may be nil.
func InterpolantExample(c InterpolantCoeffs, xt, velocity, latent, x0, x1, z []float64) error {
	n := len(x0)
	if len(x1) != n || len(z) != n || len(xt) != n || (velocity != nil && len(velocity) != n) ||
		(latent != nil && len(latent) != n) {
		return fmt.Errorf("diffusion: interpolant example lengths differ (x0 %d, x1 %d, z %d, xt %d)", n, len(x1), len(z), len(xt))
	}
	if velocity != nil && math.IsInf(c.DGamma, 0) {
		return fmt.Errorf("diffusion: the velocity target is infinite at t = 0 and 1 (gamma' = %v); draw training times inside (0, 1)", c.DGamma)
	}
	for i := range n {
		xt[i] = c.Alpha*x0[i] + c.Beta*x1[i] + c.Gamma*z[i]
		if velocity != nil {
			velocity[i] = c.DAlpha*x0[i] + c.DBeta*x1[i] + c.DGamma*z[i]
		}
		if latent != nil {
			latent[i] = z[i]
		}
	}
	return nil
}

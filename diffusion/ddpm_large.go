package diffusion

import "math"

// DDPMLarge is DDPM's ancestral sampler with the "large" reverse variance sigma_t^2 = beta_t (Ho et al.
// 2020, Sec. 3.2: the upper of their two choices, optimal for x0 ~ N(0, I); guided-diffusion's FIXED_LARGE,
// which GeoTDM samples with). From (x, t) to t_n it draws
//
//	x_n = mu + sigma sqrt(1 - e^{-2h}) z,   mu = alpha_n D + sigma_n e^{-h} eps_hat,
//
// eps_hat = (x - alpha D)/sigma, h = lambda_n - lambda. mu is the mean of the exact posterior q(x_n | x,
// x0 = D) (Ho et al. Eq. 7), as in DDIM with eta = 1 (NewSolver("ddpm")), whose noise sigma_n sqrt(1 -
// e^{-2h}) has the posterior variance beta-tilde. The variance here, sigma^2 (1 - e^{-2h}) = sigma^2 -
// (alpha/alpha_n)^2 sigma_n^2, is that of the forward transition q(x | x_n): on a variance-preserving
// process it is 1 - (alpha/alpha_n)^2 = 1 - abar_t/abar_{t_n}, which for consecutive steps of a discrete
// chain is beta_t exactly and on a coarser grid the beta of the respaced chain (Nichol & Dhariwal 2021);
// the same formula defines it for any other process. The step that ends at the data (sigma_n = 0) adds no
// noise and returns D, as guided-diffusion's last step does.
type DDPMLarge struct{}

func (DDPMLarge) Name() string { return "ddpm-large" }

func (s DDPMLarge) Plan(p Process, times []float64) (*Plan, error) {
	return oneEvalPlan(s.Name(), p, times, true, largeVarianceStep)
}

// largeVarianceStep appends x_n = mu + sigma sqrt(1 - e^{-2h}) z given the prediction in buffer d.
func largeVarianceStep(b *builder, c, cn Coefficients, d, z int) {
	h := cn.LogSNR - c.LogSNR
	sdir, cz := 0.0, 0.0 // sigma_n e^{-h}, the noise coefficient; both 0 on the step to the data
	if cn.Sigma > 0 {
		sdir = cn.Sigma * math.Exp(-h) // 0 from zero signal (h = +Inf)
		cz = c.Sigma * math.Sqrt(-math.Expm1(-2*h))
	}
	terms := []Term{{sdir / c.Sigma, StateBuffer}, {cn.Alpha - sdir*c.Alpha/c.Sigma, d}}
	if cz != 0 {
		b.noise(z)
		terms = append(terms, Term{cz, z})
	}
	b.combine(StateBuffer, terms...)
}

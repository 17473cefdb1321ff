package diffusion

import "math"

// DDIM is the sampler of Song, Meng & Ermon (2021, Eq. 12) for any affine process: from (x, t) to t_n,
//
//	x_n = alpha_n D + sqrt(sigma_n^2 - c^2) eps_hat + c z,  c = eta sigma_n sqrt(1 - e^{-2h}),
//
// h = lambda_n - lambda, eps_hat = (x - alpha D)/sigma. c^2 is eta^2 times the variance of the exact posterior
// q(x_n | x, x0), so eta = 0 is the deterministic DDIM (the first-order DPM-Solver) and eta = 1 is DDPM's
// ancestral sampler (Ho et al. 2020, Eq. 11 with the posterior variance beta-tilde), which NewSolver("ddpm")
// returns. Written this way every coefficient stays finite at zero signal and at sigma_n = 0.
type DDIM struct {
	Eta  float64
	name string
}

func (s DDIM) Name() string {
	if s.name != "" {
		return s.name
	}
	return "ddim"
}

func (s DDIM) Plan(p Process, times []float64) (*Plan, error) {
	return oneEvalPlan(s.Name(), p, times, s.Eta != 0, func(b *builder, c, cn Coefficients, d, z int) {
		ancestralStep(b, c, cn, s.Eta, d, z)
	})
}

// oneEvalPlan compiles a solver that evaluates the denoiser once per step, at the step's start, into buffer d
// and then applies step (with a noise buffer z when noisy, else z = -1): DDIM, DDPM and its large variance.
func oneEvalPlan(name string, p Process, times []float64, noisy bool, step func(b *builder, c, cn Coefficients, d, z int)) (*Plan, error) {
	cs, err := grid(p, times)
	if err != nil {
		return nil, err
	}
	b := newBuilder(name, p, times)
	d := b.alloc()
	z := -1
	if noisy {
		z = b.alloc()
	}
	b.condition(times[0])
	for i := 0; i+1 < len(cs); i++ {
		b.step = i
		b.eval(d, StateBuffer, cs[i].T)
		step(b, cs[i], cs[i+1], d, z)
		b.condition(cs[i+1].T)
	}
	return b.finish()
}

// ancestralStep appends the DDIM(eta) update of the state given its prediction in buffer d (noise in z).
func ancestralStep(b *builder, c, cn Coefficients, eta float64, d, z int) {
	h := cn.LogSNR - c.LogSNR
	cz := 0.0
	if eta != 0 && cn.Sigma > 0 {
		cz = eta * cn.Sigma * math.Sqrt(-math.Expm1(-2*h))
	}
	sdir := math.Sqrt(math.Max(cn.Sigma*cn.Sigma-cz*cz, 0))
	terms := []Term{{sdir / c.Sigma, StateBuffer}, {cn.Alpha - sdir*c.Alpha/c.Sigma, d}}
	if cz != 0 {
		b.noise(z)
		terms = append(terms, Term{cz, z})
	}
	b.combine(StateBuffer, terms...)
}

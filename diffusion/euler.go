package diffusion

import "math"

// Euler integrates the probability-flow ODE dx/dt = alpha' D + sigma' (x - alpha D)/sigma in the process's
// own time (Karras et al. 2022, Algorithm 1 with s(t) = alpha, sigma(t) = sigma/alpha, first-order step):
// x_n = x + (t_n - t) dx/dt. For EDM's process this is x_n = x + (sigma_n - sigma)(x - D)/sigma, and the last
// step to sigma = 0 returns D. For rectified flow it is the usual flow-matching Euler step.
type Euler struct{}

func (Euler) Name() string { return "euler" }

func (s Euler) Plan(p Process, times []float64) (*Plan, error) {
	cs, err := grid(p, times)
	if err != nil {
		return nil, err
	}
	b := newBuilder(s.Name(), p, times)
	d := b.alloc()
	b.condition(times[0])
	for i := 0; i+1 < len(cs); i++ {
		b.step = i
		b.eval(d, StateBuffer, cs[i].T)
		h := cs[i+1].T - cs[i].T
		b.combine(StateBuffer, sum([]Term{{1, StateBuffer}}, scaled(h, velocityOf(cs[i], StateBuffer, d)...))...)
		b.condition(cs[i+1].T)
	}
	return b.finish()
}

// Heun is EDM's second-order sampler (Karras et al. 2022, Algorithm 2; with SChurn = 0 it is the
// deterministic Algorithm 1). At each level the noise is first raised from sigma-hat to (1+gamma) sigma-hat by
// the forward process, gamma = min(SChurn/N, sqrt(2)-1) for sigma-hat in [STMin, STMax], then Euler's step is
// corrected by the trapezoidal rule, except on the final step to t = 0. N steps cost 2N-1 evaluations.
type Heun struct {
	SChurn       float64 // total churn; 0 is deterministic
	STMin, STMax float64 // sigma-hat range where churn applies; STMax = 0 means no upper bound
	SNoise       float64 // noise inflation; 0 means 1
}

func (Heun) Name() string { return "heun" }

func (s Heun) Plan(p Process, times []float64) (*Plan, error) {
	cs, err := grid(p, times)
	if err != nil {
		return nil, err
	}
	b := newBuilder(s.Name(), p, times)
	d, xp, d2 := b.alloc(), b.alloc(), b.alloc()
	var z int
	if s.SChurn > 0 {
		z = b.alloc()
	}
	snoise := s.SNoise
	if snoise == 0 {
		snoise = 1
	}
	steps := len(cs) - 1
	stmax := s.STMax
	if stmax == 0 {
		stmax = math.Inf(1)
	}
	b.condition(times[0])
	for i := 0; i < steps; i++ {
		b.step = i
		c, cn := cs[i], cs[i+1]
		sh := math.Exp(-c.LogSNR)
		if s.SChurn > 0 && !zeroSignal(c) && sh >= s.STMin && sh <= stmax {
			gamma := math.Min(s.SChurn/float64(steps), math.Sqrt2-1)
			ch := CoefficientsAt(p, p.TimeAtLogSNR(c.LogSNR-math.Log1p(gamma)))
			// Forward transition x_hat = (alpha_hat/alpha) x + sqrt(sigma_hat^2 - (alpha_hat sigma/alpha)^2) z.
			r := ch.Alpha / c.Alpha
			std := math.Sqrt(math.Max(ch.Sigma*ch.Sigma-r*r*c.Sigma*c.Sigma, 0)) * snoise
			b.noise(z)
			b.combine(StateBuffer, Term{r, StateBuffer}, Term{std, z})
			c = ch
		}
		b.eval(d, StateBuffer, c.T)
		h := cn.T - c.T
		v := velocityOf(c, StateBuffer, d)
		if cn.T == 0 {
			b.combine(StateBuffer, sum([]Term{{1, StateBuffer}}, scaled(h, v...))...)
		} else {
			b.combine(xp, sum([]Term{{1, StateBuffer}}, scaled(h, v...))...)
			b.eval(d2, xp, cn.T)
			b.combine(StateBuffer, sum([]Term{{1, StateBuffer}}, scaled(h/2, v...), scaled(h/2, velocityOf(cn, xp, d2)...))...)
		}
		b.condition(cn.T)
	}
	return b.finish()
}

// EulerMaruyama integrates the reverse-time SDE dx = [f x - g^2 grad log p_t(x)] dt + g dw (Anderson 1982;
// Song et al. 2021, Eq. 6) with f = alpha'/alpha, g^2 = d(sigma^2)/dt - 2 f sigma^2 = -2 sigma^2 lambda' and the
// score -(x - alpha D)/sigma^2. The last step to t = 0 is the noise-free denoising step x = D, as in Song et
// al.'s samplers; steps from zero signal, where f is infinite, are ancestral (posterior) steps.
type EulerMaruyama struct{}

func (EulerMaruyama) Name() string { return "euler-maruyama" }

func (s EulerMaruyama) Plan(p Process, times []float64) (*Plan, error) {
	cs, err := grid(p, times)
	if err != nil {
		return nil, err
	}
	b := newBuilder(s.Name(), p, times)
	d, z := b.alloc(), b.alloc()
	b.condition(times[0])
	for i := 0; i+1 < len(cs); i++ {
		b.step = i
		c, cn := cs[i], cs[i+1]
		b.eval(d, StateBuffer, c.T)
		switch {
		case cn.T == 0:
			b.combine(StateBuffer, Term{1, d})
		case zeroSignal(c):
			ancestralStep(b, c, cn, 1, d, z)
		default:
			h := cn.T - c.T // negative
			fa := c.DAlpha / c.Alpha
			fs := c.DSigma / c.Sigma
			g2 := 2 * c.Sigma * c.Sigma * (fs - fa)
			b.noise(z)
			b.combine(StateBuffer,
				Term{1 + h*(2*fs-fa), StateBuffer},
				Term{-2 * h * c.Alpha * (fs - fa), d},
				Term{math.Sqrt(-h * g2), z})
		}
		b.condition(cn.T)
	}
	return b.finish()
}

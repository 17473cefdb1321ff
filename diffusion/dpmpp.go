package diffusion

import (
	"fmt"
	"math"
)

// DPMSolverPP is the multistep DPM-Solver++ in data prediction (Lu et al. 2022b, "DPM-Solver++: Fast Solver for
// Guided Sampling of Diffusion Probabilistic Models", Algorithm 2 for 2M; the third-order 3M of diffusers'
// DPMSolverMultistepScheduler). With step sizes h = lambda_n - lambda_0 and ratios r_k = h_k/h of past steps,
//
//	2M: x_n = (sigma_n/sigma_0) x + alpha_n h phi_1(-h) (D_0 + (D_0 - D_-1)/(2 r_0))
//	3M: x_n = (sigma_n/sigma_0) x + alpha_n h [phi_1(-h) D_0 + phi_2(-h) D1 + 2 phi_3(-h) D2]
//
// with D1 ~ h D' and D2 ~ h^2 D”/2 the divided differences of diffusers' third-order update, so that the
// update matches the exact solution x_n = (sigma_n/sigma_0) x + alpha_n sum_k h^(k+1) phi_(k+1)(-h) D^(k)
// through k = 2. 2M is exactly k-diffusion's
// sample_dpmpp_2m. The first steps use the available lower order; the last step to sigma = 0 (h = +Inf) is first
// order, since the higher-order terms have no finite limit there.
//
// Beta in (0, 1) adds Polyak heavy-ball momentum to the 2M update (Wizadwongsa et al. 2023, "Diffusion Sampling
// with Momentum for Mitigating Divergence Artifacts", HB-DPM-Solver++): v <- (1-beta) v + beta (D_0 + D1/2),
// x_n = (sigma_n/sigma_0) x + alpha_n h phi_1(-h) v. Beta = 0 or 1 is plain 2M.
type DPMSolverPP struct {
	Order int     // 1, 2 or 3
	Beta  float64 // heavy-ball momentum for Order 2; 0 disables
	// DiffusersCompat weights the second divided difference of 3M as diffusers, k-diffusion and the DPM-Solver
	// reference code do, by alpha_n h phi_3(-h) instead of 2 alpha_n h phi_3(-h). That weighting is not exact for
	// a quadratic x0-prediction in lambda, so the published 3M converges at second order (see the package tests);
	// the default is the third-order weighting.
	DiffusersCompat bool
	// Orders, if set, is an explicit order per step (len(Orders) = steps, each in 1..Order; see
	// checkStepOrders): the per-step orders of S^3 and USF (Liu et al. 2023), searched by ScheduleSearch
	// with SearchOrders. Nil is the default sequence (DefaultStepOrders), which it reproduces exactly.
	Orders []int
}

func (s DPMSolverPP) Name() string {
	if s.Beta > 0 && s.Beta < 1 {
		return "hb-dpmpp"
	}
	return fmt.Sprintf("dpmpp-%dm", s.Order)
}

func (s DPMSolverPP) Plan(p Process, times []float64) (*Plan, error) {
	if s.Order < 1 || s.Order > 3 {
		return nil, fmt.Errorf("diffusion: DPM-Solver++ order must be 1, 2 or 3, got %d", s.Order)
	}
	momentum := s.Beta > 0 && s.Beta < 1
	if momentum && s.Order != 2 {
		return nil, fmt.Errorf("diffusion: heavy-ball DPM-Solver++ is defined for order 2, got %d", s.Order)
	}
	cs, err := grid(p, times)
	if err != nil {
		return nil, err
	}
	if s.Orders != nil {
		if momentum {
			return nil, fmt.Errorf("diffusion: heavy-ball DPM-Solver++ takes no explicit step orders")
		}
		if err := checkStepOrders(s, p, times, s.Orders); err != nil {
			return nil, err
		}
	}
	b := newBuilder(s.Name(), p, times)
	hist := newHistory(b, s.Order)
	vel, velStarted := -1, false
	if momentum {
		vel = b.alloc()
	}
	b.condition(times[0])
	for i := 0; i+1 < len(cs); i++ {
		b.step = i
		c, cn := cs[i], cs[i+1]
		d0 := b.alloc()
		b.eval(d0, StateBuffer, c.T)
		hist.push(d0, c)
		k := min(s.Order, hist.len())
		if cn.T == 0 {
			k = 1
		}
		if s.Orders != nil {
			k = s.Orders[i] // within 1..k by checkStepOrders
		}
		h := cn.LogSNR - c.LogSNR
		base := Term{cn.Sigma / c.Sigma, StateBuffer}
		w := cn.Alpha * h
		switch k {
		case 1:
			b.combine(StateBuffer, dataStep(c, cn, StateBuffer, d0)...)
		case 2:
			r0 := (c.LogSNR - hist.coefs[1].LogSNR) / h
			dd := []Term{{1 + 1/(2*r0), d0}, {-1 / (2 * r0), hist.bufs[1]}}
			if momentum {
				if velStarted {
					b.combine(vel, sum([]Term{{1 - s.Beta, vel}}, scaled(s.Beta, dd...))...)
				} else {
					b.combine(vel, dd...)
					velStarted = true
				}
				dd = []Term{{1, vel}}
			}
			b.combine(StateBuffer, sum([]Term{base}, scaled(w*phi(1, -h), dd...))...)
		case 3:
			m0, m1, m2 := d0, hist.bufs[1], hist.bufs[2]
			r0 := (c.LogSNR - hist.coefs[1].LogSNR) / h
			r1 := (hist.coefs[1].LogSNR - hist.coefs[2].LogSNR) / h
			// D1_0 = (m0 - m1)/r0, D1_1 = (m1 - m2)/r1,
			// D1 = D1_0 + r0/(r0+r1) (D1_0 - D1_1), D2 = (D1_0 - D1_1)/(r0+r1).
			d10 := []Term{{1 / r0, m0}, {-1 / r0, m1}}
			d11 := []Term{{1 / r1, m1}, {-1 / r1, m2}}
			diff := sum(d10, scaled(-1, d11...))
			dd1 := sum(d10, scaled(r0/(r0+r1), diff...))
			// D2 ~ h^2 D''/2, and the Taylor term of the exact solution is alpha_n h^3 phi_3(-h) D''.
			dd2 := scaled(2/(r0+r1), diff...)
			if s.DiffusersCompat {
				dd2 = scaled(1/(r0+r1), diff...)
			}
			b.combine(StateBuffer, sum([]Term{base, {w * phi(1, -h), m0}},
				scaled(w*phi(2, -h), dd1...), scaled(w*phi(3, -h), dd2...))...)
		}
		hist.dropZeroSignal()
		b.condition(cn.T)
	}
	return b.finish()
}

// DPMSolverPPSDE is DPM-Solver++(2M) for the diffusion SDE (Lu et al. 2022b, Sec. 5; k-diffusion's
// sample_dpmpp_2m_sde with the midpoint correction). With eta scaling the injected noise,
//
//	x_n = (sigma_n/sigma_0) e^{-eta h} x + alpha_n (1 - e^{-(1+eta) h}) (D_0 + (D_0 - D_-1)/(2 r_0))
//	      + sigma_n sqrt(1 - e^{-2 eta h}) z.
//
// eta = 0 is the ODE solver 2M. The last step to sigma = 0 returns D.
type DPMSolverPPSDE struct{ Eta float64 }

func (DPMSolverPPSDE) Name() string { return "dpmpp-2m-sde" }

func (s DPMSolverPPSDE) Plan(p Process, times []float64) (*Plan, error) {
	if s.Eta < 0 {
		return nil, fmt.Errorf("diffusion: dpmpp-2m-sde eta must be non-negative, got %v", s.Eta)
	}
	cs, err := grid(p, times)
	if err != nil {
		return nil, err
	}
	b := newBuilder(s.Name(), p, times)
	hist := newHistory(b, 2)
	z := b.alloc()
	b.condition(times[0])
	for i := 0; i+1 < len(cs); i++ {
		b.step = i
		c, cn := cs[i], cs[i+1]
		d0 := b.alloc()
		b.eval(d0, StateBuffer, c.T)
		hist.push(d0, c)
		if cn.T == 0 {
			b.combine(StateBuffer, Term{1, d0})
			b.condition(cn.T)
			continue
		}
		h := cn.LogSNR - c.LogSNR
		eh := s.Eta * h
		dd := []Term{{1, d0}}
		if hist.len() == 2 {
			r0 := (c.LogSNR - hist.coefs[1].LogSNR) / h
			dd = []Term{{1 + 1/(2*r0), d0}, {-1 / (2 * r0), hist.bufs[1]}}
		}
		terms := sum([]Term{{cn.Sigma / c.Sigma * math.Exp(-eh), StateBuffer}}, scaled(-cn.Alpha*math.Expm1(-h-eh), dd...))
		if eh > 0 {
			b.noise(z)
			terms = append(terms, Term{cn.Sigma * math.Sqrt(-math.Expm1(-2*eh)), z})
		}
		b.combine(StateBuffer, terms...)
		hist.dropZeroSignal()
		b.condition(cn.T)
	}
	return b.finish()
}

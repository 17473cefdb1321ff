package diffusion

import "fmt"

// DPMSolver is the singlestep DPM-Solver of Lu et al. (2022, "DPM-Solver: A Fast ODE Solver for Diffusion
// Probabilistic Model Sampling in Around 10 Steps"), in noise prediction. Order 1 is DDIM; order 2 is
// Algorithm 1 (DPM-Solver-2, r1 = 1/2); order 3 is Algorithm 2 (DPM-Solver-3, r1 = 1/3, r2 = 2/3). Each step of
// order k costs k evaluations at intermediate log-SNRs lambda + r h.
//
// The last step, to the data end where h = +Inf, and steps from zero signal are first order: their
// intermediate points would sit at infinite log-SNR (the log(0) failure of diffusers issue 9007).
type DPMSolver struct {
	Order int
	// Orders, if set, gives each step's order (len(Orders) must equal the number of steps), e.g. from
	// SinglestepOrders to spend an exact evaluation budget.
	Orders []int
}

func (s DPMSolver) Name() string { return fmt.Sprintf("dpm-solver-%d", s.Order) }

// SinglestepOrders spends nfe evaluations with steps of order at most maxOrder: as many full-order steps as
// fit, one lower-order step for the remainder, and the first-order final step (DPM-Solver's adaptive
// recipe, Lu et al. 2022, Sec. 3.4, with the final step at sigma = 0).
func SinglestepOrders(nfe, maxOrder int) []int {
	if nfe < 1 || maxOrder < 1 {
		return nil
	}
	r := nfe - 1
	var o []int
	for ; r >= maxOrder; r -= maxOrder {
		o = append(o, maxOrder)
	}
	if r > 0 {
		o = append(o, r)
	}
	return append(o, 1)
}

func (s DPMSolver) Plan(p Process, times []float64) (*Plan, error) {
	cs, err := grid(p, times)
	if err != nil {
		return nil, err
	}
	steps := len(cs) - 1
	orders := s.Orders
	if orders == nil {
		if s.Order < 1 || s.Order > 3 {
			return nil, fmt.Errorf("diffusion: DPM-Solver order must be 1, 2 or 3, got %d", s.Order)
		}
		orders = make([]int, steps)
		for i := range orders {
			orders[i] = s.Order
		}
	}
	if len(orders) != steps {
		return nil, fmt.Errorf("diffusion: DPM-Solver got %d orders for %d steps", len(orders), steps)
	}
	b := newBuilder(s.Name(), p, times)
	d0, u1, d1, u2, d2 := b.alloc(), b.alloc(), b.alloc(), b.alloc(), b.alloc()
	b.condition(times[0])
	for i := 0; i < steps; i++ {
		b.step = i
		c, cn := cs[i], cs[i+1]
		k := orders[i]
		if k < 1 || k > 3 {
			return nil, fmt.Errorf("diffusion: DPM-Solver step %d has order %d, want 1, 2 or 3", i, k)
		}
		if cn.T == 0 || zeroSignal(c) {
			k = 1
		}
		b.eval(d0, StateBuffer, c.T)
		h := cn.LogSNR - c.LogSNR
		eps0 := epsOf(c, StateBuffer, d0)
		// DDIM from (x, eps0) to any point; shared first term of every order.
		base := dataStep(c, cn, StateBuffer, d0)
		// epsDiff returns eps(u, D_u) - eps0 as terms.
		epsDiff := func(cu Coefficients, u, du int) []Term {
			return sum(epsOf(cu, u, du), scaled(-1, eps0...))
		}
		at := func(r float64) Coefficients { return CoefficientsAt(p, p.TimeAtLogSNR(c.LogSNR+r*h)) }
		switch k {
		case 1:
			b.combine(StateBuffer, base...)
		case 2:
			const r1 = 0.5
			c1 := at(r1)
			b.combine(u1, dataStep(c, c1, StateBuffer, d0)...)
			b.eval(d1, u1, c1.T)
			// x_n = DDIM - sigma_n/(2 r1) (e^h - 1)(eps1 - eps0)   (Algorithm 1)
			corr := -cn.Sigma / (2 * r1) * h * phi(1, h)
			b.combine(StateBuffer, sum(base, scaled(corr, epsDiff(c1, u1, d1)...))...)
		case 3:
			const r1, r2 = 1.0 / 3, 2.0 / 3
			c1, c2 := at(r1), at(r2)
			b.combine(u1, dataStep(c, c1, StateBuffer, d0)...)
			b.eval(d1, u1, c1.T)
			e1 := epsDiff(c1, u1, d1)
			// u2 = DDIM(s2) - sigma_s2 (r2/r1) ((e^{r2 h} - 1)/(r2 h) - 1) D1, and (e^x-1)/x - 1 = x phi_2(x).
			k2 := -c2.Sigma * (r2 / r1) * (r2 * h) * phi(2, r2*h)
			b.combine(u2, sum(dataStep(c, c2, StateBuffer, d0), scaled(k2, e1...))...)
			b.eval(d2, u2, c2.T)
			// x_n = DDIM - sigma_n/r2 ((e^h - 1)/h - 1) D2   (Algorithm 2)
			k3 := -cn.Sigma / r2 * h * phi(2, h)
			b.combine(StateBuffer, sum(base, scaled(k3, epsDiff(c2, u2, d2)...))...)
		}
		b.condition(cn.T)
	}
	return b.finish()
}

package diffusion

import (
	"fmt"

	"gonum.org/v1/gonum/integrate/quad"
)

// DEIS is the time-based Adams-Bashforth exponential integrator tAB-DEIS of Zhang & Chen (2023, "Fast Sampling
// of Diffusion Models with Exponential Integrator", Eq. 15). In x-hat = x/alpha the probability-flow ODE is
// d x-hat = eps d sigma-hat with sigma-hat = sigma/alpha; DEIS extrapolates eps by the Lagrange polynomial
// through its last `Order` values in t and integrates it exactly:
//
//	x-hat_n = x-hat + sum_j C_j eps_j,  C_j = integral over [sigma-hat(t), sigma-hat(t_n)] of L_j(t(s)) ds,
//
// with the integrals by 24-point Gauss-Legendre quadrature in sigma-hat (smooth there, including the final
// interval to sigma-hat = 0). The first steps use the available lower order.
type DEIS struct{ Order int }

func (s DEIS) Name() string { return fmt.Sprintf("deis-%d", s.Order) }

func (s DEIS) Plan(p Process, times []float64) (*Plan, error) {
	if s.Order < 1 || s.Order > 4 {
		return nil, fmt.Errorf("diffusion: DEIS order must be 1 to 4, got %d", s.Order)
	}
	cs, err := grid(p, times)
	if err != nil {
		return nil, err
	}
	b := newBuilder(s.Name(), p, times)
	hist := newHistory(b, s.Order)
	d := b.alloc()
	b.condition(times[0])
	for i := 0; i+1 < len(cs); i++ {
		b.step = i
		c, cn := cs[i], cs[i+1]
		b.eval(d, StateBuffer, c.T)
		e := b.alloc()
		b.combine(e, epsOf(c, StateBuffer, d)...)
		hist.push(e, c)
		if zeroSignal(c) {
			b.combine(StateBuffer, dataStep(c, cn, StateBuffer, d)...)
			b.condition(cn.T)
			continue
		}
		nodes := make([]float64, hist.len())
		for j := range nodes {
			nodes[j] = hist.coefs[j].T
		}
		terms := []Term{{cn.Alpha / c.Alpha, StateBuffer}}
		lo, hi := cn.Sigma/cn.Alpha, c.Sigma/c.Alpha
		for j := range nodes {
			// C_j integrates from sigma-hat(t) down to sigma-hat(t_n): minus the integral over [lo, hi].
			cj := -quad.Fixed(func(sh float64) float64 {
				return lagrange(nodes, j, p.TimeAtLogSNR(-logPositive(sh)))
			}, lo, hi, 24, quad.Legendre{}, 0)
			terms = append(terms, Term{cn.Alpha * cj, hist.bufs[j]})
		}
		b.combine(StateBuffer, terms...)
		b.condition(cn.T)
	}
	return b.finish()
}

// lagrange evaluates the j-th Lagrange basis polynomial through nodes at x.
func lagrange(nodes []float64, j int, x float64) float64 {
	v := 1.0
	for k, xk := range nodes {
		if k != j {
			v *= (x - xk) / (nodes[j] - xk)
		}
	}
	return v
}

package diffusion

import (
	"fmt"
	"math"
)

// abCoefficients are the Adams-Bashforth weights for orders 1-4 on a uniform grid, newest first.
var abCoefficients = [...][]float64{
	{1},
	{3.0 / 2, -1.0 / 2},
	{23.0 / 12, -16.0 / 12, 5.0 / 12},
	{55.0 / 24, -59.0 / 24, 37.0 / 24, -9.0 / 24},
}

// abTerms returns the Adams-Bashforth combination of the newest min(order, len) history buffers.
func abTerms(h *history, order int) []Term {
	m := min(order, h.len())
	w := abCoefficients[m-1]
	terms := make([]Term, m)
	for j := range terms {
		terms[j] = Term{w[j], h.bufs[j]}
	}
	return terms
}

// PNDM is the pseudo linear multistep sampler of Liu et al. (2022, "Pseudo Numerical Methods for Diffusion
// Models on Manifolds"): the fourth-order Adams-Bashforth combination of past noise predictions (PLMS, Eq. 12)
// fed to the DDIM transfer, x_n = transfer(x, e'). The history is warmed up by
//
//	"prk":         three pseudo Runge-Kutta steps (Eq. 13; 4 evaluations each, midpoints in t)
//	"skip":        diffusers' PLMS with skip_prk_steps: a pseudo-improved-Euler first step (2 evaluations),
//	               then Adams-Bashforth of increasing order
//	"lower-order": Adams-Bashforth of increasing order from the first step; this is iPNDM (Zhang & Chen 2023)
//
// The fixed Adams-Bashforth weights assume equal steps, so on non-uniform grids the method is not of fourth
// order; it is the published algorithm.
type PNDM struct{ Warmup string }

func (s PNDM) Name() string {
	switch s.Warmup {
	case "skip":
		return "plms"
	case "lower-order":
		return "ipndm"
	}
	return "pndm"
}

func (s PNDM) Plan(p Process, times []float64) (*Plan, error) {
	switch s.Warmup {
	case "prk", "skip", "lower-order":
	default:
		return nil, fmt.Errorf("diffusion: PNDM warm-up must be prk, skip or lower-order, got %q", s.Warmup)
	}
	cs, err := grid(p, times)
	if err != nil {
		return nil, err
	}
	steps := len(cs) - 1
	b := newBuilder(s.Name(), p, times)
	hist := newHistory(b, 4)
	d, u := b.alloc(), b.alloc()
	b.condition(times[0])
	for i := 0; i < steps; i++ {
		b.step = i
		c, cn := cs[i], cs[i+1]
		b.eval(d, StateBuffer, c.T)
		e := b.alloc()
		b.combine(e, epsOf(c, StateBuffer, d)...)
		hist.push(e, c)
		switch {
		case zeroSignal(c):
			b.combine(StateBuffer, dataStep(c, cn, StateBuffer, d)...)
		case s.Warmup == "prk" && i < 3 && i < steps-1:
			tm := (c.T + cn.T) / 2
			cm := CoefficientsAt(p, tm)
			e2, e3, e4 := b.alloc(), b.alloc(), b.alloc()
			b.combine(u, transfer(c, cm, StateBuffer, []Term{{1, e}})...)
			b.eval(d, u, cm.T)
			b.combine(e2, epsOf(cm, u, d)...)
			b.combine(u, transfer(c, cm, StateBuffer, []Term{{1, e2}})...)
			b.eval(d, u, cm.T)
			b.combine(e3, epsOf(cm, u, d)...)
			b.combine(u, transfer(c, cn, StateBuffer, []Term{{1, e3}})...)
			b.eval(d, u, cn.T)
			b.combine(e4, epsOf(cn, u, d)...)
			b.combine(StateBuffer, transfer(c, cn, StateBuffer,
				[]Term{{1.0 / 6, e}, {2.0 / 6, e2}, {2.0 / 6, e3}, {1.0 / 6, e4}})...)
			b.release(e2, e3, e4)
		case s.Warmup == "skip" && i == 0 && steps > 1:
			e1 := b.alloc()
			b.combine(u, transfer(c, cn, StateBuffer, []Term{{1, e}})...)
			b.eval(d, u, cn.T)
			b.combine(e1, epsOf(cn, u, d)...)
			b.combine(StateBuffer, transfer(c, cn, StateBuffer, []Term{{0.5, e}, {0.5, e1}})...)
			b.release(e1)
		default:
			b.combine(StateBuffer, transfer(c, cn, StateBuffer, abTerms(hist, 4))...)
		}
		b.condition(cn.T)
	}
	return b.finish()
}

// Momentum adds Polyak heavy-ball (HB) or generalised heavy-ball (GHVB) momentum to PLMS with lower-order
// warm-up (Wizadwongsa et al. 2023, "Diffusion Sampling with Momentum for Mitigating Divergence Artifacts",
// Sec. 4). With e_n the noise prediction and AB_k the Adams-Bashforth combination of order k:
//
//	HB:   v <- (1-beta) v + beta AB_k(e),           x-hat_n = x-hat + (sigma-hat_n - sigma-hat) v
//	GHVB: v_n = (1-beta) v_{n-1} + beta e_n,        x-hat_n = x-hat + (sigma-hat_n - sigma-hat) AB_k^beta(v)
//
// where AB_k^beta are the generalised weights of the paper (Eq. 17; AB_k at beta = 1). Beta = 1 recovers PLMS;
// smaller beta damps the oscillations that high-order solvers show at large guidance scales.
type Momentum struct {
	Order       int     // Adams-Bashforth order 1-4
	Beta        float64 // momentum in (0, 1]
	Generalized bool    // GHVB instead of HB
}

func (s Momentum) Name() string {
	if s.Generalized {
		return "ghvb-pndm"
	}
	return "hb-pndm"
}

// ghvbWeights are the generalised Adams-Bashforth weights of GHVB for order k and momentum beta, newest first.
func ghvbWeights(k int, beta float64) []float64 {
	var w []float64
	switch k {
	case 1:
		w = []float64{beta}
	case 2:
		w = []float64{(2 + beta) / 2, -(2 - beta) / 2}
	case 3:
		w = []float64{(18 + 5*beta) / 12, -(24 - 8*beta) / 12, (6 - beta) / 12}
	case 4:
		w = []float64{(46 + 9*beta) / 24, -(78 - 19*beta) / 24, (42 - 5*beta) / 24, -(10 - beta) / 24}
	}
	for i := range w {
		w[i] /= beta
	}
	return w
}

func (s Momentum) Plan(p Process, times []float64) (*Plan, error) {
	if s.Order < 1 || s.Order > 4 {
		return nil, fmt.Errorf("diffusion: %s order must be 1 to 4, got %d", s.Name(), s.Order)
	}
	if !(s.Beta > 0 && s.Beta <= 1) || math.IsNaN(s.Beta) {
		return nil, fmt.Errorf("diffusion: %s beta must be in (0, 1], got %v", s.Name(), s.Beta)
	}
	cs, err := grid(p, times)
	if err != nil {
		return nil, err
	}
	b := newBuilder(s.Name(), p, times)
	hist := newHistory(b, s.Order)
	d, vel := b.alloc(), b.alloc()
	for i := 0; i+1 < len(cs); i++ {
		b.step = i
		if i == 0 {
			b.condition(times[0])
		}
		c, cn := cs[i], cs[i+1]
		b.eval(d, StateBuffer, c.T)
		e := b.alloc()
		b.combine(e, epsOf(c, StateBuffer, d)...)
		var update []Term
		if s.Generalized {
			// v_n = (1-beta) v_{n-1} + beta e_n, kept as the history; e becomes v_n.
			if i > 0 {
				b.combine(e, Term{1 - s.Beta, hist.bufs[0]}, Term{s.Beta, e})
			}
			hist.push(e, c)
			m := min(s.Order, hist.len())
			for j, w := range ghvbWeights(m, s.Beta) {
				update = append(update, Term{w, hist.bufs[j]})
			}
		} else {
			hist.push(e, c)
			ab := abTerms(hist, s.Order)
			if i == 0 {
				b.combine(vel, ab...)
			} else {
				b.combine(vel, sum([]Term{{1 - s.Beta, vel}}, scaled(s.Beta, ab...))...)
			}
			update = []Term{{1, vel}}
		}
		if zeroSignal(c) {
			b.combine(StateBuffer, dataStep(c, cn, StateBuffer, d)...)
		} else {
			b.combine(StateBuffer, transfer(c, cn, StateBuffer, update)...)
		}
		b.condition(cn.T)
	}
	return b.finish()
}

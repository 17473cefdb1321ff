package diffusion

import (
	"fmt"
	"math"
)

// UniPC is the unified predictor-corrector of Zhao et al. (2023, "UniPC: A Unified Predictor-Corrector Framework
// for Fast Sampling of Diffusion Models"), in data prediction, as in diffusers' UniPCMultistepScheduler. With
// hh = -h, B(h) = hh ("bh1") or e^hh - 1 ("bh2"), and r_k the log-SNR ratios of past outputs,
//
//	UniP-p:  x_n = (sigma_n/sigma_0) x - alpha_n (e^hh - 1) m_0 - alpha_n B(h) sum_k rho_k (m_k - m_0)/r_k
//	UniC-p:  the same from the previous state with the new output m_t as an extra node (rho from R rho = b),
//
// where R_ik = r_k^(i-1), b_i = hh phi_{i+1}(hh) i!/B(h) (Eqs. 8-10); order 2 uses rho = 1/2. The corrector
// reuses the evaluation the next predictor needs anyway, so it costs no extra evaluation. Orders warm up from
// 1, the last steps use min(p, steps left) (diffusers' lower_order_final), and the final step to sigma = 0 is
// first order and not corrected.
type UniPC struct {
	Order       int    // 1, 2 or 3
	Variant     string // "bh1" or "bh2" (default)
	NoCorrector bool
	// Orders, if set, is the predictor's explicit order per step (len(Orders) = steps, each in 1..Order;
	// see checkStepOrders); the corrector at the next point uses the same nodes plus the new output, as it
	// does by default. Nil is the default sequence (DefaultStepOrders), which it reproduces exactly.
	Orders []int
}

func (s UniPC) Name() string { return fmt.Sprintf("unipc-%d", s.Order) }

func (s UniPC) Plan(p Process, times []float64) (*Plan, error) {
	if s.Order < 1 || s.Order > 3 {
		return nil, fmt.Errorf("diffusion: UniPC order must be 1, 2 or 3, got %d", s.Order)
	}
	variant := s.Variant
	if variant == "" {
		variant = "bh2"
	}
	if variant != "bh1" && variant != "bh2" {
		return nil, fmt.Errorf("diffusion: UniPC variant must be bh1 or bh2, got %q", s.Variant)
	}
	cs, err := grid(p, times)
	if err != nil {
		return nil, err
	}
	steps := len(cs) - 1
	if s.Orders != nil {
		if err := checkStepOrders(s, p, times, s.Orders); err != nil {
			return nil, err
		}
	}
	b := newBuilder(s.Name(), p, times)
	// hist holds model outputs m_0 (newest), m_1, ...; `last` holds the corrected state the predictor starts
	// from, while the state buffer holds the predicted state the model is evaluated at.
	hist := newHistory(b, s.Order)
	last := b.alloc()
	prevOrder := 0
	var prev Coefficients
	b.condition(times[0])
	for i := 0; i < steps; i++ {
		b.step = i
		c, cn := cs[i], cs[i+1]
		mt := b.alloc()
		b.eval(mt, StateBuffer, c.T)
		final := cn.T == 0
		if i == 0 {
			b.combine(last, Term{1, StateBuffer})
		} else if !s.NoCorrector && !final && !zeroSignal(prev) {
			// UniC: correct the state at c from `last` (at prev) using the outputs so far and m_t.
			b.combine(last, uniTerms(variant, prev, c, last, hist, prevOrder, mt)...)
			b.conditionBuf(last, c.T)
		} else {
			b.combine(last, Term{1, StateBuffer})
		}
		hist.push(mt, c)
		hist.dropZeroSignal()
		order := min(s.Order, steps-i, max(hist.len(), 1))
		if final || zeroSignal(c) {
			order = 1
		}
		if s.Orders != nil {
			order = s.Orders[i] // within the feasible range by checkStepOrders
		}
		if zeroSignal(c) {
			b.combine(StateBuffer, dataStep(c, cn, last, mt)...)
		} else {
			b.combine(StateBuffer, uniTerms(variant, c, cn, last, hist, order, -1)...)
		}
		prevOrder, prev = order, c
		b.condition(cn.T)
	}
	return b.finish()
}

// uniTerms builds UniP (mt < 0) or UniC (mt = buffer of the output at cn) of the given order from state x at
// c, with hist.bufs[0] the output at c and older outputs after it.
func uniTerms(variant string, c, cn Coefficients, x int, hist *history, order, mt int) []Term {
	h := cn.LogSNR - c.LogSNR
	hh := -h
	m0 := hist.bufs[0]
	// Nodes r_k for k = 1..order-1 from the history, then r = 1 (the target point).
	var rks []float64
	var d1s [][]Term
	for k := 1; k < order && k < hist.len(); k++ {
		rk := (hist.coefs[k].LogSNR - c.LogSNR) / h
		rks = append(rks, rk)
		d1s = append(d1s, []Term{{1 / rk, hist.bufs[k]}, {-1 / rk, m0}})
	}
	order = len(rks) + 1
	rks = append(rks, 1)
	bh := hh
	if variant == "bh2" {
		bh = math.Expm1(hh)
	}
	// b_i = hh phi_{i+1}(hh) i! / B(h), i = 1..order; R_ik = r_k^(i-1).
	bvec := make([]float64, order)
	fact := 1.0
	for i := 1; i <= order; i++ {
		fact *= float64(i)
		bvec[i-1] = hh * phi(i+1, hh) * fact / bh
	}
	R := make([][]float64, order)
	for i := range R {
		R[i] = make([]float64, order)
		for k := range R[i] {
			R[i][k] = math.Pow(rks[k], float64(i))
		}
	}
	terms := []Term{{cn.Sigma / c.Sigma, x}, {-cn.Alpha * math.Expm1(hh), m0}}
	w := -cn.Alpha * bh
	if mt < 0 {
		// Predictor: rho from the (order-1) x (order-1) leading block; 1/2 for order 2.
		if order == 1 {
			return terms
		}
		var rho []float64
		if order == 2 {
			rho = []float64{0.5}
		} else {
			rho = solveSmall(sub(R, order-1), bvec[:order-1])
		}
		for k, d := range d1s {
			terms = append(terms, scaled(w*rho[k], d...)...)
		}
		return terms
	}
	// Corrector: rho from the full system; 1/2 for order 1.
	var rho []float64
	if order == 1 {
		rho = []float64{0.5}
	} else {
		rho = solveSmall(R, bvec)
	}
	for k, d := range d1s {
		terms = append(terms, scaled(w*rho[k], d...)...)
	}
	return append(terms, Term{w * rho[order-1], mt}, Term{-w * rho[order-1], m0})
}

func sub(a [][]float64, n int) [][]float64 {
	out := make([][]float64, n)
	for i := range out {
		out[i] = append([]float64(nil), a[i][:n]...)
	}
	return out
}

// solveSmall solves a x = y for a small dense system by Gaussian elimination with partial pivoting.
func solveSmall(a [][]float64, y []float64) []float64 {
	n := len(y)
	m := make([][]float64, n)
	for i := range m {
		m[i] = append(append([]float64(nil), a[i]...), y[i])
	}
	for col := 0; col < n; col++ {
		piv := col
		for r := col + 1; r < n; r++ {
			if math.Abs(m[r][col]) > math.Abs(m[piv][col]) {
				piv = r
			}
		}
		m[col], m[piv] = m[piv], m[col]
		for r := col + 1; r < n; r++ {
			f := m[r][col] / m[col][col]
			for k := col; k <= n; k++ {
				m[r][k] -= f * m[col][k]
			}
		}
	}
	x := make([]float64, n)
	for r := n - 1; r >= 0; r-- {
		s := m[r][n]
		for k := r + 1; k < n; k++ {
			s -= m[r][k] * x[k]
		}
		x[r] = s / m[r][r]
	}
	return x
}

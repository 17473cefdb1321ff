package diffusion

import (
	"fmt"
	"math"
)

// DPMSolverV3 is the multistep predictor-corrector of DPM-Solver-v3 (Zheng et al. 2023, Sec. 3.2-3.3 and
// Algorithm 1) on empirical model statistics (see Statistics). From the state x_s at lambda_s, with
// f_j = (sigma_j eps_j - l_j x_j)/alpha_j the model outputs kept from earlier points lambda_j and
// g_j = e^{-S(lambda_j)} f_j - B(lambda_j) their remainders relative to lambda_s, the order-n update
// Taylor-expands g around lambda_s in the exact solution (see Statistics):
//
//	x_t = (alpha_t/alpha_s) e^{-L_t} x_s - alpha_t e^{-L_t} [ I g_0 + C + sum_{k=1}^{n-1} M_k g^(k) ],
//	I = int E, C = int E B, M_k = int E (lambda - lambda_s)^k/k!   (over [lambda_s, lambda_t], E = e^{L+S}),
//
// every product per coordinate. The derivatives g^(k) come from the n - 1 nearest earlier points: with
// pseudo-order (the default, the paper's choice for few steps) g^(k) = k! g[lambda_s, lambda_1, ..., lambda_k],
// the Newton divided differences; with FullOrder from the Vandermonde system g_j - g_0 = sum_k
// (lambda_j - lambda_s)^k/k! g^(k). The predictor's order warms up as points accumulate and, as in the paper,
// falls near the end (order min(Order, steps left)). After each evaluation at lambda_i the corrector recomputes
// x_i from x_{i-1} with the new output as an extra point (order one above the predictor that produced x_i, with
// pseudo-order divided differences, the paper's pseudo-order corrector); the output is kept as f_i, so the
// correction costs no evaluation. The last interval, to t = 0 (lambda = +Inf, outside any statistics), is the
// data step every solver here ends with, x = D at the last corrected state, D = ((1 - l) x)/alpha - f.
//
// The coefficients depend on the coordinate, so the plans use OpCombineDim. The statistics must cover the
// log-SNRs of the grid (excluding t = 0); processes starting at zero signal (flow, trig) are refused.
type DPMSolverV3 struct {
	Stats       Statistics
	Order       int  // predictor order, 1, 2 or 3
	FullOrder   bool // solve for the derivatives instead of the pseudo-order divided differences
	NoCorrector bool
}

func (s DPMSolverV3) Name() string { return fmt.Sprintf("dpm-solver-v3-%d", s.Order) }

func (s DPMSolverV3) Plan(p Process, times []float64) (*Plan, error) {
	if s.Order < 1 || s.Order > 3 {
		return nil, fmt.Errorf("diffusion: DPM-Solver-v3 order must be 1, 2 or 3, got %d", s.Order)
	}
	if s.Stats == nil {
		return nil, fmt.Errorf("diffusion: DPM-Solver-v3 needs empirical model statistics (ComputeEMS or LoadEMS)")
	}
	cs, err := grid(p, times)
	if err != nil {
		return nil, err
	}
	steps := len(cs) - 1
	lo, hi := s.Stats.Range()
	tol := 1e-9 * max(1, math.Abs(lo), math.Abs(hi))
	for _, c := range cs[:steps] {
		if math.IsInf(c.LogSNR, 0) || math.IsNaN(c.LogSNR) {
			return nil, fmt.Errorf("diffusion: DPM-Solver-v3 needs a finite log-SNR before the last step, got %v at t = %v", c.LogSNR, c.T)
		}
		if c.LogSNR < lo-tol || c.LogSNR > hi+tol {
			return nil, fmt.Errorf("diffusion: DPM-Solver-v3 statistics cover log-SNR [%v, %v], the grid visits %v at t = %v", lo, hi, c.LogSNR, c.T)
		}
	}
	d := s.Stats.Dim()
	b := newBuilder(s.Name(), p, times)
	v := v3Builder{b: b, st: s.Stats, d: d}
	// fs[0] is the newest output f_i (buffer), lams the log-SNRs; cur holds the corrected state x_i while the
	// state buffer holds the predicted one the model is evaluated at.
	var fs []int
	var lams []float64
	cur := b.alloc()
	pOrder := 0
	b.condition(times[0])
	for i := 0; i < steps; i++ {
		b.step = i
		c, cn := cs[i], cs[i+1]
		dbuf := b.alloc()
		b.eval(dbuf, StateBuffer, c.T)
		l := v.stats(c.LogSNR)
		fi := b.alloc()
		// f_i = ((1 - l) x)/alpha - D.
		b.combineDim(fi, nil, Term{1, StateBuffer}, mapVec(l, func(x float64) float64 { return (1 - x) / c.Alpha }), Term{-1, dbuf}, nil)
		b.release(dbuf)
		fs = append([]int{fi}, fs...)
		lams = append([]float64{c.LogSNR}, lams...)
		if i > 0 && !s.NoCorrector {
			// Points: lambda_{i-1} (base), lambda_i (new), then older ones.
			n := min(pOrder+1, len(fs))
			idx := []int{1, 0}
			for k := 2; k < n; k++ {
				idx = append(idx, k)
			}
			v.update(cur, cur, cs[i-1], c, pick(fs, idx), pick(lams, idx), true)
			b.conditionBuf(cur, c.T)
		} else {
			b.combine(cur, Term{1, StateBuffer})
		}
		if n := s.Order + 1; len(fs) > n {
			b.release(fs[n:]...)
			fs, lams = fs[:n], lams[:n]
		}
		if cn.T == 0 {
			b.combineDim(StateBuffer, nil, Term{1, cur}, mapVec(l, func(x float64) float64 { return (1 - x) / c.Alpha }), Term{-1, fi}, nil)
		} else {
			pOrder = min(s.Order, i+1, steps-1-i)
			idx := make([]int, pOrder)
			for k := range idx {
				idx[k] = k
			}
			v.update(StateBuffer, cur, c, cn, pick(fs, idx), pick(lams, idx), !s.FullOrder)
		}
		b.condition(cn.T)
	}
	return b.finish()
}

// v3Builder emits DPM-Solver-v3 updates.
type v3Builder struct {
	b  *builder
	st Statistics
	d  int
}

func (v v3Builder) stats(lambda float64) []float64 {
	l, s, bb := make([]float64, v.d), make([]float64, v.d), make([]float64, v.d)
	v.st.At(lambda, l, s, bb)
	return l
}

// update writes into dst the order-len(fs) step from state x at cs to ct, with fs[k] the outputs at
// lams[k] and lams[0] = cs's log-SNR.
func (v v3Builder) update(dst, x int, cs, ct Coefficients, fs []int, lams []float64, pseudo bool) {
	n := len(fs)
	d := v.d
	ls := cs.LogSNR
	// Remainder weights: g_j = e^{-S_j} f_j - B_j.
	eS := make([][]float64, n)
	Bj := make([][]float64, n)
	for j := range fs {
		in := v3Integrate(v.st, ls, lams[j], 0)
		eS[j] = mapVec(in.S, func(x float64) float64 { return math.Exp(-x) })
		Bj[j] = in.B
	}
	w := derivativeWeights(lams, pseudo)
	in := v3Integrate(v.st, ls, ct.LogSNR, n-1)
	vecs := make([][]float64, 0, n+1)
	terms := make([]Term, 0, n+1)
	bias := make([]float64, d)
	xc := make([]float64, d)
	for k := 0; k < d; k++ {
		eL := math.Exp(-in.L[k])
		xc[k] = ct.Alpha / cs.Alpha * eL
		bias[k] = -ct.Alpha * eL * in.C[k]
	}
	vecs, terms = append(vecs, xc), append(terms, Term{1, x})
	for j := range fs {
		cv := make([]float64, d)
		for k := 0; k < d; k++ {
			a := 0.0
			if j == 0 {
				a = in.I[k]
			}
			for m := 1; m < n; m++ {
				a += in.M[m-1][k] * w[m-1][j]
			}
			scale := -ct.Alpha * math.Exp(-in.L[k])
			cv[k] = scale * a * eS[j][k]
			bias[k] -= scale * a * Bj[j][k]
		}
		vecs, terms = append(vecs, cv), append(terms, Term{1, fs[j]})
	}
	v.b.combineDimVecs(dst, terms, vecs, bias)
}

// derivativeWeights returns w with g^(k) = sum_j w[k-1][j] g_j, k = 1..n-1, from values at lams (lams[0]
// the expansion point): Newton divided differences times k! (pseudo) or the Vandermonde solve.
func derivativeWeights(lams []float64, pseudo bool) [][]float64 {
	n := len(lams)
	w := make([][]float64, n-1)
	fact := 1.0
	for k := 1; k < n; k++ {
		fact *= float64(k)
		w[k-1] = make([]float64, n)
		if pseudo {
			for j := 0; j <= k; j++ {
				den := 1.0
				for m := 0; m <= k; m++ {
					if m != j {
						den *= lams[j] - lams[m]
					}
				}
				w[k-1][j] = fact / den
			}
		}
	}
	if pseudo || n == 1 {
		return w
	}
	r := make([][]float64, n-1)
	for j := 1; j < n; j++ {
		r[j-1] = make([]float64, n-1)
		for k := 1; k < n; k++ {
			r[j-1][k-1] = math.Pow(lams[j]-lams[0], float64(k))
		}
	}
	fact = 1
	for k := 1; k < n; k++ {
		fact *= float64(k)
	}
	// Column j of R^-1 from the unit right-hand side e_j.
	for j := 1; j < n; j++ {
		e := make([]float64, n-1)
		e[j-1] = 1
		col := solveSmall(r, e)
		f := 1.0
		for k := 1; k < n; k++ {
			f *= float64(k)
			w[k-1][j] = f * col[k-1]
			w[k-1][0] -= f * col[k-1]
		}
	}
	return w
}

func pick[T any](xs []T, idx []int) []T {
	out := make([]T, len(idx))
	for i, k := range idx {
		out[i] = xs[k]
	}
	return out
}

func mapVec(x []float64, f func(float64) float64) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = f(v)
	}
	return out
}

// combineDim appends dst = bias + t1.Coef v1 buf1 + t2.Coef v2 buf2 per coordinate (v2 nil: scalar t2).
func (b *builder) combineDim(dst int, bias []float64, t1 Term, v1 []float64, t2 Term, v2 []float64) {
	if v2 == nil {
		v2 = mapVec(v1, func(float64) float64 { return 1 })
	}
	b.combineDimVecs(dst, []Term{t1, t2}, [][]float64{v1, v2}, bias)
}

// combineDimVecs appends an OpCombineDim, checking every coefficient for finiteness.
func (b *builder) combineDimVecs(dst int, terms []Term, vecs [][]float64, bias []float64) {
	for i, v := range append(vecs[:len(vecs):len(vecs)], bias) {
		if v == nil {
			continue
		}
		for _, x := range v {
			if (math.IsNaN(x) || math.IsInf(x, 0)) && b.err == nil {
				b.err = fmt.Errorf("diffusion: %s: non-finite per-dimension coefficient in term %d at step %d (t = %v)",
					b.plan.Solver, i, b.step, b.plan.Times[b.step])
			}
		}
	}
	b.plan.Ops = append(b.plan.Ops, Op{Kind: OpCombineDim, Dst: dst, Terms: terms, Vecs: vecs, Bias: bias, Step: b.step})
}

// EMSSolverNames lists the solvers that need empirical model statistics (NewSolverWithStats): DPM-Solver-v3
// of predictor order 1, 2 and 3, with the paper's defaults (pseudo-order, corrector).
func EMSSolverNames() []string {
	return []string{"dpm-solver-v3-1", "dpm-solver-v3-2", "dpm-solver-v3-3"}
}

// NewSolverWithStats returns a solver of EMSSolverNames on statistics st.
func NewSolverWithStats(name string, st Statistics) (Solver, error) {
	for i, n := range EMSSolverNames() {
		if n == name {
			if st == nil {
				return nil, fmt.Errorf("diffusion: %s needs empirical model statistics", name)
			}
			return DPMSolverV3{Stats: st, Order: i + 1}, nil
		}
	}
	return nil, fmt.Errorf("diffusion: unknown statistics solver %q (want one of %v)", name, EMSSolverNames())
}

package burgers

import (
	"context"
	"fmt"
	"math"

	"github.com/trajdiff/trajdiff/pde"
)

// Adjoint computes the control cost J (see Objective) and its exact gradient with respect to the
// coarse control f (K x N) through the discrete scheme the Solver runs: forward Euler, central
// differences, zero ghosts, the control carried to the fine grid by the solver's linear
// interpolation and the final state injected at the coarse points. It is the discrete adjoint
// (reverse-mode derivative) of the solver, exact up to rounding, not a discretised continuous adjoint.
//
// Memory: the forward sweep keeps the fine state at the start of every control interval (K x M
// values). The backward sweep recomputes each interval from its checkpoint; when an interval's states
// (StepsPerFrame x M values) exceed a tape of 2^20 values, it is recomputed in blocks of about
// sqrt(StepsPerFrame) steps from block checkpoints instead (WDNOParams: 88 blocks of at most 88 steps,
// 2 x 88 x 1935 values). A gradient therefore costs three forward solves' work (four with blocks).
//
// An Adjoint holds scratch buffers and is not safe for concurrent use; make one per goroutine.
type Adjoint struct {
	p              Params
	n, k, m, steps int
	dt, dx         float64
	tapeLimit      int       // most fine states one recomputed block may hold (tests lower it)
	ckpt           []float64 // K x M fine states at the start of each interval
	block          []float64 // block checkpoints of one interval, nb x M
	tape           []float64 // fine states before each step of one block, steps-per-block x M
	g              []float64 // fine control of the current interval
	u, v           []float64 // forward scratch
	lam, lamNext   []float64 // adjoint states
	acc            []float64 // sum of the adjoint over the steps of the current interval
	uT             []float64 // coarse final state
}

// defaultTapeLimit is the most fine states (not bytes) one recomputed block holds: 8 MiB.
const defaultTapeLimit = 1 << 20

// NewAdjoint validates p and allocates the buffers.
func NewAdjoint(p Params) (*Adjoint, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	m := p.FinePoints()
	return &Adjoint{p: p, n: p.Cells, k: p.Frames, m: m, steps: p.Steps(), dt: p.Dt(), dx: p.Dx(),
		tapeLimit: defaultTapeLimit,
		ckpt:      make([]float64, p.Frames*m), g: make([]float64, m), u: make([]float64, m), v: make([]float64, m),
		lam: make([]float64, m), lamNext: make([]float64, m), acc: make([]float64, m), uT: make([]float64, p.Cells)}, nil
}

// Params returns the parameters.
func (a *Adjoint) Params() Params { return a.p }

// FinalState returns the coarse final state u(T) of the last Gradient call (N values, owned by a).
func (a *Adjoint) FinalState() []float64 { return a.uT }

// blockSteps returns the steps per recomputed block: the whole interval when its states fit the tape,
// otherwise ceil(sqrt(steps)).
func (a *Adjoint) blockSteps() int {
	if a.steps*a.m <= a.tapeLimit {
		return a.steps
	}
	return int(math.Ceil(math.Sqrt(float64(a.steps))))
}

// Gradient runs the solver from the coarse initial state u0 under the coarse control f (K x N; nil
// means zero) and returns the cost; it writes dJ/df (K x N) into grad. Errors: wrong lengths,
// non-finite input or a negative energy weight (wrapping pde.ErrInvalidParams), a blow-up of the
// forward solve (*pde.BlowUpError, as from Solver.Solve; also for a non-finite gradient, with System
// "burgers adjoint") and the context's error. The cost equals
// ControlObjective's for the same input bit for bit.
func (a *Adjoint) Gradient(ctx context.Context, u0, f []float64, o Objective, grad []float64) (Cost, error) {
	n, k := a.n, a.k
	switch {
	case len(u0) != n:
		return Cost{}, pde.Invalidf("burgers adjoint: initial state has %d values, want %d coarse points", len(u0), n)
	case f != nil && len(f) != k*n:
		return Cost{}, pde.Invalidf("burgers adjoint: control has %d values, want %d frames x %d points = %d", len(f), k, n, k*n)
	case len(grad) != k*n:
		return Cost{}, pde.Invalidf("burgers adjoint: gradient has room for %d values, want %d", len(grad), k*n)
	case len(o.Target) != n:
		return Cost{}, pde.Invalidf("burgers adjoint: target has %d values, want %d", len(o.Target), n)
	case !(o.EnergyWeight >= 0) || math.IsInf(o.EnergyWeight, 0):
		return Cost{}, pde.Invalidf("burgers adjoint: energy weight %v, want finite and >= 0", o.EnergyWeight)
	}
	if err := pde.CheckFinite("burgers adjoint: u0", u0); err != nil {
		return Cost{}, err
	}
	if err := pde.CheckFinite("burgers adjoint: target", o.Target); err != nil {
		return Cost{}, err
	}
	if f != nil {
		if err := pde.CheckFinite("burgers adjoint: control", f); err != nil {
			return Cost{}, err
		}
	}
	if err := a.forward(ctx, u0, f); err != nil {
		return Cost{}, err
	}
	c, err := o.Eval(a.uT, f)
	if err != nil {
		return Cost{}, err
	}
	if err := a.backward(ctx, f, o, grad); err != nil {
		return Cost{}, err
	}
	return c, nil
}

// forward runs the solver's scheme, keeping the fine state at the start of each interval.
func (a *Adjoint) forward(ctx context.Context, u0, f []float64) error {
	r := a.p.Refine
	interpolate(a.u, u0, r, 0, 0)
	if vmax := maxAbs(a.u); vmax > a.p.MaxStableSpeed() {
		return pde.Invalidf("burgers adjoint: max|u0| = %.4g exceeds the FTCS stability bound sqrt(2 nu/dt) = %.4g", vmax, a.p.MaxStableSpeed())
	}
	bound := a.p.MaxStableSpeed()
	for fr := 0; fr < a.k; fr++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		copy(a.ckpt[fr*a.m:(fr+1)*a.m], a.u)
		a.fineControl(f, fr)
		for st := 0; st < a.steps; st++ {
			a.step(a.v, a.u)
			a.u, a.v = a.v, a.u
			// The solver's blow-up check, at the same steps.
			if (st%checkEvery == checkEvery-1 || st == a.steps-1) && !withinBound(a.u, bound) {
				return a.blowUp(a.u, fr*a.steps+st, bound)
			}
		}
	}
	inject(a.uT, a.u, r)
	return nil
}

// backward sweeps the adjoint from T to 0, recomputing each interval's states from its checkpoint.
func (a *Adjoint) backward(ctx context.Context, f []float64, o Objective, grad []float64) error {
	n, m, r := a.n, a.m, a.p.Refine
	// lambda(T) = dJ/du(T) on the fine grid: the transpose of the injection of 2 (u(T) - u*)/N.
	clear(a.lam)
	for j := range n {
		a.lam[r*(j+1)-1] = 2 * (a.uT[j] - o.Target[j]) / float64(n)
	}
	bs := a.blockSteps()
	nb := (a.steps + bs - 1) / bs
	if len(a.block) < nb*m {
		a.block = make([]float64, nb*m)
	}
	if len(a.tape) < bs*m {
		a.tape = make([]float64, bs*m)
	}
	for fr := a.k - 1; fr >= 0; fr-- {
		if err := ctx.Err(); err != nil {
			return err
		}
		a.fineControl(f, fr)
		// Block checkpoints: the interval's start and the state after every bs steps.
		copy(a.block[:m], a.ckpt[fr*m:(fr+1)*m])
		for b := 1; b < nb; b++ {
			copy(a.u, a.block[(b-1)*m:b*m])
			for range bs {
				a.step(a.v, a.u)
				a.u, a.v = a.v, a.u
			}
			copy(a.block[b*m:(b+1)*m], a.u)
		}
		clear(a.acc)
		for b := nb - 1; b >= 0; b-- {
			ns := min(bs, a.steps-b*bs)
			// The states before each step of the block, then the block's steps in reverse.
			copy(a.tape[:m], a.block[b*m:(b+1)*m])
			for s := 1; s < ns; s++ {
				a.step(a.tape[s*m:(s+1)*m], a.tape[(s-1)*m:s*m])
			}
			for s := ns - 1; s >= 0; s-- {
				// v = u - alpha (u_{i+1}^2 - u_{i-1}^2) + beta (u_{i+1} - 2 u_i + u_{i-1}) + dt g:
				// dJ/dg += dt lambda(v) (summed in acc, times dt below), lambda(u) = (dv/du)^T lambda(v).
				a.stepAdjoint(a.lamNext, a.lam, a.tape[s*m:(s+1)*m], a.acc)
				a.lam, a.lamNext = a.lamNext, a.lam
			}
		}
		// dJ/df_k = P^T (dt sum_s lambda) + 2 w f_k, P the coarse-to-fine interpolation.
		row := grad[fr*n : (fr+1)*n]
		for i := range a.acc {
			a.acc[i] *= a.dt
		}
		interpolateTranspose(row, a.acc, r)
		if f != nil {
			for j, x := range f[fr*n : (fr+1)*n] {
				row[j] += 2 * o.EnergyWeight * x
			}
		}
	}
	if i := pde.FirstNonFinite(grad); i >= 0 {
		// Only reachable with a forward state just inside the FTCS bound: report it like a blow-up.
		return &pde.BlowUpError{System: "burgers adjoint", Step: 0, Quantity: "dJ/df",
			Location: fmt.Sprintf("control frame %d, x[%d]", i/n, i%n+1), Value: grad[i]}
	}
	return nil
}

// fineControl sets a.g to row fr of the coarse control f carried to the fine grid exactly as the
// solver does (zero for a nil f).
func (a *Adjoint) fineControl(f []float64, fr int) {
	if f == nil {
		clear(a.g)
		return
	}
	row := f[fr*a.n : (fr+1)*a.n]
	interpolate(a.g, row, a.p.Refine, row[0], row[a.n-1])
}

// step takes one Euler step from u into v with the control a.g, with the solver's update (the
// tests check that the result matches Solver.Solve bit for bit).
func (a *Adjoint) step(v, u []float64) {
	sten := newStencil(a.p)
	m := a.m
	sten.step(v[:m], u[:m], a.g[:m], a.dt)
}

// stepAdjoint applies the transposed Jacobian of one step taken from the state u to lam and adds lam
// to acc:
//
//	out_i = lam_i + beta (lam_{i-1} - 2 lam_i + lam_{i+1}) + 2 alpha u_i (lam_{i+1} - lam_{i-1}),
//
// with lam_0 = lam_{M+1} = 0, alpha = dt/(4 dx), beta = nu dt/dx^2 (adjointPoint; the interior in
// stepAdjointRow, an assembly loop on amd64 with FMA3).
func (a *Adjoint) stepAdjoint(out, lam, u, acc []float64) {
	al2 := 2 * a.dt / (4 * a.dx)
	be := a.p.Nu * a.dt / (a.dx * a.dx)
	m := a.m
	out, lam, u, acc = out[:m], lam[:m], u[:m], acc[:m]
	if m == 1 {
		acc[0] += lam[0]
		out[0] = adjointPoint(0, lam[0], 0, u[0], al2, be)
		return
	}
	acc[0] += lam[0]
	out[0] = adjointPoint(0, lam[0], lam[1], u[0], al2, be)
	if m > 2 {
		stepAdjointRow(out[1:m-1], lam, u[1:m-1], acc[1:m-1], al2, be)
	}
	acc[m-1] += lam[m-1]
	out[m-1] = adjointPoint(lam[m-2], lam[m-1], 0, u[m-1], al2, be)
}

// adjointPoint is one point of the adjoint step, fma(al2 u_i, lp - lm, fma(be, (lm + lp) - 2 lc, lc))
// (al2 = 2 alpha): the same value as the transposed Jacobian's terms summed one by one, to rounding, in
// six operations. The assembly loop evaluates exactly this.
func adjointPoint(lm, lc, lp, ui, al2, be float64) float64 {
	r := math.FMA(be, float64(lm+lp)-float64(2*lc), lc)
	return math.FMA(float64(al2*ui), lp-lm, r)
}

// stepAdjointRowGo is the adjoint step's interior: for j < len(out), out[j] and acc[j] at point j+1
// from lam[j..j+2] and u[j].
func stepAdjointRowGo(out, lam, u, acc []float64, al2, be float64) {
	lam = lam[:len(out)+2]
	u, acc = u[:len(out)], acc[:len(out)]
	for j := range out {
		acc[j] += lam[j+1]
		out[j] = adjointPoint(lam[j], lam[j+1], lam[j+2], u[j], al2, be)
	}
}

// blowUp reports the first value of u beyond the FTCS bound, as Solver.Solve does.
func (a *Adjoint) blowUp(u []float64, step int, bound float64) error {
	e := &pde.BlowUpError{System: "burgers", Step: step, Time: float64(step+1) * a.dt, Quantity: "u"}
	for i, v := range u {
		if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > bound {
			e.Location = fmt.Sprintf("x[%d] = %.6g", i+1, float64(i+1)*a.dx)
			e.Value = v
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				e.Limit = bound
			}
			break
		}
	}
	return e
}

// interpolateTranspose is the transpose of interpolate(fine, c, r, c[0], c[N-1]) (the control's
// interpolation, constant extension at the walls): it sets c = P^T fine.
func interpolateTranspose(c, fine []float64, r int) {
	n := len(c)
	clear(c)
	add := func(j int, w float64) {
		switch {
		case j == 0:
			c[0] += w
		case j == n+1:
			c[n-1] += w
		default:
			c[j-1] += w
		}
	}
	for i := 1; i <= len(fine); i++ {
		j, mm := i/r, i%r
		if mm == 0 {
			add(j, fine[i-1])
			continue
		}
		t := float64(mm) / float64(r)
		add(j, (1-t)*fine[i-1])
		add(j+1, t*fine[i-1])
	}
}

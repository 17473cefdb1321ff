package smoke

import (
	"context"
	"fmt"
	"math"

	"github.com/trajdiff/trajdiff/pde"
)

// Adjoint computes the control cost J (Objective) of a run and its exact gradient with respect to the
// stored control (Frames x Save x Save x 2) through the discrete scheme the Simulator runs: the band
// overwrite, the pressure projection, the semi-Lagrangian density advection (mass-conserving or
// plain) and the exits. It is the discrete adjoint (reverse-mode derivative) of the solver, exact up to
// rounding and the pressure tolerance, not a discretised continuous adjoint.
//
// Each step of the forward run is, with the velocity u and density d (step.go's order),
//
//	u1 = B(u, c)                  the band takes the control, closed faces 0
//	u2 = u1 + G A^-1 D u1         projection: A p = -D u1, u2 = u1 - G p
//	d' = E adv(u2) d              advection along u2, then the exits absorb E's cells
//
// and the backward sweep runs the transposes in the reverse order. A is symmetric, so the projection's
// transpose u1bar = u2bar + D^T A^-1 G^T u2bar costs one pressure solve like the forward step (the same
// multigrid-preconditioned CG, its tolerance taken relative to the right-hand side's size). The
// advection is linear in d but not in u: its weights are bilinear in the back-traced point, so the
// gradient with respect to u is the derivative of the weights (zero where the trace is clamped to the
// domain), and in the mass-conserving scheme that of the renormalisation by the column sums and of the
// forward pushes of unsampled cells. These are piecewise smooth in the control: J is differentiable
// almost everywhere, with kinks where a traced point crosses a cell centre line.
//
// Only WDNO's physics is differentiated: Params.AdvectVelocity and Params.Buoyancy are refused (the
// velocity is then linear in the control and independent of the density).
//
// Memory: the forward run keeps the density before and the velocity after every step ((3N^2 + 2N)
// values per step; 98 MB for WDNO's 128^2 grid over 31 frames). A gradient costs about two forward
// runs. An Adjoint is not safe for concurrent use; make one per goroutine.
type Adjoint struct {
	s      *Simulator
	steps  int
	rho    [][]float64 // density before each step
	vx, vy [][]float64 // velocity after each step's projection
	d0     []float64   // stored density of frame 0
	// backward state
	rbar, rnext  []float64 // density adjoints
	vxb, vyb     []float64 // velocity adjoints
	colbar, zbar []float64
	wbar         []float64 // adjoint of each advection weight, 4 per cell
	pbar, qprev  []float64 // padded pressure adjoint and the previous step's solution (warm start)
	rhs          []float64 // padded right-hand side
}

// NewAdjoint returns an adjoint of the WDNO box scaled to p.N.
func NewAdjoint(p Params) (*Adjoint, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return NewAdjointWithLayout(p, WDNOLayout(p.N))
}

// NewAdjointWithLayout returns an adjoint of an arbitrary layout.
func NewAdjointWithLayout(p Params, l Layout) (*Adjoint, error) {
	if p.AdvectVelocity || p.Buoyancy != 0 {
		return nil, pde.Invalidf("smoke adjoint: velocity self-advection and buoyancy are not differentiated (WDNO uses neither)")
	}
	s, err := NewSimulatorWithLayout(p, l)
	if err != nil {
		return nil, err
	}
	n := p.N
	a := &Adjoint{s: s, steps: p.Steps + 1, d0: make([]float64, p.Save*p.Save*3),
		rbar: make([]float64, n*n), rnext: make([]float64, n*n),
		vxb: make([]float64, n*(n+1)), vyb: make([]float64, (n+1)*n),
		colbar: make([]float64, n*n), zbar: make([]float64, n*n), wbar: make([]float64, 4*n*n),
		pbar: make([]float64, (n+2)*(n+2)), qprev: make([]float64, (n+2)*(n+2)), rhs: make([]float64, (n+2)*(n+2))}
	a.rho, a.vx, a.vy = make([][]float64, a.steps), make([][]float64, a.steps), make([][]float64, a.steps)
	for t := range a.steps {
		a.rho[t], a.vx[t], a.vy[t] = make([]float64, n*n), make([]float64, n*(n+1)), make([]float64, (n+1)*n)
	}
	return a, nil
}

// Params returns the simulator's parameters.
func (a *Adjoint) Params() Params { return a.s.p }

// Layout returns the geometry.
func (a *Adjoint) Layout() Layout { return a.s.l }

// frameOf is the stored frame whose control step t uses (step 0 is frame 0, then Stride steps each).
func (a *Adjoint) frameOf(t int) int {
	if t == 0 {
		return 0
	}
	return 1 + (t-1)/a.s.p.Stride
}

// Gradient runs the solver from init under control (Frames x Save x Save x 2), writes dJ/dcontrol into
// grad (same length) and returns the cost. A blow-up of the forward run is returned as the solver's
// *pde.BlowUpError; invalid input wraps pde.ErrInvalidParams; cancellation returns the context's error.
func (a *Adjoint) Gradient(ctx context.Context, init Initial, control []float64, o Objective, grad []float64) (Cost, error) {
	s := a.s
	p, m := s.p, s.m
	per := m * m * 2
	if len(control) != p.Frames()*per || len(grad) != len(control) {
		return Cost{}, pde.Invalidf("smoke adjoint: control has %d values and gradient %d, want %d frames x %d x %d x 2 = %d",
			len(control), len(grad), p.Frames(), m, m, p.Frames()*per)
	}
	if err := o.check(m); err != nil {
		return Cost{}, err
	}
	if err := pde.CheckFinite("smoke adjoint: control", control); err != nil {
		return Cost{}, err
	}
	if err := s.Start(init); err != nil {
		return Cost{}, err
	}
	for t := range a.steps {
		if t%p.Stride == 0 {
			if err := ctx.Err(); err != nil {
				return Cost{}, err
			}
		}
		k := a.frameOf(t)
		copy(a.rho[t], s.rho)
		if err := s.step(control[k*per : (k+1)*per]); err != nil {
			return Cost{}, err
		}
		copy(a.vx[t], s.vx)
		copy(a.vy[t], s.vy)
		if t == 0 {
			s.Observe(a.d0)
		}
	}
	c := a.cost(control, o)
	clear(grad)
	if err := a.backward(ctx, control, o, grad); err != nil {
		return Cost{}, err
	}
	return c, nil
}

// cost evaluates J of the finished forward run as Objective.Eval does.
func (a *Adjoint) cost(control []float64, o Objective) Cost {
	s := a.s
	tr := Trajectory{State: a.d0, Control: control, Outflow: []Outflow{s.out}}
	return o.Eval(&tr, s.l)
}

// backward accumulates dJ/dcontrol into grad.
func (a *Adjoint) backward(ctx context.Context, control []float64, o Objective, grad []float64) error {
	s := a.s
	n, m, r := s.n, s.m, s.p.Ratio()
	per := m * m * 2
	// J = -S_target / total (+ the other terms): the adjoints of the exit counters and of the density
	// left in the domain after the last step.
	out := s.out
	total := out.Remaining
	for _, e := range out.Exits {
		total += e
	}
	exitBar := make([]float64, len(out.Exits))
	remBar := 0.0
	if total > 0 {
		st := out.Exits[s.l.Target]
		for e := range exitBar {
			exitBar[e] = st / (total * total)
		}
		exitBar[s.l.Target] -= 1 / total
		remBar = st / (total * total)
	}
	for i := range a.rbar {
		a.rbar[i] = remBar
	}
	clear(a.vxb)
	clear(a.vyb)
	clear(a.qprev)
	for t := a.steps - 1; t >= 0; t-- {
		if t%s.p.Stride == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if t == 0 && o.D0Target != nil {
			// Misfit = mean over stored cells of (d0 - target)^2, d0 the block mean of the density.
			w := o.D0Weight * 2 / float64(m*m) / float64(r*r)
			for y := 0; y < n; y++ {
				for x := 0; x < n; x++ {
					i := (y/r)*m + x/r
					a.rbar[y*n+x] += w * (a.d0[3*i] - o.D0Target[i])
				}
			}
		}
		// Exits: the cells of exit e were emptied into its counter.
		for e, rect := range s.l.Exits {
			for y := rect.Y0; y < rect.Y1; y++ {
				for x := rect.X0; x < rect.X1; x++ {
					a.rbar[y*n+x] = exitBar[e]
				}
			}
		}
		a.advectBackward(t)
		if err := a.projectBackward(); err != nil {
			return fmt.Errorf("smoke adjoint: step %d: %w", t, err)
		}
		a.bandBackward(grad[a.frameOf(t)*per : (a.frameOf(t)+1)*per])
	}
	if o.EnergyWeight != 0 {
		w := 2 * o.EnergyWeight / float64(len(control))
		for i, v := range control {
			grad[i] += w * v
		}
	}
	return nil
}

// bandBackward transposes the band overwrite: band faces send their adjoint to the control of their
// stored cell, the other open faces to the previous step's velocity; closed faces send nothing.
func (a *Adjoint) bandBackward(g []float64) {
	s := a.s
	n, m, r := s.n, s.m, s.p.Ratio()
	at := func(y, i, comp int) int { return ((min(y, n-1)/r)*m+min(i, n-1)/r)*2 + comp }
	for y := 0; y < n; y++ {
		for i := 0; i <= n; i++ {
			f := y*(n+1) + i
			v := a.vxb[f] * s.ox[f]
			if s.l.InBand(y, i) {
				g[at(y, i, 0)] += v
				v = 0
			}
			a.vxb[f] = v
		}
	}
	for j := 0; j <= n; j++ {
		for x := 0; x < n; x++ {
			f := j*n + x
			v := a.vyb[f] * s.oy[f]
			if s.l.InBand(j, x) {
				g[at(j, x, 1)] += v
				v = 0
			}
			a.vyb[f] = v
		}
	}
}

// projectBackward replaces the velocity adjoint ubar by ubar + D^T A^-1 G^T ubar (the transpose of
// u2 = u1 + G A^-1 D u1; the padded arrays follow project's indexing).
func (a *Adjoint) projectBackward() error {
	s := a.s
	n := s.n
	st := n + 2
	pb := a.pbar
	clear(pb)
	// pbar = -G^T ubar: face f carries p[right] - p[left].
	for y := 0; y < n; y++ {
		for i := 0; i <= n; i++ {
			f := y*(n+1) + i
			if s.ox[f] != 0 {
				v := a.vxb[f]
				pb[(y+1)*st+i+1] -= v
				pb[(y+1)*st+i] += v
			}
		}
	}
	for j := 0; j <= n; j++ {
		for x := 0; x < n; x++ {
			f := j*n + x
			if s.oy[f] != 0 {
				v := a.vyb[f]
				pb[(j+1)*st+x+1] -= v
				pb[j*st+x+1] += v
			}
		}
	}
	// bbar = A^-1 pbar on the fluid cells (the ghost ring and solid cells hold p = 0), solved with the
	// right-hand side scaled to unit max norm so that the solver's tolerance is relative.
	rhs := a.rhs
	clear(rhs)
	scale := 0.0
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			if c := (y+1)*st + x + 1; !s.l.Solid[y*n+x] {
				rhs[c] = pb[c]
				scale = max(scale, math.Abs(pb[c]))
			}
		}
	}
	if scale == 0 {
		return nil
	}
	q := a.pbar
	for c := range q {
		q[c] = a.qprev[c] / scale
		rhs[c] /= scale
	}
	if _, err := s.ps.solve(rhs, q); err != nil {
		return err
	}
	for c := range q {
		q[c] *= scale
	}
	copy(a.qprev, q)
	// ubar -= D^T bbar, with D u = -b: b[c] = -(vx east - vx west + vy north - vy south).
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			if s.l.Solid[y*n+x] {
				continue
			}
			v := q[(y+1)*st+x+1]
			a.vxb[y*(n+1)+x+1] -= v
			a.vxb[y*(n+1)+x] += v
			a.vyb[(y+1)*n+x] -= v
			a.vyb[y*n+x] += v
		}
	}
	return nil
}

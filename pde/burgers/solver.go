package burgers

import (
	"context"
	"math"

	"github.com/trajdiff/trajdiff/pde"
)

// Solver integrates the controlled Burgers equation with fixed Params. It holds scratch buffers and is
// not safe for concurrent use; make one per goroutine.
type Solver struct {
	p        Params
	m, steps int
	dt, dx   float64
	u, v, f  []float64 // fine state, next state, fine control of the current interval
}

// NewSolver validates p and allocates the fine-grid buffers.
func NewSolver(p Params) (*Solver, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	m := p.FinePoints()
	return &Solver{p: p, m: m, steps: p.Steps(), dt: p.Dt(), dx: p.Dx(),
		u: make([]float64, m), v: make([]float64, m), f: make([]float64, m)}, nil
}

// Params returns the solver's parameters.
func (s *Solver) Params() Params { return s.p }

// Solve runs from the coarse initial state u0 (N values) under the coarse control f (K x N, row k
// acting on [t_k, t_{k+1}); nil means no control) and returns the coarse trajectory, (K+1) x N
// row-major. out is reused when it has the right length.
func (s *Solver) Solve(ctx context.Context, u0, f, out []float64) ([]float64, error) {
	n, k := s.p.Cells, s.p.Frames
	if len(u0) != n {
		return nil, pde.Invalidf("burgers: initial state has %d values, want %d coarse points", len(u0), n)
	}
	if f != nil && len(f) != k*n {
		return nil, pde.Invalidf("burgers: control has %d values, want %d frames x %d points = %d", len(f), k, n, k*n)
	}
	if err := pde.CheckFinite("burgers: u0", u0); err != nil {
		return nil, err
	}
	if f != nil {
		if err := pde.CheckFinite("burgers: control", f); err != nil {
			return nil, err
		}
	}
	if len(out) != (k+1)*n {
		out = make([]float64, (k+1)*n)
	}
	interpolate(s.u, u0, s.p.Refine, 0, 0)
	copy(out[:n], u0)
	if vmax := maxAbs(s.u); vmax > s.p.MaxStableSpeed() {
		return nil, pde.Invalidf("burgers: max|u0| = %.4g exceeds the FTCS stability bound sqrt(2 nu/dt) = %.4g", vmax, s.p.MaxStableSpeed())
	}
	clear(s.f)
	for fr := 0; fr < k; fr++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if f != nil {
			row := f[fr*n : (fr+1)*n]
			interpolate(s.f, row, s.p.Refine, row[0], row[n-1])
		}
		if err := s.interval(fr); err != nil {
			return nil, err
		}
		inject(out[(fr+1)*n:(fr+2)*n], s.u, s.p.Refine)
	}
	return out, nil
}

// interval takes the Euler steps of control interval fr on the fine grid.
func (s *Solver) interval(fr int) error {
	sten := newStencil(s.p)
	dt := s.dt
	bound := s.p.MaxStableSpeed()
	u, v, f := s.u, s.v, s.f
	m := s.m
	for st := 0; st < s.steps; st++ {
		sten.step(v[:m], u[:m], f[:m], dt)
		u, v = v, u
		// Every checkEvery steps (and at the end of the interval) look for values beyond the FTCS
		// speed bound, NaN or Inf. An unstable mode needs many steps to grow from the bound to
		// overflow, so the report comes before the state is lost.
		if (st%checkEvery == checkEvery-1 || st == s.steps-1) && !withinBound(u, bound) {
			s.u, s.v = u, v
			return s.blowUp(fr*s.steps+st, bound)
		}
	}
	s.u, s.v = u, v
	return nil
}

// blowUp locates the first non-finite value or value beyond the FTCS bound sqrt(2 nu/dt) in s.u.
func (s *Solver) blowUp(step int, bound float64) error {
	if err := blowUpAt(step, s.dt, s.dx, bound, s.m, func(i int) float64 { return s.u[i] }); err != nil {
		return err
	}
	return &pde.BlowUpError{System: "burgers", Step: step, Time: float64(step+1) * s.dt, Quantity: "u"}
}

// checkEvery is how often (in steps) the state is checked for blow-up: a scan every step would cost
// a third of the step itself.
const checkEvery = 8

// withinBound reports whether every |v_i| <= bound (false for NaN).
func withinBound(v []float64, bound float64) bool {
	for _, x := range v {
		if !(math.Abs(x) <= bound) {
			return false
		}
	}
	return true
}

func maxAbs(v []float64) float64 {
	m := 0.0
	for _, x := range v {
		m = max(m, math.Abs(x))
	}
	return m
}

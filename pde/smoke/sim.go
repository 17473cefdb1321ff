package smoke

import (
	"fmt"
	"math"

	"github.com/trajdiff/trajdiff/pde"
)

// Initial is the initial smoke: a Size x Size square of density 1 with lower-left cell (Y0, X0), in
// simulation cells, and the uniform initial velocity of Params.
type Initial struct{ X0, Y0, Size int }

// Outflow is the smoke bookkeeping: the density absorbed by each exit so far and the density still in
// the domain. With mass-conserving advection their sum is the initial mass.
type Outflow struct {
	Exits     []float64
	Remaining float64
}

// SmokeOut is the fraction of the smoke that left through exit target, S_target / (sum S + remaining)
// (WDNO's smoke_out).
func (o Outflow) SmokeOut(target int) float64 {
	total := o.Remaining
	for _, e := range o.Exits {
		total += e
	}
	if total == 0 {
		return 0
	}
	return o.Exits[target] / total
}

// Simulator advances the smoke in a Layout. It is not safe for concurrent use; make one per goroutine.
//
// Velocity faces: vx[y*(N+1)+i] lies between cells (y, i-1) and (y, i), i = 0..N; vy[j*N+x] between
// (j-1, x) and (j, x), j = 0..N. Faces next to a solid cell are closed (velocity 0).
type Simulator struct {
	p      Params
	l      Layout
	ps     *pressureSolver
	n, m   int // simulation and stored grid sides
	vx, vy []float64
	ox, oy []float64 // 1 on open faces, 0 on closed ones
	rho    []float64
	pr, b  []float64 // pressure (padded, warm start) and right-hand side
	adv    advector
	out    Outflow
	steps  int
	// scratch for velocity self-advection
	tx, ty []float64
}

// NewSimulator returns a simulator of the WDNO box scaled to p.N.
func NewSimulator(p Params) (*Simulator, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return NewSimulatorWithLayout(p, WDNOLayout(p.N))
}

// NewSimulatorWithLayout returns a simulator of an arbitrary layout of p.N x p.N cells.
func NewSimulatorWithLayout(p Params, l Layout) (*Simulator, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if l.N != p.N {
		return nil, pde.Invalidf("smoke: layout of %d cells for a %d grid", l.N, p.N)
	}
	if err := l.check(); err != nil {
		return nil, err
	}
	ps, err := newPressureSolver(&l, p.Tol, p.MaxIter)
	if err != nil {
		return nil, err
	}
	n := p.N
	s := &Simulator{p: p, l: l, ps: ps, n: n, m: p.Save,
		vx: make([]float64, n*(n+1)), vy: make([]float64, (n+1)*n),
		ox: make([]float64, n*(n+1)), oy: make([]float64, (n+1)*n),
		rho: make([]float64, n*n), pr: make([]float64, (n+2)*(n+2)), b: make([]float64, (n+2)*(n+2)),
		adv: newAdvector(n), out: Outflow{Exits: make([]float64, len(l.Exits))}}
	top := ps.levels[0]
	for y := 0; y < n; y++ {
		for i := 0; i <= n; i++ {
			s.ox[y*(n+1)+i] = top.ax[(y+1)*top.s+i]
		}
	}
	for j := 0; j <= n; j++ {
		for x := 0; x < n; x++ {
			s.oy[j*n+x] = top.ay[j*top.s+x+1]
		}
	}
	if p.AdvectVelocity {
		s.tx, s.ty = make([]float64, len(s.vx)), make([]float64, len(s.vy))
	}
	return s, nil
}

// Params returns the simulator's parameters.
func (s *Simulator) Params() Params { return s.p }

// Layout returns the simulator's geometry.
func (s *Simulator) Layout() Layout { return s.l }

// Start resets the state to init: uniform velocity, zero pressure and counters, the smoke square.
func (s *Simulator) Start(init Initial) error {
	n := s.n
	if init.Size < 1 || init.X0 < 0 || init.Y0 < 0 || init.X0+init.Size > n || init.Y0+init.Size > n {
		return pde.Invalidf("smoke: initial square %+v outside the %d x %d grid", init, n, n)
	}
	for i := range s.vx {
		s.vx[i] = s.p.InitialVX * s.ox[i]
	}
	for i := range s.vy {
		s.vy[i] = s.p.InitialVY * s.oy[i]
	}
	clear(s.pr)
	clear(s.rho)
	clear(s.out.Exits)
	for y := init.Y0; y < init.Y0+init.Size; y++ {
		for x := init.X0; x < init.X0+init.Size; x++ {
			if !s.l.Solid[y*n+x] {
				s.rho[y*n+x] = 1
			}
		}
	}
	s.out.Remaining = sum(s.rho)
	s.steps = 0
	return nil
}

// Frame advances the steps of stored frame k (k = 0: the initial step; k >= 1: Stride steps) with the
// control ctrl, Save x Save x 2 values (vx, vy per stored cell; only band cells are used). Band face
// (row y, column i) takes the value of stored cell (min(y, N-1)/r, min(i, N-1)/r), r = N/Save.
func (s *Simulator) Frame(k int, ctrl []float64) error {
	if len(ctrl) != s.m*s.m*2 {
		return pde.Invalidf("smoke: control frame has %d values, want %d x %d x 2", len(ctrl), s.m, s.m)
	}
	if err := pde.CheckFinite("smoke: control", ctrl); err != nil {
		return err
	}
	steps := s.p.Stride
	if k == 0 {
		steps = 1
	}
	for range steps {
		if err := s.step(ctrl); err != nil {
			return err
		}
	}
	return nil
}

// step is one time step of dt = 1.
func (s *Simulator) step(ctrl []float64) error {
	n, r := s.n, s.p.Ratio()
	if s.p.AdvectVelocity {
		s.advectVelocity()
	}
	if s.p.Buoyancy != 0 {
		for j := 1; j < n; j++ {
			for x := 0; x < n; x++ {
				s.vy[j*n+x] += s.p.Buoyancy * 0.5 * (s.rho[(j-1)*n+x] + s.rho[j*n+x])
			}
		}
	}
	band := func(y, i, comp int) float64 {
		return ctrl[((min(y, n-1)/r)*s.m+min(i, n-1)/r)*2+comp]
	}
	for y := 0; y < n; y++ {
		for i := 0; i <= n; i++ {
			f := y*(n+1) + i
			if s.l.InBand(y, i) {
				s.vx[f] = band(y, i, 0)
			}
			s.vx[f] *= s.ox[f]
		}
	}
	for j := 0; j <= n; j++ {
		for x := 0; x < n; x++ {
			f := j*n + x
			if s.l.InBand(j, x) {
				s.vy[f] = band(j, x, 1)
			}
			s.vy[f] *= s.oy[f]
		}
	}
	if err := s.project(); err != nil {
		return err
	}
	if i := pde.FirstNonFinite(s.vx); i >= 0 {
		return s.blowUp("vx", fmt.Sprintf("face (%d, %d)", i/(n+1), i%(n+1)), s.vx[i])
	}
	if i := pde.FirstNonFinite(s.vy); i >= 0 {
		return s.blowUp("vy", fmt.Sprintf("face (%d, %d)", i/n, i%n), s.vy[i])
	}
	s.adv.advect(s, !s.p.PlainAdvection)
	for e, rect := range s.l.Exits {
		a := 0.0
		for y := rect.Y0; y < rect.Y1; y++ {
			for x := rect.X0; x < rect.X1; x++ {
				a += s.rho[y*n+x]
				s.rho[y*n+x] = 0
			}
		}
		s.out.Exits[e] += a
	}
	s.out.Remaining = sum(s.rho)
	if math.IsNaN(s.out.Remaining) || math.IsInf(s.out.Remaining, 0) {
		i := pde.FirstNonFinite(s.rho)
		return s.blowUp("density", fmt.Sprintf("cell (%d, %d)", i/n, i%n), s.rho[i])
	}
	s.steps++
	return nil
}

func (s *Simulator) blowUp(q, where string, v float64) error {
	return &pde.BlowUpError{System: "smoke", Step: s.steps, Time: float64(s.steps + 1), Quantity: q, Value: v, Location: where}
}

// project makes the face velocities discretely divergence-free: it solves A p = -div u with the
// multigrid-preconditioned CG solver (warm-started from the previous pressure) and subtracts the
// pressure difference on every open face; afterwards div u = -(residual), below Tol in max norm.
func (s *Simulator) project() error {
	n := s.n
	st := n + 2
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			c := (y+1)*st + x + 1
			if s.l.Solid[y*n+x] {
				s.b[c] = 0
				continue
			}
			s.b[c] = -(s.vx[y*(n+1)+x+1] - s.vx[y*(n+1)+x] + s.vy[(y+1)*n+x] - s.vy[y*n+x])
		}
	}
	if _, err := s.ps.solve(s.b, s.pr); err != nil {
		return fmt.Errorf("step %d: %w", s.steps, err)
	}
	p := s.pr
	for y := 0; y < n; y++ {
		for i := 0; i <= n; i++ {
			f := y*(n+1) + i
			if s.ox[f] != 0 {
				s.vx[f] -= p[(y+1)*st+i+1] - p[(y+1)*st+i]
			}
		}
	}
	for j := 0; j <= n; j++ {
		for x := 0; x < n; x++ {
			f := j*n + x
			if s.oy[f] != 0 {
				s.vy[f] -= p[(j+1)*st+x+1] - p[j*st+x+1]
			}
		}
	}
	return nil
}

// Divergence returns max over fluid cells of |div u|.
func (s *Simulator) Divergence() float64 {
	n := s.n
	d := 0.0
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			if !s.l.Solid[y*n+x] {
				d = max(d, math.Abs(s.vx[y*(n+1)+x+1]-s.vx[y*(n+1)+x]+s.vy[(y+1)*n+x]-s.vy[y*n+x]))
			}
		}
	}
	return d
}

// PressureIterations returns the CG iterations of the last pressure solve.
func (s *Simulator) PressureIterations() int { return s.ps.iters }

// Outflow returns a copy of the smoke bookkeeping.
func (s *Simulator) Outflow() Outflow {
	return Outflow{Exits: append([]float64(nil), s.out.Exits...), Remaining: s.out.Remaining}
}

// Density returns the simulation-grid density (N x N, row-major); the slice is the simulator's own.
func (s *Simulator) Density() []float64 { return s.rho }

// Observe writes the stored-grid state, Save x Save x 3 (density, vx, vy): averages over each r x r
// block of the density and of the cell-centred velocity (mean of the two faces of each cell).
func (s *Simulator) Observe(dst []float64) {
	n, m, r := s.n, s.m, s.p.Ratio()
	clear(dst[:m*m*3])
	w := 1 / float64(r*r)
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			o := ((y/r)*m + x/r) * 3
			dst[o] += w * s.rho[y*n+x]
			dst[o+1] += w * 0.5 * (s.vx[y*(n+1)+x] + s.vx[y*(n+1)+x+1])
			dst[o+2] += w * 0.5 * (s.vy[y*n+x] + s.vy[(y+1)*n+x])
		}
	}
}

// BandVelocity writes the current face velocities under the control band on the stored grid
// (Save x Save x 2, zero outside the band): face (r Y, r X) for stored cell (Y, X), WDNO's ::2.
func (s *Simulator) BandVelocity(dst []float64) {
	n, m, r := s.n, s.m, s.p.Ratio()
	for Y := 0; Y < m; Y++ {
		for X := 0; X < m; X++ {
			y, x := r*Y, r*X
			o := (Y*m + X) * 2
			dst[o], dst[o+1] = 0, 0
			if s.l.InBand(y, x) {
				dst[o] = s.vx[y*(n+1)+x]
				dst[o+1] = s.vy[y*n+x]
			}
		}
	}
}

func sum(v []float64) float64 {
	t := 0.0
	for _, x := range v {
		t += x
	}
	return t
}

package cns

import (
	"context"
	"fmt"
	"math"

	"github.com/trajdiff/trajdiff/pde"
	"github.com/trajdiff/trajdiff/pde/internal/limiter"
)

// Solver advances the 1-D compressible Navier-Stokes equations with fixed Params. It holds scratch
// buffers and is not safe for concurrent use; make one per goroutine.
type Solver struct {
	p       Params
	n       int
	dx      float64
	d, m, e []float64 // conserved density, momentum, energy; cells 2..n+1 of n+4
	r, u, w []float64 // primitive density, velocity, pressure with two ghosts each side
	// Hancock-evolved face states of each cell: left face (rl, ul, pl), right face (rr, ur, pr), with
	// their sound speeds (al, ar), momenta (ml, mr) and total energies (el, er) for the HLLC flux.
	rl, ul, pl, rr, ur, pr []float64
	al, ml, el, ar, mr, er []float64
	// ir is 1/rho of the interior cells and rmin their smallest density, both set by reciprocals
	// after every change of the density (only the hydrodynamic step changes it): the viscous
	// sub-steps and both primitive recoveries multiply by ir instead of dividing.
	ir    []float64
	rmin  float64
	steps int     // hydrodynamic steps taken in this run
	t     float64 // time of the current run
}

// NewSolver validates p and allocates buffers.
func NewSolver(p Params) (*Solver, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	n := p.Cells
	buf := func(k int) []float64 { return make([]float64, k) }
	return &Solver{p: p, n: n, dx: p.Dx(),
		d: buf(n + 4), m: buf(n + 4), e: buf(n + 4), r: buf(n + 4), u: buf(n + 4), w: buf(n + 4),
		rl: buf(n + 4), ul: buf(n + 4), pl: buf(n + 4), rr: buf(n + 4), ur: buf(n + 4), pr: buf(n + 4),
		al: buf(n + 4), ml: buf(n + 4), el: buf(n + 4), ar: buf(n + 4), mr: buf(n + 4), er: buf(n + 4),
		ir: buf(n)}, nil
}

// Params returns the solver's parameters.
func (s *Solver) Params() Params { return s.p }

// Steps returns the number of hydrodynamic steps of the last Solve.
func (s *Solver) Steps() int { return s.steps }

// Solve advances the initial state and returns the Frames+1 states at t_k = k T/Frames. Every frame
// is a new State.
func (s *Solver) Solve(ctx context.Context, init State) ([]State, error) {
	if err := init.Check(s.n); err != nil {
		return nil, err
	}
	g := s.p.Gamma
	for i := 0; i < s.n; i++ {
		r, u := init.Rho[i], init.U[i]
		mm := float64(r * u)
		s.d[i+2], s.m[i+2], s.e[i+2] = r, mm, init.P[i]/(g-1)+float64(0.5*mm*u)
	}
	s.steps, s.t = 0, 0
	s.reciprocals()
	smax, err := s.primitivesSpeed()
	if err != nil {
		return nil, err
	}
	frames := []State{s.snapshot()}
	maxSteps := s.p.MaxSteps
	if maxSteps == 0 {
		maxSteps = 10_000_000
	}
	visc := s.p.Viscosity() > 0
	for k := 0; k < s.p.Frames; k++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		tn := float64(k+1) * s.p.T / float64(s.p.Frames)
		for s.t < tn {
			if s.steps >= maxSteps {
				return nil, fmt.Errorf("cns: %d steps reached at t = %.6g before T = %v: %w", s.steps, s.t, s.p.T, pde.ErrUnstable)
			}
			dt := s.p.CFL * s.dx / smax
			last := false
			if dt >= tn-s.t {
				dt, last = tn-s.t, true
			}
			// Strang splitting: half a viscous step, the hydrodynamic step, half a viscous step.
			if visc {
				s.viscous(0.5 * dt)
				if err := s.primitives(); err != nil {
					return nil, err
				}
			}
			s.hydro(dt)
			s.reciprocals()
			if visc {
				s.viscous(0.5 * dt)
			}
			if last {
				s.t = tn
			} else {
				s.t += dt
			}
			if smax, err = s.primitivesSpeed(); err != nil {
				return nil, err
			}
			s.steps++
			if s.steps%256 == 0 {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
			}
		}
		frames = append(frames, s.snapshot())
	}
	return frames, nil
}

func (s *Solver) snapshot() State {
	st := NewState(s.n)
	copy(st.Rho, s.r[2:s.n+2])
	copy(st.U, s.u[2:s.n+2])
	copy(st.P, s.w[2:s.n+2])
	return st
}

// reciprocals sets ir = 1/rho and rmin = min rho over the interior cells.
func (s *Solver) reciprocals() {
	d := s.d[2 : s.n+2]
	ir := s.ir[:len(d)]
	rmin := math.Inf(1)
	for i, r := range d {
		ir[i] = 1 / r
		rmin = min(rmin, r)
	}
	s.rmin = rmin
}

// primitives recomputes (rho, u, p) from the conserved variables (with ir current), checks them and
// fills the ghosts.
func (s *Solver) primitives() error {
	g := s.p.Gamma
	n := s.n
	d, m, e := s.d[2:n+2], s.m[2:n+2], s.e[2:n+2]
	rr, uu, ww := s.r[2:n+2], s.u[2:n+2], s.w[2:n+2]
	e, rr, uu, ww = e[:len(d)], rr[:len(d)], uu[:len(d)], ww[:len(d)]
	m, ir := m[:len(d)], s.ir[:len(d)]
	for i, r := range d {
		u := float64(m[i] * ir[i])
		p := float64((g - 1) * (e[i] - float64(0.5*m[i]*u)))
		rr[i], uu[i], ww[i] = r, u, p
		// One test for positivity and finiteness: NaN fails every comparison, and an Inf pushes the
		// sum past MaxFloat64.
		if !(r > 0 && p > 0 && r+p+math.Abs(u) <= math.MaxFloat64) {
			return s.badCell(i)
		}
	}
	fill(s.r, n, s.p.Boundary)
	fill(s.u, n, s.p.Boundary)
	fill(s.w, n, s.p.Boundary)
	return nil
}

// primitivesSpeed is primitives fused with the maximal signal speed max_i |u_i| + c_i, c = sqrt(gamma
// p/rho), that sets the next time step.
func (s *Solver) primitivesSpeed() (float64, error) {
	g := s.p.Gamma
	n := s.n
	d, m, e := s.d[2:n+2], s.m[2:n+2], s.e[2:n+2]
	rr, uu, ww := s.r[2:n+2], s.u[2:n+2], s.w[2:n+2]
	e, rr, uu, ww = e[:len(d)], rr[:len(d)], uu[:len(d)], ww[:len(d)]
	m, ir := m[:len(d)], s.ir[:len(d)]
	sm := 0.0
	for i, r := range d {
		u := float64(m[i] * ir[i])
		p := float64((g - 1) * (e[i] - float64(0.5*m[i]*u)))
		rr[i], uu[i], ww[i] = r, u, p
		if !(r > 0 && p > 0 && r+p+math.Abs(u) <= math.MaxFloat64) {
			return 0, s.badCell(i)
		}
		if v := math.Abs(u) + math.Sqrt(g*p*ir[i]); v > sm {
			sm = v
		}
	}
	fill(s.r, n, s.p.Boundary)
	fill(s.u, n, s.p.Boundary)
	fill(s.w, n, s.p.Boundary)
	return sm, nil
}

// badCell reports the non-positive or non-finite primitive state of interior cell i.
func (s *Solver) badCell(i int) error {
	r, u, p := s.r[i+2], s.u[i+2], s.w[i+2]
	q, v := "density", r
	switch {
	case !(r > 0) || math.IsInf(r, 0):
	case !(p > 0) || math.IsInf(p, 0):
		q, v = "pressure", p
	default:
		q, v = "velocity", u
	}
	return &pde.BlowUpError{System: "cns", Step: s.steps, Time: s.t, Quantity: q, Value: v,
		Location: fmt.Sprintf("cell %d (x = %.6g)", i, s.p.XL+(float64(i)+0.5)*s.dx)}
}

// fill sets the two ghosts on each side of a padded array with n interior cells.
func fill(v []float64, n int, b Boundary) {
	if b == Periodic {
		v[0], v[1] = v[n], v[n+1]
		v[n+2], v[n+3] = v[2], v[3]
		return
	}
	v[0], v[1] = v[2], v[2]
	v[n+2], v[n+3] = v[n+1], v[n+1]
}

// hydro takes one MUSCL-Hancock step of the Euler equations (Toro 2009, section 14.4): limited linear
// reconstruction of the primitive variables, a half-step evolution of the two boundary-extrapolated
// states by their flux difference, the HLLC flux between neighbouring evolved states and a conservative
// update. A cell whose extrapolated or evolved states lose positivity falls back to first order.
//
// The float64 conversions around products that are added keep the compiler from fusing them into FMAs
// (which it may do where the target has them, GOAMD64=v3): the batch kernels round every product, and
// the two solvers must give the same bits on every build.
func (s *Solver) hydro(dt float64) {
	g := s.p.Gamma
	gi := 1 / (g - 1)
	n := s.n
	r, u, w := s.r, s.u, s.w
	c := 0.5 * dt / s.dx
	// Cells j = 1..n+2 of the padded arrays, as index i = j-1 of slices shifted by -1, 0 and +1.
	np2 := n + 2
	rm, r0, rp := r[0:np2], r[1:np2+1], r[2:np2+2]
	um, u0, up := u[0:np2], u[1:np2+1], u[2:np2+2]
	wm, w0, wp := w[0:np2], w[1:np2+1], w[2:np2+2]
	orl, oul, opl := s.rl[1:np2+1], s.ul[1:np2+1], s.pl[1:np2+1]
	orr, our, opr := s.rr[1:np2+1], s.ur[1:np2+1], s.pr[1:np2+1]
	oal, oml, oel := s.al[1:np2+1], s.ml[1:np2+1], s.el[1:np2+1]
	oar, omr, oer := s.ar[1:np2+1], s.mr[1:np2+1], s.er[1:np2+1]
	for i := range r0 {
		dr := limiter.MC(r0[i]-rm[i], rp[i]-r0[i])
		du := limiter.MC(u0[i]-um[i], up[i]-u0[i])
		dp := limiter.MC(w0[i]-wm[i], wp[i]-w0[i])
		rL, uL, pL := r0[i]-float64(0.5*dr), u0[i]-float64(0.5*du), w0[i]-float64(0.5*dp)
		rR, uR, pR := r0[i]+float64(0.5*dr), u0[i]+float64(0.5*du), w0[i]+float64(0.5*dp)
		var aL, mL, eL, aR, mR, eR float64
		ok := rL > 0 && pL > 0 && rR > 0 && pR > 0
		if ok {
			mL = float64(rL * uL)
			eL = float64(pL*gi) + float64(0.5*mL*uL)
			mR = float64(rR * uR)
			eR = float64(pR*gi) + float64(0.5*mR*uR)
			dD := float64(c * (mL - mR))
			dM := float64(c * ((float64(mL*uL) + pL) - (float64(mR*uR) + pR)))
			dE := float64(c * (float64(uL*(eL+pL)) - float64(uR*(eR+pR))))
			// The evolved conserved states (D, M, E); one reciprocal of each density serves the
			// velocity M/D and the squared sound speed gamma p/D.
			DL, ML, EL := rL+dD, mL+dM, eL+dE
			DR, MR, ER := rR+dD, mR+dM, eR+dE
			iL, iR := 1/DL, 1/DR
			uL, uR = float64(ML*iL), float64(MR*iR)
			pL = float64((g - 1) * (EL - float64(0.5*ML*uL)))
			pR = float64((g - 1) * (ER - float64(0.5*MR*uR)))
			ok = DL > 0 && pL > 0 && DR > 0 && pR > 0
			if ok {
				rL, mL, eL, aL = DL, ML, EL, math.Sqrt(g*pL*iL)
				rR, mR, eR, aR = DR, MR, ER, math.Sqrt(g*pR*iR)
			}
		}
		if !ok {
			rL, uL, pL = r0[i], u0[i], w0[i]
			mL = float64(rL * uL)
			eL, aL = float64(pL*gi)+float64(0.5*mL*uL), math.Sqrt(g*pL/rL)
			rR, uR, pR, mR, eR, aR = rL, uL, pL, mL, eL, aL
		}
		orl[i], oul[i], opl[i], oal[i], oml[i], oel[i] = rL, uL, pL, aL, mL, eL
		orr[i], our[i], opr[i], oar[i], omr[i], oer[i] = rR, uR, pR, aR, mR, eR
	}
	// Face k lies between the right state of padded cell k+1 and the left state of cell k+2; cell i
	// is updated by the difference of its faces i+1 and i as soon as both are known.
	rr, ur, pr, ar, mr, er := s.rr[1:n+2], s.ur[1:n+2], s.pr[1:n+2], s.ar[1:n+2], s.mr[1:n+2], s.er[1:n+2]
	rl, ul, pl, al, ml, el := s.rl[2:n+3], s.ul[2:n+3], s.pl[2:n+3], s.al[2:n+3], s.ml[2:n+3], s.el[2:n+3]
	c2 := dt / s.dx
	d, m, e := s.d[2:n+2], s.m[2:n+2], s.e[2:n+2]
	m, e = m[:len(d)], e[:len(d)]
	rr, ur, pr, ar, mr, er = rr[:len(d)+1], ur[:len(d)+1], pr[:len(d)+1], ar[:len(d)+1], mr[:len(d)+1], er[:len(d)+1]
	rl, ul, pl, al, ml, el = rl[:len(d)+1], ul[:len(d)+1], pl[:len(d)+1], al[:len(d)+1], ml[:len(d)+1], el[:len(d)+1]
	fd0, fm0, fe0 := hllc(rr[0], ur[0], pr[0], ar[0], mr[0], er[0], rl[0], ul[0], pl[0], al[0], ml[0], el[0])
	for i := range d {
		k := i + 1
		fd1, fm1, fe1 := hllc(rr[k], ur[k], pr[k], ar[k], mr[k], er[k], rl[k], ul[k], pl[k], al[k], ml[k], el[k])
		d[i] -= float64(c2 * (fd1 - fd0))
		m[i] -= float64(c2 * (fm1 - fm0))
		e[i] -= float64(c2 * (fe1 - fe0))
		fd0, fm0, fe0 = fd1, fm1, fe1
	}
}

// viscous advances the viscous terms, rho u_t = (mu u_x)_x and E_t = (mu u u_x)_x with mu = 4/3 eta +
// zeta, by h with explicit conservative sub-steps of at most ViscCFL min(rho) dx^2/mu.
func (s *Solver) viscous(h float64) {
	mu := s.p.Viscosity()
	n := s.n
	hmax := s.p.ViscCFL * s.rmin * s.dx * s.dx / mu
	sub := int(math.Ceil(h / hmax))
	dtv := h / float64(sub)
	k := mu / s.dx
	c := dtv / s.dx
	d, m, e := s.d[2:n+2], s.m[2:n+2], s.e[2:n+2]
	m, e, ir := m[:len(d)], e[:len(d)], s.ir[:len(d)]
	last := len(d) - 1
	for range sub {
		// Face i+1/2 between velocities vl and vr: stress tau = mu (vr - vl)/dx, work tau (vl + vr)/2.
		// The velocity m/rho of cell i+1 is read before cell i+1 is updated; the two edge velocities
		// (the ghosts' sources) are taken first.
		vFirst, vLast := float64(m[0]*ir[0]), float64(m[last]*ir[last])
		gl, gr := vLast, vFirst // periodic ghosts
		if s.p.Boundary != Periodic {
			gl, gr = vFirst, vLast
		}
		vl := vFirst
		tauL := float64(k * (vFirst - gl))
		workL := float64(tauL * (0.5 * (gl + vFirst)))
		for i := range last {
			vr := float64(m[i+1] * ir[i+1])
			tauR := float64(k * (vr - vl))
			workR := float64(tauR * (0.5 * (vl + vr)))
			m[i] += float64(c * (tauR - tauL))
			e[i] += float64(c * (workR - workL))
			vl, tauL, workL = vr, tauR, workR
		}
		tauR := float64(k * (gr - vl))
		workR := float64(tauR * (0.5 * (vl + gr)))
		m[last] += float64(c * (tauR - tauL))
		e[last] += float64(c * (workR - workL))
	}
}

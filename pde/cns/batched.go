package cns

import (
	"context"
	"fmt"
	"math"

	"github.com/trajdiff/trajdiff/pde"
)

// BatchSolver solves many trajectories of the same Params with SIMD kernels, one trajectory per lane of a
// vector register (8 lanes with AVX-512, twice 4 with AVX2), each lane with its own time step, viscous
// sub-step count and frame clock. A lane whose trajectory ends takes the next one of the request, so lanes
// idle only at the end of a request. Every trajectory is bit-identical to Solver.Solve on it, whatever its
// lane and its neighbours: the kernels perform the scalar operations in the scalar order (see
// scripts/pde/gen_cns_asm.py), the rare first-order fallback of the Hancock step is recomputed by the scalar
// formulas, and a trajectory whose state turns non-finite or non-positive is solved again by Solver, so its
// error is exactly Solver's. Builds without the kernels (other architectures, -tags purego, CPUs without
// AVX2) solve the trajectories one by one with Solver.
//
// A BatchSolver holds scratch buffers and is not safe for concurrent use; make one per goroutine.
type BatchSolver struct {
	p      Params
	n      int
	dx     float64
	kern   *kernels
	width  int       // lanes per kernel call (8 or 4); 0 without kernels
	slab   []float64 // (n+4) padded cells x nField fields x 8 lanes
	prm    []float64 // (nSlot + nSpill) slots x 8 lanes
	scalar *Solver   // the fallback, and the re-solver of failed lanes
	lane   [lanes]laneState
	steps  []int
	// fallbacks counts the (cell, step) pairs of the last Solve whose face states took the first-order
	// fallback in Go.
	fallbacks int
	// batchSteps counts the steps of the last Solve taken by the kernels (all lanes together).
	batchSteps int
}

// kernels are the SIMD passes of one step (kernel_amd64.s).
type kernels [8]func(cells, prm *float64, count int)

const (
	kHancock = iota
	kHLLC
	kUpdate
	kPrims
	kPrimsSpeed
	kViscous
	kViscousPrims      // the last viscous sub-step, then the primitives
	kViscousPrimsSpeed // the last viscous sub-step, then the primitives and the signal speed
)

// lanes is the number of trajectories in flight: one AVX-512 register of float64.
const lanes = 8

// Fields of a padded cell of the slab, each 8 lanes (keep in step with FIELDS in scripts/pde/gen_cns_asm.py):
// conserved and primitive variables, 1/rho, the Hancock face states, the fallback flag and the face fluxes.
const (
	fD = iota
	fM
	fE
	fR
	fU
	fW
	fIR
	fRL
	fUL
	fPL
	fAL
	fML
	fEL
	fRR
	fUR
	fPR
	fAR
	fMR
	fER
	fOK
	fFD
	fFM
	fFE
	nField
)

// Slots of the parameter block, each 8 lanes (keep in step with SLOTS in scripts/pde/gen_cns_asm.py).
const (
	sHalf = iota
	sTwo
	sZero
	sOne
	sGI
	sGM1
	sG
	sMaxF
	sAbsMask
	sK
	sC
	sC2
	sCV
	sAct
	sVL
	sTauL
	sWorkL
	sAccOK
	sRmin
	sOKD
	sOKP
	sSmax
	nSlot
	nSpill = 24
)

// laneState is one lane's trajectory: Solve's loop variables for it.
type laneState struct {
	job    int // index of the trajectory in the request; -1 for an idle lane
	t, tn  float64
	dt     float64
	last   bool // dt was clipped to land on tn
	k      int  // frames done
	steps  int
	smax   float64
	rmin   float64
	frames []State
}

// NewBatchSolver validates p and allocates buffers.
func NewBatchSolver(p Params) (*BatchSolver, error) {
	return newBatchSolver(p, batchKernel())
}

func newBatchSolver(p Params, kernel string) (*BatchSolver, error) {
	sc, err := NewSolver(p)
	if err != nil {
		return nil, err
	}
	s := &BatchSolver{p: p, n: p.Cells, dx: p.Dx(), scalar: sc}
	s.kern, s.width = kernelSet(kernel)
	if s.kern == nil {
		return s, nil
	}
	s.slab = make([]float64, (s.n+4)*nField*lanes)
	s.prm = make([]float64, (nSlot+nSpill)*lanes)
	g := p.Gamma
	for slot, v := range map[int]float64{sHalf: 0.5, sTwo: 2, sZero: 0, sOne: 1, sGI: 1 / (g - 1), sGM1: g - 1, sG: g,
		sMaxF: math.MaxFloat64, sAbsMask: math.Float64frombits(1<<63 - 1), sK: p.Viscosity() / s.dx} {
		s.setAll(slot, v)
	}
	return s, nil
}

// Params returns the solver's parameters.
func (s *BatchSolver) Params() Params { return s.p }

// Steps returns the hydrodynamic steps of each trajectory of the last Solve (0 for a failed one).
func (s *BatchSolver) Steps() []int { return s.steps }

func (s *BatchSolver) setAll(slot int, v float64) {
	for b := range lanes {
		s.prm[slot*lanes+b] = v
	}
}

// at is the index of field f of padded cell j, lane b.
func at(j, f, b int) int { return (j*nField+f)*lanes + b }

// Solve solves every initial state and returns, per trajectory, its Frames+1 states and its error: what
// Solver.Solve returns for it (then the frames are nil); the other trajectories run to the end. The last
// error is for the request as a whole (ctx cancelled) and comes with no results.
func (s *BatchSolver) Solve(ctx context.Context, inits []State) ([][]State, []error, error) {
	out, errs := make([][]State, len(inits)), make([]error, len(inits))
	s.steps = make([]int, len(inits))
	s.fallbacks, s.batchSteps = 0, 0
	if s.kern == nil {
		for i, in := range inits {
			out[i], errs[i] = s.scalar.Solve(ctx, in)
			if err := ctx.Err(); err != nil {
				return nil, nil, err
			}
			if errs[i] == nil {
				s.steps[i] = s.scalar.Steps()
			}
		}
		return out, errs, nil
	}
	r := run{s: s, inits: inits, out: out, errs: errs}
	if err := r.solve(ctx); err != nil {
		return nil, nil, err
	}
	// Trajectories whose state left the domain where the kernels and the scalar code may part (a NaN or
	// non-positive density or pressure): Solver gives their exact error.
	for _, i := range r.again {
		out[i], errs[i] = s.scalar.Solve(ctx, inits[i])
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		if errs[i] == nil {
			s.steps[i] = s.scalar.Steps()
		}
	}
	return out, errs, nil
}

// run is one Solve on the kernels.
type run struct {
	s     *BatchSolver
	inits []State
	out   [][]State
	errs  []error
	next  int   // next trajectory to start
	again []int // trajectories to solve with the scalar Solver
}

func (r *run) solve(ctx context.Context) error {
	s := r.s
	for b := range lanes {
		s.drop(b)
	}
	r.fill()
	visc := s.p.Viscosity() > 0
	maxSteps := s.p.MaxSteps
	if maxSteps == 0 {
		maxSteps = 10_000_000
	}
	for iter := 0; ; iter++ {
		if iter%64 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		// Solve's loop head for every lane: the step limit, then the time step, clipped to the frame time.
		active := false
		for b := range lanes {
			l := &s.lane[b]
			if l.job >= 0 && l.steps >= maxSteps {
				r.errs[l.job] = fmt.Errorf("cns: %d steps reached at t = %.6g before T = %v: %w", l.steps, l.t, s.p.T, pde.ErrUnstable)
				s.drop(b)
			}
			if l.job < 0 {
				s.setStep(b, 0)
				continue
			}
			dt := s.p.CFL * s.dx / l.smax
			l.last = false
			if dt >= l.tn-l.t {
				dt, l.last = l.tn-l.t, true
			}
			s.setStep(b, dt)
			active = true
		}
		if !active {
			if r.next >= len(r.inits) {
				return nil
			}
			r.fill()
			continue
		}
		// Solve's step for every lane: half a viscous step, the hydrodynamic step, half a viscous step.
		s.batchSteps++
		if visc {
			s.viscous(kViscousPrims)
			r.checkPrimitives()
		}
		s.hydro()
		for b := range lanes {
			if s.lane[b].job >= 0 && s.prm[sOKD*lanes+b] == 0 {
				r.redo(b)
			}
		}
		if visc {
			s.viscous(kViscousPrimsSpeed)
		} else {
			s.primitives(kPrimsSpeed)
		}
		r.checkPrimitives()
		idle := false
		for b := range lanes {
			l := &s.lane[b]
			if l.job < 0 {
				idle = true
				continue
			}
			if l.last {
				l.t = l.tn
			} else {
				l.t += l.dt
			}
			l.smax = s.prm[sSmax*lanes+b]
			l.steps++
			if l.t < l.tn {
				continue
			}
			l.frames = append(l.frames, s.snapshot(b))
			l.k++
			l.tn = float64(l.k+1) * s.p.T / float64(s.p.Frames)
			if l.k == s.p.Frames {
				r.out[l.job] = l.frames
				s.steps[l.job] = l.steps
				s.drop(b)
				idle = true
			}
		}
		if idle && r.next < len(r.inits) {
			r.fill()
		}
	}
}

// fill starts the next trajectories of the request in the idle lanes: Solve's set-up (conserved variables,
// reciprocals, primitives and the first signal speed) and the first frame.
func (r *run) fill() {
	s := r.s
	for {
		loaded := false
		for b := range lanes {
			if s.lane[b].job >= 0 {
				continue
			}
			for r.next < len(r.inits) {
				i := r.next
				r.next++
				if err := r.inits[i].Check(s.n); err != nil {
					r.errs[i] = err
					continue
				}
				s.load(b, i, r.inits[i])
				loaded = true
				break
			}
		}
		if !loaded {
			return
		}
		// The primitives of every lane: the running lanes get back the values they hold.
		s.primitives(kPrimsSpeed)
		failed := false
		for b := range lanes {
			l := &s.lane[b]
			if l.job < 0 || l.frames != nil {
				continue
			}
			if s.prm[sOKP*lanes+b] == 0 {
				r.redo(b)
				failed = true
				continue
			}
			l.smax = s.prm[sSmax*lanes+b]
			l.frames = append(make([]State, 0, s.p.Frames+1), s.snapshot(b))
		}
		if !failed {
			return
		}
	}
}

// checkPrimitives hands the lanes whose primitive state failed Solver's test to the scalar Solver.
func (r *run) checkPrimitives() {
	for b := range lanes {
		if r.s.lane[b].job >= 0 && r.s.prm[sOKP*lanes+b] == 0 {
			r.redo(b)
		}
	}
}

// redo gives lane b's trajectory to the scalar Solver and frees the lane.
func (r *run) redo(b int) {
	r.again = append(r.again, r.s.lane[b].job)
	r.s.drop(b)
}

// drop frees lane b and fills it with a uniform gas at rest, which every kernel keeps finite.
func (s *BatchSolver) drop(b int) {
	s.lane[b] = laneState{job: -1}
	gi := 1 / (s.p.Gamma - 1)
	for j := range s.n + 4 {
		for f, v := range [...]float64{fD: 1, fM: 0, fE: gi, fR: 1, fU: 0, fW: 1, fIR: 1} {
			s.slab[at(j, f, b)] = v
		}
	}
}

// load puts trajectory job's initial state into lane b as Solve does: conserved variables, 1/rho and the
// smallest density.
func (s *BatchSolver) load(b, job int, in State) {
	g := s.p.Gamma
	rmin := math.Inf(1)
	for i := range s.n {
		r, u := in.Rho[i], in.U[i]
		mm := float64(r * u)
		j := i + 2
		s.slab[at(j, fD, b)], s.slab[at(j, fM, b)], s.slab[at(j, fE, b)] = r, mm, in.P[i]/(g-1)+float64(0.5*mm*u)
		s.slab[at(j, fIR, b)] = 1 / r
		rmin = min(rmin, r)
	}
	s.lane[b] = laneState{job: job, tn: s.p.T / float64(s.p.Frames), rmin: rmin}
}

// setStep sets lane b's step dt and the coefficients (dt/2)/dx and dt/dx of the hydrodynamic step.
func (s *BatchSolver) setStep(b int, dt float64) {
	s.lane[b].dt = dt
	s.prm[sC*lanes+b] = 0.5 * dt / s.dx
	s.prm[sC2*lanes+b] = dt / s.dx
}

// call runs kernel k on count cells from padded cell j0, lanes 0-7 in one call or two.
func (s *BatchSolver) call(k, j0, count int) {
	c := at(j0, 0, 0)
	if j0 < 0 || count < 0 || j0+count+1 > s.n+4 { // the kernels reach two cells beyond their range at most
		panic(fmt.Sprintf("cns: kernel over cells %d..%d of %d", j0, j0+count, s.n+4))
	}
	for l0 := 0; l0 < lanes; l0 += s.width {
		s.kern[k](&s.slab[c+l0], &s.prm[l0], count)
	}
}

// primitives runs kernel k (kPrims or kPrimsSpeed) over the interior, with fresh accumulators, and fills
// the ghosts.
func (s *BatchSolver) primitives(k int) {
	s.setAll(sOKP, 1)
	s.setAll(sSmax, 0)
	s.call(k, 2, s.n)
	s.ghosts()
}

// ghosts fills the primitive variables of the two ghosts on each side (Solver's fill).
func (s *BatchSolver) ghosts() {
	n := s.n
	gh := func(dst, src int) {
		copy(s.slab[at(dst, fR, 0):at(dst, fW+1, 0)], s.slab[at(src, fR, 0):at(src, fW+1, 0)])
	}
	if s.p.Boundary == Periodic {
		gh(0, n)
		gh(1, n+1)
		gh(n+2, 2)
		gh(n+3, 3)
		return
	}
	gh(0, 2)
	gh(1, 2)
	gh(n+2, n+1)
	gh(n+3, n+1)
}

// hydro is Solver.hydro and Solver.reciprocals for every lane: the Hancock face states (with the scalar
// first-order fallback where a lane needs it), the HLLC fluxes, the update, 1/rho and each lane's smallest
// density.
func (s *BatchSolver) hydro() {
	n := s.n
	s.setAll(sRmin, math.Inf(1))
	s.setAll(sOKD, 1)
	// In blocks of hydroBlock cells, so that a block's face states and fluxes are still in the L1 cache
	// when the next kernel reads them: the Hancock states of cells [h0, h), then the faces whose two
	// states are known (face f lies between cells f+1 and f+2), then the cells whose two faces are.
	h0, f0, u0 := 1, 0, 2
	for h0 < n+3 {
		h := min(h0+hydroBlock, n+3)
		s.setAll(sAccOK, 1)
		s.call(kHancock, h0, h-h0)
		for b := range lanes {
			if s.lane[b].job >= 0 && s.prm[sAccOK*lanes+b] == 0 {
				s.firstOrder(b, h0, h)
			}
		}
		f := min(h-2, n+1)
		s.call(kHLLC, f0, f-f0)
		u := min(f+1, n+2)
		s.call(kUpdate, u0, u-u0)
		h0, f0, u0 = h, f, u
	}
	for b := range lanes {
		s.lane[b].rmin = s.prm[sRmin*lanes+b]
	}
}

// hydroBlock is the number of cells hydro takes through its three kernels at a time: 32 cells of the
// slab are 46 KB.
const hydroBlock = 32

// firstOrder sets the constant face states of Solver.hydro's fallback in the cells of lane b the Hancock
// kernel flagged among padded cells [lo, hi).
func (s *BatchSolver) firstOrder(b, lo, hi int) {
	g := s.p.Gamma
	gi := 1 / (g - 1)
	for j := lo; j < hi; j++ {
		if s.slab[at(j, fOK, b)] != 0 {
			continue
		}
		s.fallbacks++
		rL, uL, pL := s.slab[at(j, fR, b)], s.slab[at(j, fU, b)], s.slab[at(j, fW, b)]
		mL := float64(rL * uL)
		eL, aL := float64(pL*gi)+float64(0.5*mL*uL), math.Sqrt(g*pL/rL)
		for k, v := range [...]float64{rL, uL, pL, aL, mL, eL} {
			s.slab[at(j, fRL+k, b)] = v
			s.slab[at(j, fRR+k, b)] = v
		}
	}
}

// viscous is Solver.viscous(dt/2) for every lane, then the primitives (then = kViscousPrims or
// kViscousPrimsSpeed, fused into the last sub-step): each lane's own sub-step count, the sub-steps run
// together with the lanes that have fewer held by a mask. The boundary velocities of each sub-step come
// from Go: the left one as the carried face values, the right one as the m and ir (itself and 1) of the
// ghost after the last cell.
func (s *BatchSolver) viscous(then int) {
	mu := s.p.Viscosity()
	k := mu / s.dx
	n := s.n
	var sub [lanes]int
	var c [lanes]float64
	most := 1
	for b := range lanes {
		l := &s.lane[b]
		if l.job < 0 {
			continue
		}
		h := 0.5 * l.dt
		hmax := s.p.ViscCFL * l.rmin * s.dx * s.dx / mu
		sub[b] = int(math.Ceil(h / hmax))
		c[b] = h / float64(sub[b]) / s.dx
		most = max(most, sub[b])
	}
	first, last := 2, n+1 // padded cells of interior cells 0 and n-1
	for j := range most {
		for b := range lanes {
			act := 0.0
			if j < sub[b] {
				act = 1
			}
			s.prm[sAct*lanes+b], s.prm[sCV*lanes+b] = act, c[b]
			vFirst := float64(s.slab[at(first, fM, b)] * s.slab[at(first, fIR, b)])
			vLast := float64(s.slab[at(last, fM, b)] * s.slab[at(last, fIR, b)])
			gl, gr := vLast, vFirst
			if s.p.Boundary != Periodic {
				gl, gr = vFirst, vLast
			}
			s.slab[at(last+1, fM, b)], s.slab[at(last+1, fIR, b)] = gr, 1
			tauL := float64(k * (vFirst - gl))
			s.prm[sVL*lanes+b], s.prm[sTauL*lanes+b], s.prm[sWorkL*lanes+b] = vFirst, tauL, tauL*(0.5*(gl+vFirst))
		}
		if j < most-1 {
			s.call(kViscous, first, n)
			continue
		}
		s.setAll(sOKP, 1)
		s.setAll(sSmax, 0)
		s.call(then, first, n)
	}
	s.ghosts()
}

// snapshot copies lane b's primitive state.
func (s *BatchSolver) snapshot(b int) State {
	st := NewState(s.n)
	for i := range s.n {
		st.Rho[i], st.U[i], st.P[i] = s.slab[at(i+2, fR, b)], s.slab[at(i+2, fU, b)], s.slab[at(i+2, fW, b)]
	}
	return st
}

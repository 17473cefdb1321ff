package burgers

import (
	"context"
	"fmt"
	"math"

	"github.com/trajdiff/trajdiff/pde"
)

// BatchSolver advances up to Width trajectories of the same Params together. The fine states are stored
// point-major and trajectory-minor, u[i*stride + b] (stride = Width rounded up to a multiple of 8, the
// padding lanes held at zero), so the inner loop over trajectories is contiguous and runs in SIMD
// registers (AVX-512 or AVX2 on amd64, see kernel_amd64.go; a portable Go loop elsewhere); on larger
// grids the AVX-512 kernel takes two time steps per pass over the state. Every lane
// performs exactly the scalar Solver's operations (stencil.update) in its order, so each trajectory is bit-identical
// to Solver.Solve on it, whatever the batch size or the trajectory's lane.
//
// A BatchSolver holds scratch buffers and is not safe for concurrent use; make one per goroutine.
type BatchSolver struct {
	kernel        string // the step kernel (batchKernel)
	p             Params
	m, steps      int
	width, stride int
	dt, dx        float64
	// u and v hold m+2 rows of stride lanes: row 0 and row m+1 are the zero ghost values at the walls,
	// row i the fine point x_i. dtf holds dt*f for rows 1..m (indexed from 0). All stay zero in lanes
	// that hold no running trajectory.
	u, v, dtf []float64
	fine      []float64 // one lane's fine values (interpolation scratch)
	live      []bool    // live[b]: lane b holds a running trajectory
}

// NewBatchSolver validates p and allocates buffers for up to width trajectories.
func NewBatchSolver(p Params, width int) (*BatchSolver, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if width < 1 || width > 1<<16 {
		return nil, pde.Invalidf("burgers: batch width %d, want 1..65536", width)
	}
	m := p.FinePoints()
	stride := (width + lanePad - 1) / lanePad * lanePad
	if int64(m+2)*int64(stride) > 1<<28 {
		return nil, pde.Invalidf("burgers: %d fine points x %d trajectories is too large a batch", m, width)
	}
	return &BatchSolver{p: p, m: m, kernel: batchKernel(m), steps: p.Steps(), width: width, stride: stride, dt: p.Dt(), dx: p.Dx(),
		u: make([]float64, (m+2)*stride), v: make([]float64, (m+2)*stride), dtf: make([]float64, m*stride),
		fine: make([]float64, m), live: make([]bool, stride)}, nil
}

// lanePad is the lane count the batch stride is a multiple of (one AVX-512 register of float64).
const lanePad = 8

// Params returns the solver's parameters.
func (s *BatchSolver) Params() Params { return s.p }

// Width is the largest number of trajectories one Solve takes.
func (s *BatchSolver) Width() int { return s.width }

// Solve runs len(u0) <= Width trajectories: trajectory b starts from the coarse state u0[b] under the
// coarse control f[b] (K x N row-major as in Solver.Solve; f == nil or f[b] == nil means no control).
// It returns the coarse trajectories and one error per trajectory: errs[b] is what Solver.Solve would
// return for trajectory b alone (an error wrapping pde.ErrInvalidParams for bad inputs, a
// *pde.BlowUpError naming the step and point where it became unstable), and then traj[b] is nil; the
// other trajectories run to the end. out[b] is reused when it has the right length. The last error is
// for the batch as a whole (too many trajectories, f of the wrong length, ctx cancelled); it comes with
// no results.
func (s *BatchSolver) Solve(ctx context.Context, u0, f, out [][]float64) (traj [][]float64, errs []error, err error) {
	nb := len(u0)
	if nb > s.width {
		return nil, nil, pde.Invalidf("burgers: batch of %d trajectories, solver width %d", nb, s.width)
	}
	if f != nil && len(f) != nb {
		return nil, nil, pde.Invalidf("burgers: %d controls for %d initial states", len(f), nb)
	}
	n, k, r := s.p.Cells, s.p.Frames, s.p.Refine
	traj, errs = make([][]float64, nb), make([]error, nb)
	ctl := func(b int) []float64 {
		if f == nil {
			return nil
		}
		return f[b]
	}
	clear(s.u)
	clear(s.v)
	clear(s.dtf)
	clear(s.live)
	bound := s.p.MaxStableSpeed()
	for b := range nb {
		if errs[b] = s.checkInputs(u0[b], ctl(b)); errs[b] != nil {
			continue
		}
		interpolate(s.fine, u0[b], r, 0, 0)
		if vmax := maxAbs(s.fine); vmax > bound {
			errs[b] = pde.Invalidf("burgers: max|u0| = %.4g exceeds the FTCS stability bound sqrt(2 nu/dt) = %.4g", vmax, bound)
			continue
		}
		s.setLane(s.u[s.stride:], b, s.fine)
		if b < len(out) && len(out[b]) == (k+1)*n {
			traj[b] = out[b]
		} else {
			traj[b] = make([]float64, (k+1)*n)
		}
		copy(traj[b][:n], u0[b])
		s.live[b] = true
	}
	for fr := 0; fr < k; fr++ {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		for b := range nb {
			if fb := ctl(b); s.live[b] && fb != nil {
				row := fb[fr*n : (fr+1)*n]
				interpolate(s.fine, row, r, row[0], row[n-1])
				for i, x := range s.fine {
					s.dtf[i*s.stride+b] = s.dt * x
				}
			}
		}
		s.interval(fr, bound, errs)
		for b := range nb {
			if !s.live[b] {
				continue
			}
			dst := traj[b][(fr+1)*n : (fr+2)*n]
			for j := range dst {
				dst[j] = s.u[(r*(j+1))*s.stride+b] // fine point r(j+1) is row r(j+1)
			}
		}
	}
	for b := range nb {
		if errs[b] != nil {
			traj[b] = nil
		}
	}
	return traj, errs, nil
}

// checkInputs are Solver.Solve's checks of one trajectory's inputs.
func (s *BatchSolver) checkInputs(u0, f []float64) error {
	n, k := s.p.Cells, s.p.Frames
	if len(u0) != n {
		return pde.Invalidf("burgers: initial state has %d values, want %d coarse points", len(u0), n)
	}
	if f != nil && len(f) != k*n {
		return pde.Invalidf("burgers: control has %d values, want %d frames x %d points = %d", len(f), k, n, k*n)
	}
	if err := pde.CheckFinite("burgers: u0", u0); err != nil {
		return err
	}
	if f != nil {
		if err := pde.CheckFinite("burgers: control", f); err != nil {
			return err
		}
	}
	return nil
}

// setLane writes x (one value per row) into lane b of the row-major block dst.
func (s *BatchSolver) setLane(dst []float64, b int, x []float64) {
	for i, v := range x {
		dst[i*s.stride+b] = v
	}
}

// interval takes the Euler steps of control interval fr for every lane, with Solver.interval's checks: a
// lane whose state leaves the stability bound gets its *pde.BlowUpError in errs and is zeroed (state and
// control), so it stays zero while the other lanes run on.
func (s *BatchSolver) interval(fr int, bound float64, errs []error) {
	sten := newStencil(s.p)
	isCheck := func(st int) bool { return st%checkEvery == checkEvery-1 || st == s.steps-1 }
	for st := 0; st < s.steps; st++ {
		// Steps st and st+1 together where the kernel can: st is even, so it is never a check step
		// (checkEvery is even), and st+1's check covers the pair.
		if st+1 < s.steps {
			if bad, ok := stepTwoBatch(s.kernel, s.u, s.v, s.dtf, s.m, s.stride, sten, bound, isCheck(st+1)); ok {
				s.u, s.v = s.v, s.u
				st++
				if bad {
					s.blowUps(fr*s.steps+st, bound, errs)
				}
				continue
			}
		}
		bad := stepBatch(s.kernel, s.u, s.v, s.dtf, s.m, s.stride, sten, bound, isCheck(st))
		s.u, s.v = s.v, s.u
		if bad {
			s.blowUps(fr*s.steps+st, bound, errs)
		}
	}
}

// blowUps reports and zeroes every live lane with a value beyond the bound (or NaN, Inf) in s.u.
func (s *BatchSolver) blowUps(step int, bound float64, errs []error) {
	u := s.u[s.stride : (s.m+1)*s.stride]
	for b := range s.stride {
		if !s.live[b] {
			continue
		}
		err := blowUpAt(step, s.dt, s.dx, bound, s.m, func(i int) float64 { return u[i*s.stride+b] })
		if err == nil {
			continue
		}
		errs[b] = err
		s.live[b] = false
		for i := range s.m {
			u[i*s.stride+b] = 0
			s.dtf[i*s.stride+b] = 0
		}
	}
}

// blowUpAt returns the *pde.BlowUpError of the first of the m values at(0..m-1) that is NaN, Inf or
// beyond bound, or nil if there is none.
func blowUpAt(step int, dt, dx, bound float64, m int, at func(int) float64) error {
	for i := range m {
		v := at(i)
		if math.Abs(v) <= bound {
			continue
		}
		e := &pde.BlowUpError{System: "burgers", Step: step, Time: float64(step+1) * dt, Quantity: "u",
			Location: fmt.Sprintf("x[%d] = %.6g", i+1, float64(i+1)*dx), Value: v}
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			e.Limit = bound
		}
		return e
	}
	return nil
}

// stepGo is the portable batch step: rows 1..m of v from rows 0..m+1 of u (stride lanes each), the
// scalar update (stencil.update) lane by lane. It reports whether check is set and some |v| is beyond bound
// or NaN.
func stepGo(u, v, dtf []float64, m, stride int, st stencil, bound float64, check bool) bool {
	bad := false
	for i := 1; i <= m; i++ {
		um := u[(i-1)*stride : i*stride]
		uc := u[i*stride : (i+1)*stride]
		up := u[(i+1)*stride : (i+2)*stride]
		f := dtf[(i-1)*stride : i*stride]
		w := v[i*stride : (i+1)*stride]
		for l := range w {
			x := st.update(um[l], uc[l], up[l], f[l])
			w[l] = x
			if check && !(math.Abs(x) <= bound) {
				bad = true
			}
		}
	}
	return bad
}

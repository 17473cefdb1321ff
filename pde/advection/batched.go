package advection

import (
	"context"
	"math"

	"github.com/trajdiff/trajdiff/pde"
	"github.com/trajdiff/trajdiff/pde/internal/limiter"
)

// BatchSolver advances up to Width trajectories of the same Params together with the MUSCL / midpoint
// scheme of Solver. The states are stored point-major and trajectory-minor, u[j*stride + b] (stride =
// Width rounded up to a multiple of 8, the padding lanes held at zero; rows 0, 1, N+2, N+3 are the
// periodic ghosts), so the inner loop over trajectories is contiguous and runs in SIMD registers
// (AVX-512 or AVX2 on amd64, see kernel_amd64.go; a portable Go loop elsewhere). Every lane performs
// exactly the scalar Solver's operations in the scalar order, so each trajectory is bit-identical to
// Solver.Solve on it, whatever the batch size or the trajectory's lane.
//
// A BatchSolver holds scratch buffers and is not safe for concurrent use; make one per goroutine.
type BatchSolver struct {
	kernel        string // the stage kernel (batchKernel)
	p             Params
	width, stride int
	u, us         []float64 // (N+4) x stride: the state and the predictor stage
	w             []float64 // (2N+6) x 8: the face values of one register of lanes (the kernels' scratch)
	live          []bool    // live[b]: lane b holds a running trajectory
}

// lanePad is the lane count the batch stride is a multiple of (one AVX-512 register of float64).
const lanePad = 8

// NewBatchSolver validates p and allocates buffers for up to width trajectories.
func NewBatchSolver(p Params, width int) (*BatchSolver, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if width < 1 || width > 1<<16 {
		return nil, pde.Invalidf("advection: batch width %d, want 1..65536", width)
	}
	stride := (width + lanePad - 1) / lanePad * lanePad
	if int64(p.Cells+4)*int64(stride) > 1<<28 {
		return nil, pde.Invalidf("advection: %d cells x %d trajectories is too large a batch", p.Cells, width)
	}
	rows := (p.Cells + 4) * stride
	return &BatchSolver{kernel: batchKernel(), p: p, width: width, stride: stride, u: make([]float64, rows), us: make([]float64, rows),
		w: make([]float64, (2*p.Cells+6)*lanePad), live: make([]bool, stride)}, nil
}

// Params returns the solver's parameters.
func (s *BatchSolver) Params() Params { return s.p }

// Width is the largest number of trajectories one Solve takes.
func (s *BatchSolver) Width() int { return s.width }

// Solve runs len(u0) <= Width trajectories from the N cell values u0[b]. It returns the (Frames+1) x N
// trajectories and one error per trajectory: errs[b] is what Solver.Solve would return for trajectory b
// alone (an error wrapping pde.ErrInvalidParams for bad inputs, a *pde.BlowUpError at the first frame
// with a value that is not finite), and then traj[b] is nil; the other trajectories run to the end.
// out[b] is reused when it has the right length. The last error is for the batch as a whole (too many
// trajectories, ctx cancelled); it comes with no results.
func (s *BatchSolver) Solve(ctx context.Context, u0, out [][]float64) (traj [][]float64, errs []error, err error) {
	nb := len(u0)
	if nb > s.width {
		return nil, nil, pde.Invalidf("advection: batch of %d trajectories, solver width %d", nb, s.width)
	}
	n, k, st := s.p.Cells, s.p.Frames, s.stride
	traj, errs = make([][]float64, nb), make([]error, nb)
	clear(s.u)
	clear(s.us)
	clear(s.live)
	for b := range nb {
		if len(u0[b]) != n {
			errs[b] = pde.Invalidf("advection: initial state has %d values, want %d cells", len(u0[b]), n)
			continue
		}
		if errs[b] = pde.CheckFinite("advection: u0", u0[b]); errs[b] != nil {
			continue
		}
		for i, x := range u0[b] {
			s.u[(i+2)*st+b] = x
		}
		if b < len(out) && len(out[b]) == (k+1)*n {
			traj[b] = out[b]
		} else {
			traj[b] = make([]float64, (k+1)*n)
		}
		copy(traj[b][:n], u0[b])
		s.live[b] = true
	}
	steps := s.p.StepsPerFrame()
	dt := 0.0
	if steps > 0 {
		dt = s.p.T / float64(k*steps)
	}
	// The stage factors as Solver.apply forms them: (dt/2)/dx and dt/dx.
	dx := s.p.Dx()
	c1, c2 := 0.5*dt/dx, dt/dx
	beta, ab := s.p.Beta, math.Abs(s.p.Beta)
	for fr := 0; fr < k; fr++ {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		for range steps {
			s.ghosts(s.u)
			stageBatch(s.kernel, s.u, s.u, s.us, s.w, n, st, beta, ab, c1)
			s.ghosts(s.us)
			stageBatch(s.kernel, s.us, s.u, s.u, s.w, n, st, beta, ab, c2)
		}
		// Frame fr+1 of every live lane, read row by row (contiguous lanes).
		for i := range n {
			src := s.u[(i+2)*st : (i+2)*st+nb]
			for b, x := range src {
				if s.live[b] {
					traj[b][(fr+1)*n+i] = x
				}
			}
		}
		for b := range nb {
			if !s.live[b] {
				continue
			}
			row := traj[b][(fr+1)*n : (fr+2)*n]
			if i := pde.FirstNonFinite(row); i >= 0 {
				errs[b] = blowUp(s.p, fr, steps, i, row[i])
				s.live[b] = false
				for j := range n + 4 {
					s.u[j*st+b] = 0
					s.us[j*st+b] = 0
				}
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

// ghosts fills the periodic ghost rows 0, 1, N+2, N+3 of v (as Solver.rhs does).
func (s *BatchSolver) ghosts(v []float64) {
	n, st := s.p.Cells, s.stride
	copy(v[0:2*st], v[n*st:(n+2)*st])
	copy(v[(n+2)*st:(n+4)*st], v[2*st:4*st])
}

// stageGo is the portable batch stage: rows 2..n+1 of dst = src - c (F_{i+1/2} - F_{i-1/2}) with the
// face fluxes of v (rows 0..n+3, ghosts filled), Solver.rhs and Solver.apply lane by lane, in their
// order and rounding (see fv.go). dst may be src; v must not overlap dst.
func stageGo(v, src, dst []float64, n, stride int, beta, ab, c float64) {
	var ur, fl [lanePad]float64
	for l0 := 0; l0 < stride; l0 += lanePad {
		for l := range lanePad {
			v0, v1, v2 := v[l0+l], v[stride+l0+l], v[2*stride+l0+l]
			ur[l] = v1 + float64(0.5*limiter.MC(v1-v0, v2-v1))
		}
		for j := 2; j <= n+2; j++ {
			vm := v[(j-1)*stride+l0 : (j-1)*stride+l0+lanePad]
			vc := v[j*stride+l0 : j*stride+l0+lanePad]
			vp := v[(j+1)*stride+l0 : (j+1)*stride+l0+lanePad]
			for l := range lanePad {
				x := vc[l]
				h := float64(0.5 * limiter.MC(x-vm[l], vp[l]-x))
				f := faceFlux(beta, ab, ur[l], x-h)
				if j > 2 {
					i := (j-1)*stride + l0 + l
					dst[i] = update(src[i], c, f, fl[l])
				}
				fl[l], ur[l] = f, x+h
			}
		}
	}
}

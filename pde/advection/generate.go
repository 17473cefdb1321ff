package advection

import (
	"context"

	"github.com/trajdiff/trajdiff/pde"
)

// Method selects how trajectories are computed.
type Method int

const (
	// FiniteVolume runs the MUSCL scheme from point values of u0 at the cell centres (PDEBench).
	FiniteVolume Method = iota
	// Exact evaluates the shifted profile u0(x_i - beta t_k) at the cell centres.
	Exact
)

// Generator draws PDEBench-distributed trajectories; trajectory i of seed s uses pde.TrajectoryRNG(s, i).
type Generator struct {
	Params Params
	Method Method
}

// Trajectory is one generated sample: (Frames+1) x N states and the profile's parameters.
type Trajectory struct {
	U       []float64
	Initial Initial
}

// NewSolver returns a solver for g's parameters (one per worker).
func (g Generator) NewSolver() (*Solver, error) { return NewSolver(g.Params) }

// Trajectory draws and computes trajectory index of seed.
func (g Generator) Trajectory(ctx context.Context, s *Solver, seed uint64, index int) (Trajectory, error) {
	in := RandomInitial(pde.TrajectoryRNG(seed, index))
	xs := g.Params.X()
	if g.Method == Exact {
		n, k := g.Params.Cells, g.Params.Frames
		u := make([]float64, (k+1)*n)
		for fr := 0; fr <= k; fr++ {
			f := Shift(in.Eval, g.Params.Beta, float64(fr)*g.Params.T/float64(k))
			for i, x := range xs {
				u[fr*n+i] = f(x)
			}
		}
		return Trajectory{U: u, Initial: in}, nil
	}
	u, err := s.Solve(ctx, Sample(in.Eval, xs), nil)
	if err != nil {
		return Trajectory{}, err
	}
	return Trajectory{U: u, Initial: in}, nil
}

// BatchWidth is the batch the generator solves together: one AVX-512 register of float64 lanes.
const BatchWidth = 8

// NewBatchSolver returns a batched solver of width BatchWidth for g's parameters (one per worker).
func (g Generator) NewBatchSolver() (*BatchSolver, error) {
	return NewBatchSolver(g.Params, BatchWidth)
}

// Trajectories draws trajectories lo..hi-1 of seed and computes them together (with s for the
// finite-volume method; hi-lo <= s.Width()); trajectory lo+k is bit-identical to g.Trajectory(ctx, _,
// seed, lo+k). errs[k] is trajectory lo+k's own error (then trs[k] is zero); err is for the batch as a
// whole.
func (g Generator) Trajectories(ctx context.Context, s *BatchSolver, seed uint64, lo, hi int) (trs []Trajectory, errs []error, err error) {
	nb := hi - lo
	if nb < 0 || nb > s.Width() {
		return nil, nil, pde.Invalidf("advection: %d trajectories for a batch solver of width %d", nb, s.Width())
	}
	trs, errs = make([]Trajectory, nb), make([]error, nb)
	if g.Method == Exact { // no solver: the shifted profiles one by one
		for k := range trs {
			trs[k], errs[k] = g.Trajectory(ctx, nil, seed, lo+k)
		}
		return trs, errs, nil
	}
	xs := g.Params.X()
	u0 := make([][]float64, nb)
	for k := range trs {
		trs[k].Initial = RandomInitial(pde.TrajectoryRNG(seed, lo+k))
		u0[k] = Sample(trs[k].Initial.Eval, xs)
	}
	us, errs, err := s.Solve(ctx, u0, nil)
	if err != nil {
		return nil, nil, err
	}
	for k := range trs {
		if errs[k] != nil {
			trs[k] = Trajectory{}
			continue
		}
		trs[k].U = us[k]
	}
	return trs, errs, nil
}

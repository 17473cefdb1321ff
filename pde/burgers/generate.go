package burgers

import (
	"context"

	"github.com/trajdiff/trajdiff/pde"
)

// Trajectory is one generated sample.
type Trajectory struct {
	U       []float64   // (K+1) x N states u(t_k) on the coarse grid
	F       []float64   // K x N control, row k acting on [t_k, t_{k+1})
	Initial GaussianSum // the initial state's parameters
	Control Control     // the control's parameters
}

// Generator draws WDNO-distributed trajectories: trajectory i of seed s uses pde.TrajectoryRNG(s, i).
type Generator struct {
	Params         Params
	PartialControl bool // restrict the control to x < 1/4 or x >= 3/4 (WDNO's partial-control task)
}

// NewSolver returns a solver for g's parameters (one per worker).
func (g Generator) NewSolver() (*Solver, error) { return NewSolver(g.Params) }

// Trajectory draws and solves trajectory index of seed with s (made by g.NewSolver).
func (g Generator) Trajectory(ctx context.Context, s *Solver, seed uint64, index int) (Trajectory, error) {
	r := pde.TrajectoryRNG(seed, index)
	ic := RandomInitial(r)
	ctl := RandomControl(r, g.PartialControl)
	f := ctl.Sample(g.Params)
	u, err := s.Solve(ctx, ic.Sample(g.Params), f, nil)
	if err != nil {
		return Trajectory{}, err
	}
	return Trajectory{U: u, F: f, Initial: ic, Control: ctl}, nil
}

// BatchWidth is the batch the generator solves together: one AVX-512 register of float64 lanes, the
// fastest width measured (wider batches stride the fine grid across more cache lines per row and run
// slower; see docs/benchmarks.md).
const BatchWidth = 8

// NewBatchSolver returns a batched solver of width BatchWidth for g's parameters (one per worker).
func (g Generator) NewBatchSolver() (*BatchSolver, error) {
	return NewBatchSolver(g.Params, BatchWidth)
}

// Trajectories draws trajectories lo..hi-1 of seed and solves them together with s (hi-lo <= s.Width());
// trajectory lo+k is bit-identical to g.Trajectory(ctx, _, seed, lo+k). errs[k] is trajectory lo+k's
// own error (then trs[k] is zero); err is for the batch as a whole.
func (g Generator) Trajectories(ctx context.Context, s *BatchSolver, seed uint64, lo, hi int) (trs []Trajectory, errs []error, err error) {
	nb := hi - lo
	if nb < 0 || nb > s.Width() {
		return nil, nil, pde.Invalidf("burgers: %d trajectories for a batch solver of width %d", nb, s.Width())
	}
	trs = make([]Trajectory, nb)
	u0, f := make([][]float64, nb), make([][]float64, nb)
	for k := range trs {
		r := pde.TrajectoryRNG(seed, lo+k)
		ic := RandomInitial(r)
		ctl := RandomControl(r, g.PartialControl)
		trs[k] = Trajectory{F: ctl.Sample(g.Params), Initial: ic, Control: ctl}
		u0[k], f[k] = ic.Sample(g.Params), trs[k].F
	}
	us, errs, err := s.Solve(ctx, u0, f, nil)
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

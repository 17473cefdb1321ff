package cns

import (
	"context"

	"github.com/trajdiff/trajdiff/pde"
)

// Generator draws PDEBench-distributed trajectories; trajectory i of seed s uses pde.TrajectoryRNG(s, i).
type Generator struct{ Params Params }

// Trajectory is one generated sample.
type Trajectory struct {
	Frames  []State // Frames+1 states
	Initial Initial
}

// NewSolver returns a solver for g's parameters (one per worker).
func (g Generator) NewSolver() (*Solver, error) { return NewSolver(g.Params) }

// Trajectory draws and solves trajectory index of seed with s.
func (g Generator) Trajectory(ctx context.Context, s *Solver, seed uint64, index int) (Trajectory, error) {
	in := RandomInitial(pde.TrajectoryRNG(seed, index))
	fr, err := s.Solve(ctx, in.State(g.Params))
	if err != nil {
		return Trajectory{}, err
	}
	return Trajectory{Frames: fr, Initial: in}, nil
}

// BatchBlock is the largest block of trajectories the dataset writer hands one batch solver: enough for
// its 8 lanes to refill from, so that few lanes idle at the end of a block (91% of lane-steps are used
// at 64 random PDEBench trajectories, 74% at 16). Blocks also hold at most blockBytes of frames
// (BatchSize).
const BatchBlock = 64

// blockBytes bounds the frames of one block (both copies, solver states and dataset rows): 54
// trajectories of the default grid.
const blockBytes = 256 << 20

// NewBatchSolver returns a batch solver for g's parameters (one per worker).
func (g Generator) NewBatchSolver() (*BatchSolver, error) { return NewBatchSolver(g.Params) }

// Trajectories draws trajectories lo..hi-1 of seed and solves them together with s; trajectory lo+k is
// bit-identical to g.Trajectory(ctx, _, seed, lo+k). errs[k] is trajectory lo+k's own error (then trs[k]
// is zero); err is for the block as a whole.
func (g Generator) Trajectories(ctx context.Context, s *BatchSolver, seed uint64, lo, hi int) (trs []Trajectory, errs []error, err error) {
	if hi < lo {
		return nil, nil, pde.Invalidf("cns: trajectories %d..%d", lo, hi-1)
	}
	trs = make([]Trajectory, hi-lo)
	inits := make([]State, hi-lo)
	for k := range trs {
		trs[k].Initial = RandomInitial(pde.TrajectoryRNG(seed, lo+k))
		inits[k] = trs[k].Initial.State(g.Params)
	}
	frames, errs, err := s.Solve(ctx, inits)
	if err != nil {
		return nil, nil, err
	}
	for k := range trs {
		if errs[k] != nil {
			trs[k] = Trajectory{}
			continue
		}
		trs[k].Frames = frames[k]
	}
	return trs, errs, nil
}

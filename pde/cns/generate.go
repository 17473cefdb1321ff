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

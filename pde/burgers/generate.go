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

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

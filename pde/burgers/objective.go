package burgers

import (
	"context"
	"fmt"

	"github.com/trajdiff/trajdiff/pde"
)

// Objective is the control objective J = mean_j (u_j(T) - Target_j)^2 + EnergyWeight sum_{k,j} f_{k,j}^2
// on the coarse grid (WDNO: EnergyWeight = 2e-5).
type Objective struct {
	Target       []float64 // u*, N values
	EnergyWeight float64
}

// Cost holds J and its two parts.
type Cost struct {
	J      float64 // Misfit + EnergyWeight Energy
	Misfit float64 // mean_j (u_j(T) - u*_j)^2
	Energy float64 // sum_{k,j} f_{k,j}^2
}

// Eval returns the cost of a final state uT (N values) reached under the control f (any length; nil
// for none).
func (o Objective) Eval(uT, f []float64) (Cost, error) {
	if len(uT) != len(o.Target) {
		return Cost{}, pde.Invalidf("burgers objective: final state has %d values, target %d", len(uT), len(o.Target))
	}
	if o.EnergyWeight < 0 {
		return Cost{}, pde.Invalidf("burgers objective: negative energy weight %v", o.EnergyWeight)
	}
	var c Cost
	for j, u := range uT {
		d := u - o.Target[j]
		c.Misfit += d * d
	}
	c.Misfit /= float64(len(uT))
	for _, x := range f {
		c.Energy += x * x
	}
	c.J = c.Misfit + o.EnergyWeight*c.Energy
	return c, nil
}

// ControlObjective runs s from the coarse initial state u0 under the control f (K x N) and returns the
// cost of the reached final state and the trajectory, (K+1) x N.
func ControlObjective(ctx context.Context, s *Solver, u0, f []float64, o Objective) (Cost, []float64, error) {
	traj, err := s.Solve(ctx, u0, f, nil)
	if err != nil {
		return Cost{}, nil, fmt.Errorf("burgers control objective: %w", err)
	}
	n := s.p.Cells
	c, err := o.Eval(traj[len(traj)-n:], f)
	return c, traj, err
}

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

// BatchControlObjective is ControlObjective for up to s.Width() cases at once on the batched solver:
// case b runs from u0[b] under f[b] (nil: no control) and is scored by o[b]. Results are bit-identical to
// ControlObjective case by case; errs[b] is case b's own failure (invalid input, a blow-up), while err
// reports a failure of the whole batch (too many cases, cancellation).
func BatchControlObjective(ctx context.Context, s *BatchSolver, u0, f [][]float64, o []Objective) (costs []Cost, trajs [][]float64, errs []error, err error) {
	if len(f) != len(u0) || len(o) != len(u0) {
		return nil, nil, nil, pde.Invalidf("burgers batch objective: %d initial states, %d controls, %d objectives", len(u0), len(f), len(o))
	}
	trajs, errs, err = s.Solve(ctx, u0, f, nil)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("burgers batch control objective: %w", err)
	}
	n := s.p.Cells
	costs = make([]Cost, len(u0))
	for b := range u0 {
		if errs[b] != nil {
			errs[b] = fmt.Errorf("burgers control objective: %w", errs[b])
			continue
		}
		costs[b], errs[b] = o[b].Eval(trajs[b][len(trajs[b])-n:], f[b])
	}
	return costs, trajs, errs, nil
}

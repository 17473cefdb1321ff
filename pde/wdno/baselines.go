package wdno

import (
	"context"

	"github.com/trajdiff/trajdiff/pde/burgers"
)

// ZeroControl is the "do nothing" control baseline.
func ZeroControl() Method {
	return Method{Name: "zero-control", Baseline: func(context.Context, TestCase) ([]float64, error) { return nil, nil }}
}

// DatasetControl is the control that generated the test trajectory: it reaches the target exactly and
// costs its own energy.
func DatasetControl() Method {
	return Method{Name: "dataset-control", Baseline: func(_ context.Context, c TestCase) ([]float64, error) {
		return c.F, nil
	}}
}

// AdjointOptimum is the achievable control: L-BFGS on the exact discrete adjoint of the solver
// (burgers.OptimalControl) from zero control, at most iters iterations (0: 100), minimising the same J
// the evaluation reports (energy weight w).
func AdjointOptimum(p burgers.Params, iters int, w float64) Method {
	if w == 0 {
		w = 2e-5
	}
	return Method{Name: "adjoint-optimum", Baseline: func(ctx context.Context, c TestCase) ([]float64, error) {
		N, K := p.Cells, p.Frames
		o := burgers.Objective{Target: c.U[K*N:], EnergyWeight: w}
		f, _, err := burgers.OptimalControl(ctx, p, c.U[:N], o, burgers.OptimizeOptions{MaxIterations: iters})
		return f, err
	}}
}

package wdno

import (
	"context"
	"fmt"

	"github.com/trajdiff/trajdiff/pde/burgers"
	"github.com/trajdiff/trajdiff/pde/smoke"
)

// The baselines' method names in reports.
const (
	ZeroControlName    = "zero-control"
	DatasetControlName = "dataset-control"
	AdjointOptimumName = "adjoint-optimum"
)

// ZeroControl is the "do nothing" control baseline.
func ZeroControl() Method {
	return Method{Name: ZeroControlName, Baseline: func(context.Context, TestCase) ([]float64, error) { return nil, nil }}
}

// DatasetControl is the control that generated the test trajectory: it reaches the target exactly and
// costs its own energy.
func DatasetControl() Method {
	return Method{Name: DatasetControlName, Baseline: func(_ context.Context, c TestCase) ([]float64, error) {
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
	return Method{Name: AdjointOptimumName, Baseline: func(ctx context.Context, c TestCase) ([]float64, error) {
		N, K := p.Cells, p.Frames
		o := burgers.Objective{Target: c.U[K*N:], EnergyWeight: w}
		f, _, err := burgers.OptimalControl(ctx, p, c.U[:N], o, burgers.OptimizeOptions{MaxIterations: iters})
		return f, err
	}}
}

// SmokeAdjointOptimum is the achievable smoke control near the dataset's: L-BFGS on the exact discrete
// adjoint of pde/smoke (smoke.OptimalControl), at most iters iterations (0: 100), minimising the J the
// evaluation reports, -smoke_out after frame Frames-1 + SmokeD0Weight mean (d(0) - d0*)^2, over the
// control of the modelled frames (the evaluation gives the frames after them zero control, which
// cannot change that J).
//
// It starts from the dataset's control, not from zero control as Burgers' AdjointOptimum does: under
// zero control no smoke reaches an exit, and smoke_out's adjoint enters only through the density in
// the exit regions, so its gradient there is exactly zero and the descent could only fit d(0). J is
// not convex either; the result is the local optimum around the control that generated the test
// trajectory, at least as good as that control.
func SmokeAdjointOptimum(d *Data, iters int) Method {
	return Method{Name: "adjoint-from-dataset", Baseline: func(ctx context.Context, c TestCase) ([]float64, error) {
		return smokeOptimum(ctx, d, c, c.F, iters)
	}}
}

// smokeOptimum runs smoke.OptimalControl on case c's J (the evaluation's: -smoke_out after frame
// Frames-1 + SmokeD0Weight mean (d(0) - d0*)^2) from start (Frames x Cells x 2 in the dataset's
// order), at most iters iterations (0: 100), and returns the best control in the same order.
func smokeOptimum(ctx context.Context, d *Data, c TestCase, start []float64, iters int) ([]float64, error) {
	if !d.IsSmoke() {
		return nil, fmt.Errorf("wdno: the smoke adjoint optimum needs smoke data, %s is not", d.Path)
	}
	init, err := d.smokeInitial(c.Index)
	if err != nil {
		return nil, err
	}
	p := d.Smoke.Params
	p.Steps = (d.Frames - 1) * p.Stride // the run ends with the frame J reads
	a, err := smoke.NewAdjoint(p)
	if err != nil {
		return nil, fmt.Errorf("wdno: %w", err)
	}
	m := d.Grid[0]
	d0 := make([]float64, m*m) // the given d(0), rows y and columns x as the simulator stores it
	for x := 0; x < m; x++ {
		for y := 0; y < m; y++ {
			d0[y*m+x] = c.U[(x*m+y)*smokeState]
		}
	}
	o := smoke.Objective{D0Weight: SmokeD0Weight, D0Target: d0}
	s0 := simulatorControl(d, start)[:p.Frames()*m*m*2]
	f, _, err := smoke.OptimalControl(ctx, a, init, o, smoke.OptimizeOptions{MaxIterations: iters, Start: s0})
	if err != nil {
		return nil, err
	}
	return datasetControl(d, f), nil
}

// datasetControl is simulatorControl's inverse on the modelled frames: the simulator's control
// (frames x rows (y) x columns (x) x 2) in the dataset's order (Frames x Cells x 2, cells (x, y)).
func datasetControl(d *Data, f []float64) []float64 {
	m := d.Grid[0]
	out := make([]float64, d.Frames*m*m*2)
	swapSpaceAxes(out, f, d.Frames, m)
	return out
}

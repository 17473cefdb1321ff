package smoke_test

import (
	"context"
	"fmt"

	"github.com/trajdiff/trajdiff/pde/smoke"
)

// Improve a generated trajectory's control by gradient descent through the solver: L-BFGS on the exact
// discrete adjoint, started from the control that generated the trajectory.
func ExampleOptimalControl() {
	p := smoke.DefaultParams()
	p.N, p.Save, p.Steps = 32, 16, 48
	g := smoke.Generator{Params: p}
	sim, err := g.NewSimulator()
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	tr, err := g.Trajectory(ctx, sim, 7, 2)
	if err != nil {
		panic(err)
	}
	a, err := smoke.NewAdjoint(p)
	if err != nil {
		panic(err)
	}
	var o smoke.Objective // J = -smoke_out
	start := o.Eval(tr, sim.Layout())
	_, best, err := smoke.OptimalControl(ctx, a, tr.Initial, o, smoke.OptimizeOptions{MaxIterations: 5, Start: tr.Control})
	if err != nil {
		panic(err)
	}
	fmt.Printf("smoke_out %.2f -> %.2f\n", start.SmokeOut, best.SmokeOut)
	// Output: smoke_out 0.66 -> 0.98
}

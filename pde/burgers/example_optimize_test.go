package burgers_test

import (
	"context"
	"fmt"

	"github.com/trajdiff/trajdiff/pde/burgers"
)

// Find the achievable optimum of WDNO's control task for one trajectory: steer from its initial state
// to its final state at the least J = misfit + 2e-5 sum f^2, and compare with no control and with the
// data's own control (on a small grid so that the example runs in milliseconds; WDNOSmallParams takes
// a few seconds).
func ExampleOptimalControl() {
	p := burgers.Params{Nu: 0.01, Cells: 16, Refine: 4, T: 1, Frames: 5, DiffusionNumber: 0.1}
	g := burgers.Generator{Params: p}
	s, err := g.NewSolver()
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	tr, err := g.Trajectory(ctx, s, 3, 0)
	if err != nil {
		panic(err)
	}
	n := p.Cells
	u0, obj := tr.U[:n], burgers.Objective{Target: tr.U[len(tr.U)-n:], EnergyWeight: 2e-5}
	none, _, _ := burgers.ControlObjective(ctx, s, u0, nil, obj)
	data, _, _ := burgers.ControlObjective(ctx, s, u0, tr.F, obj)
	f, best, err := burgers.OptimalControl(ctx, p, u0, obj, burgers.OptimizeOptions{MaxIterations: 100})
	if err != nil {
		panic(err)
	}
	fmt.Printf("optimal control: %d frames x %d points\n", len(f)/n, n)
	fmt.Printf("optimum below the data's control: %v; below a tenth of no control: %v\n", best.J < data.J, best.J < none.J/10)
	// Output:
	// optimal control: 5 frames x 16 points
	// optimum below the data's control: true; below a tenth of no control: true
}

package burgers_test

import (
	"context"
	"fmt"

	"github.com/trajdiff/trajdiff/pde/burgers"
)

// Generate one WDNO-style trajectory and score the uncontrolled run against its final state.
func Example() {
	g := burgers.Generator{Params: burgers.DefaultParams()}
	s, err := g.NewSolver()
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	tr, err := g.Trajectory(ctx, s, 42, 0)
	if err != nil {
		panic(err)
	}
	n := g.Params.Cells
	obj := burgers.Objective{Target: tr.U[len(tr.U)-n:], EnergyWeight: 2e-5}
	withControl, _, _ := burgers.ControlObjective(ctx, s, tr.U[:n], tr.F, obj)
	without, _, _ := burgers.ControlObjective(ctx, s, tr.U[:n], nil, obj)
	fmt.Printf("frames %d x %d points\n", len(tr.U)/n, n)
	fmt.Printf("misfit with the data's control: %.1f, without control > 0: %v\n", withControl.Misfit, without.Misfit > 0)
	// Output:
	// frames 11 x 128 points
	// misfit with the data's control: 0.0, without control > 0: true
}

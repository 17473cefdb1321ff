package smoke_test

import (
	"context"
	"fmt"

	"github.com/trajdiff/trajdiff/pde/smoke"
)

// Generate one WDNO-style trajectory on a 64^2 grid and score its control with the true solver.
func Example() {
	p := smoke.DefaultParams()
	p.N, p.Save, p.Steps = 64, 32, 64
	g := smoke.Generator{Params: p}
	sim, err := g.NewSimulator()
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	tr, err := g.Trajectory(ctx, sim, 1, 0)
	if err != nil {
		panic(err)
	}
	cost, _, err := smoke.ControlObjective(ctx, sim, tr.Initial, tr.Control, smoke.Objective{})
	if err != nil {
		panic(err)
	}
	last := tr.Outflow[len(tr.Outflow)-1]
	fmt.Printf("%d frames of %dx%dx3, smoke_out reproduced: %v, divergence below 1e-8: %v\n",
		p.Frames(), p.Save, p.Save, cost.SmokeOut == last.SmokeOut(1), sim.Divergence() < 1e-8)
	// Output: 9 frames of 32x32x3, smoke_out reproduced: true, divergence below 1e-8: true
}

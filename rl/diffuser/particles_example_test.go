package diffuser_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/rl"
	"github.com/trajdiff/trajdiff/rl/diffuser"
	"github.com/trajdiff/trajdiff/train"
)

// A planner that spends 16 network evaluations per plan on rollover budget forcing with the plan reward
// (walls and jumps), next to the plain 4-step plan.
func ExamplePlanner_WithSearch() {
	dir, err := os.MkdirTemp("", "trajdiff-diffuser-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	run, err := trainTiny(dir, nil, 20)
	if err != nil {
		log.Fatal(err)
	}
	m, err := train.Load(run, train.LoadOptions{})
	if err != nil {
		log.Fatal(err)
	}
	layout, _ := rl.LayoutByName("umaze")
	planner, err := diffuser.New(m, layout, diffuser.Options{Steps: 4})
	if err != nil {
		log.Fatal(err)
	}
	search, err := planner.WithSearch(diffuser.Search{Method: diffusion.ParticleRollover, Budget: 16})
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range []*diffuser.Planner{planner, search} {
		plan, err := p.Plan(context.Background(), [4]float64{3, 1, 0, 0}, [2]float64{1, 1}, 1)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s: %d NFE, from %v to %v\n", plan.Solver, plan.NFE, plan.Observations[0], plan.Observations[len(plan.Observations)-1])
	}
	// Output:
	// dpmpp-2m: 4 NFE, from [3 1 0 0] to [1 1 0 0]
	// rollover/ddim: 16 NFE, from [3 1 0 0] to [1 1 0 0]
}

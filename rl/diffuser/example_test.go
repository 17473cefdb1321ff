package diffuser_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/trajdiff/trajdiff/rl"
	"github.com/trajdiff/trajdiff/rl/diffuser"
	"github.com/trajdiff/trajdiff/rl/planeval"
	"github.com/trajdiff/trajdiff/train"
)

// A trained window model (here a tiny one, trained for a few steps) becomes a planner: one plan from the
// start state to the goal, followed by Diffuser's controller in the environment. Evaluate runs whole
// episodes of it next to the expert and random baselines.
func ExamplePlanner() {
	dir, err := os.MkdirTemp("", "trajdiff-diffuser-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	run, err := trainTiny(dir, nil, 20) // `trajdiff train --config configs/diffuser-umaze-small.toml` for real
	if err != nil {
		log.Fatal(err)
	}
	m, err := train.Load(run, train.LoadOptions{})
	if err != nil {
		log.Fatal(err)
	}
	layout, _ := rl.LayoutByName("umaze")
	planner, err := diffuser.New(m, layout, diffuser.Options{Solver: "dpmpp-2m", Steps: 4})
	if err != nil {
		log.Fatal(err)
	}
	plan, err := planner.Plan(context.Background(), [4]float64{3, 1, 0, 0}, [2]float64{1, 1}, 1)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("plan of %d states, %d NFE, from %v to %v\n", len(plan.Observations), plan.NFE, plan.Observations[0], plan.Observations[len(plan.Observations)-1])

	res, err := planeval.Evaluate(context.Background(), planeval.EvalConfig{Layout: "umaze", Episodes: 2, Seed: 1},
		[]planeval.Agent{planner.Agent("diffuser"), planeval.ExpertAgent()})
	if err != nil {
		log.Fatal(err)
	}
	for _, a := range res.Agents {
		fmt.Printf("%s on %s: %d episodes of %d steps\n", a.Summary.Agent, res.Env, a.Summary.Episodes, a.Episodes[0].Steps)
	}
	// Output:
	// plan of 8 states, 4 NFE, from [3 1 0 0] to [1 1 0 0]
	// diffuser on maze2d-umaze-v1: 2 episodes of 300 steps
	// expert on maze2d-umaze-v1: 2 episodes of 300 steps
}

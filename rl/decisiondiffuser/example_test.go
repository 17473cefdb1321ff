package decisiondiffuser_test

import (
	"context"
	"fmt"
	"log"

	"github.com/trajdiff/trajdiff/rl"
	dd "github.com/trajdiff/trajdiff/rl/decisiondiffuser"
	"github.com/trajdiff/trajdiff/rl/planeval"
	"github.com/trajdiff/trajdiff/train"
)

// A states-only model conditioned on returns and an inverse-dynamics model (here tiny ones, trained for a
// few steps; `trajdiff train --config configs/dd-umaze-small.toml` and `configs/invdyn-umaze-small.toml`
// for real) make Decision Diffuser's planner: it replans at every environment step with guidance on the
// return, warm-starting each plan from the previous one.
func ExamplePlanner() {
	runs, err := models()
	if err != nil {
		log.Fatal(err)
	}
	states, err := train.Load(runs[0], train.LoadOptions{})
	if err != nil {
		log.Fatal(err)
	}
	inv, err := train.Load(runs[1], train.LoadOptions{})
	if err != nil {
		log.Fatal(err)
	}
	layout, _ := rl.LayoutByName("umaze")
	planner, err := dd.New(states, inv, layout, dd.Options{Solver: "dpmpp-2m", Steps: 10, Guidance: 1.2, Return: dd.DefaultReturn(states),
		WarmTime: 0.1, WarmSteps: 2})
	if err != nil {
		log.Fatal(err)
	}
	res, err := planeval.Evaluate(context.Background(), planeval.EvalConfig{Layout: "umaze", Episodes: 1, Seed: 1},
		[]planeval.Agent{planner.Agent("decision-diffuser")})
	if err != nil {
		log.Fatal(err)
	}
	s := res.Agents[0].Summary
	fmt.Printf("%s: %d plans in %d steps, %.2f network passes per step\n", s.Agent, s.Plans, res.Agents[0].Episodes[0].Steps, s.NFEPerStep)
	// Output:
	// decision-diffuser: 300 plans in 300 steps, 4.05 network passes per step
}

// A state model conditioned on the goal-relative return and the goal (data from `trajdiff simulate
// maze2d --goal-returns`; configs/dd-umaze-goal-small.toml for real) plans to any goal: here one plan to
// each of two cells of U-Maze from the same state and noise, and a Multi2D evaluation with a random goal
// per episode.
func ExamplePlanner_PlanTo() {
	run, err := goalModel()
	if err != nil {
		log.Fatal(err)
	}
	states, err := train.Load(run, train.LoadOptions{})
	if err != nil {
		log.Fatal(err)
	}
	layout, _ := rl.LayoutByName("umaze")
	planner, err := dd.New(states, nil, layout, dd.Options{Steps: 5, Guidance: 3, Return: 30, ReplanEvery: 4})
	if err != nil {
		log.Fatal(err)
	}
	s0 := [4]float64{3, 1, 0, 0}
	for _, goal := range [][2]float64{{1, 3}, {3, 3}} {
		pl, err := planner.PlanTo(context.Background(), s0, goal, nil, 7)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("to %v: %d states from %v, %d network passes\n", goal, len(pl.Observations), pl.Observations[0], pl.NFE)
	}
	res, err := planeval.Evaluate(context.Background(), planeval.EvalConfig{Layout: "umaze", Multi: true, Episodes: 1, Seed: 1},
		[]planeval.Agent{planner.Agent("decision-diffuser")})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s on %s: %d plans\n", res.Agents[0].Summary.Agent, res.Env, res.Agents[0].Summary.Plans)
	// Output:
	// to [1 3]: 8 states from [3 1 0 0], 10 network passes
	// to [3 3]: 8 states from [3 1 0 0], 10 network passes
	// decision-diffuser on multi2d-umaze: 75 plans
}

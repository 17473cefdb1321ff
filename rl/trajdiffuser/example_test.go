package trajdiffuser_test

import (
	"context"
	"fmt"
	"log"

	"github.com/trajdiff/trajdiff/rl"
	"github.com/trajdiff/trajdiff/rl/planeval"
	td "github.com/trajdiff/trajdiff/rl/trajdiffuser"
	"github.com/trajdiff/trajdiff/train"
)

// Trajectory Diffuser's planner is four trained models (here tiny ones, trained for a few steps on 4000
// steps of U-Maze data; docs/planning.md has the configurations of the real ones): an autoregressive draft,
// a states-only diffusion model conditioned on returns that refines the draft, inverse dynamics for the
// actions and a critic that picks one of the refined candidates. At every environment step it drafts,
// refines Candidates copies by RefineSteps guided steps and acts on the chosen one. Each guided step costs
// two passes (classifier-free guidance evaluates the model with and without the return), batched over the
// candidates.
func ExamplePlanner() {
	r, err := runs()
	if err != nil {
		log.Fatal(err)
	}
	var ms td.Models
	for name, dst := range map[string]**train.Model{"draft": &ms.Draft, "states": &ms.States, "invdyn": &ms.Inverse, "critic": &ms.Critic} {
		if *dst, err = train.Load(r[name], train.LoadOptions{}); err != nil {
			log.Fatal(err)
		}
	}
	layout, _ := rl.LayoutByName("umaze")
	planner, err := td.New(ms, layout, td.Options{Return: 30, Guidance: 1.1, Candidates: 4, RefineSteps: 2})
	if err != nil {
		log.Fatal(err)
	}
	res, err := planeval.Evaluate(context.Background(), planeval.EvalConfig{Layout: "umaze", Episodes: 1, Seed: 1},
		[]planeval.Agent{planner.Agent("trajectory-diffuser")})
	if err != nil {
		log.Fatal(err)
	}
	s := res.Agents[0].Summary
	fmt.Printf("%s: %d plans in %d steps, %v network passes per plan\n", s.Agent, s.Plans, res.Agents[0].Episodes[0].Steps, s.NFEPerPlan)
	// Output:
	// trajectory-diffuser: 300 plans in 300 steps, 4 network passes per plan
}

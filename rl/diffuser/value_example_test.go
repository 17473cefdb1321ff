package diffuser_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/trajdiff/trajdiff/rl"
	"github.com/trajdiff/trajdiff/rl/diffuser"
	"github.com/trajdiff/trajdiff/train"
)

// A goal-free window model (only the start inpainted) and a value model J(x_t, t) of the same windows make
// a value-guided planner: every x0-prediction is moved by scale * sigma^2/alpha * grad J. Tiny models here;
// configs/diffuser-umaze-nogoal-small.toml and configs/diffuser-umaze-value-small.toml for real.
func ExamplePlanner_WithValueGuide() {
	dir, err := os.MkdirTemp("", "trajdiff-value-")
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
	value, err := trainTinyValueModel(dir, "umaze", 8, 20)
	if err != nil {
		log.Fatal(err)
	}
	layout, _ := rl.LayoutByName("umaze")
	planner, err := diffuser.New(m, layout, diffuser.Options{Solver: "ddim", Steps: 4, NoGoal: true})
	if err != nil {
		log.Fatal(err)
	}
	guided, err := planner.WithValueGuide(diffuser.ValueGuide{Model: value, Scale: 1, Steps: 2})
	if err != nil {
		log.Fatal(err)
	}
	plan, err := guided.Plan(context.Background(), [4]float64{3, 1, 0, 0}, [2]float64{1, 1}, 1)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("guided %v: plan of %d states from %v, %d NFE\n", guided.Guided(), len(plan.Observations), plan.Observations[0], plan.NFE)
	// Output:
	// guided true: plan of 8 states from [3 1 0 0], 4 NFE
}

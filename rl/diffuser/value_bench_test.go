package diffuser_test

import (
	"context"
	"testing"

	"github.com/trajdiff/trajdiff/rl"
	"github.com/trajdiff/trajdiff/rl/diffuser"
)

// BenchmarkValueGuidedPlan times one goal-free plan of a tiny Diffuser (horizon 8, DDIM 5 steps) guided by
// a tiny MLP value model (2 gradient steps per evaluation) on the CPU, and the same plan unguided: the CPU
// reference of the device's value guidance (docs/benchmarks.md, issue 19).
func BenchmarkValueGuidedPlan(b *testing.B) {
	dir := b.TempDir()
	m := trainTinyModel(b, dir, 40)
	v, err := trainTinyValueModel(dir, "umaze", 8, 40)
	if err != nil {
		b.Fatal(err)
	}
	l, _ := rl.LayoutByName("umaze")
	plain, err := diffuser.New(m, l, diffuser.Options{Solver: "ddim", Steps: 5, NoGoal: true})
	if err != nil {
		b.Fatal(err)
	}
	guided, err := plain.WithValueGuide(diffuser.ValueGuide{Model: v, Scale: 2, Steps: 2})
	if err != nil {
		b.Fatal(err)
	}
	start, goal := [4]float64{3.05, 1.02, 0.13, -0.07}, [2]float64{1, 1}
	for _, c := range []struct {
		name string
		p    *diffuser.Planner
	}{{"unguided", plain}, {"guided", guided}} {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				if _, err := c.p.Plan(context.Background(), start, goal, uint64(i)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

package diffuser_test

import (
	"context"
	"errors"
	"testing"

	"github.com/trajdiff/trajdiff/rl"
	"github.com/trajdiff/trajdiff/rl/diffuser"
)

// An agent held in place short of the target (as one pinned in a wall corner by a plan that cuts it) makes
// the policy plan again after Stall.Window steps, from where it is, with fresh noise; an agent that keeps
// moving, an agent resting within the goal radius, and the reference's protocol (Window 0) keep their one
// plan.
func TestStalledAgentsReplanFromWhereTheyAre(t *testing.T) {
	m, l := tinyUMazeModel(t, 20)
	maze, err := rl.NewMaze(rl.MazeConfig{Layout: "umaze"})
	if err != nil {
		t.Fatal(err)
	}
	gx, gy := maze.Target()
	plans := func(window int, path func(k int) [4]float64, steps int) []*diffuser.Plan {
		t.Helper()
		p, err := diffuser.New(m, l, diffuser.Options{Solver: "ddim", Steps: 3, Stall: diffuser.Stall{Window: window}})
		if err != nil {
			t.Fatal(err)
		}
		pol := p.Policy(context.Background(), maze, 11)
		var seen []*diffuser.Plan
		a := make([]float64, 2)
		for k := range steps {
			obs := path(k)
			if err := pol.Act(obs[:], a); err != nil {
				t.Fatal(err)
			}
			if n := len(seen); n == 0 || seen[n-1] != pol.Plan() {
				seen = append(seen, pol.Plan())
			}
		}
		if len(pol.Plans()) != len(seen) {
			t.Errorf("Plans reports %d plans, the policy made %d", len(pol.Plans()), len(seen))
		}
		return seen
	}
	pinned := func(int) [4]float64 { return [4]float64{3, 1.5, 0, 0} } // 2.1 from the goal (1, 1)
	walking := func(k int) [4]float64 { return [4]float64{3, 1.5 + 0.02*float64(k), 0, 0.02} }
	resting := func(int) [4]float64 { return [4]float64{gx + 0.1, gy + 0.2, 0, 0} }

	got := plans(10, pinned, 25) // stalled at steps 10 and 21
	if len(got) != 3 {
		t.Fatalf("a pinned agent got %d plans in 25 steps with a window of 10, want 3", len(got))
	}
	if got[1].Start != pinned(0) || got[1].Observations[3] == got[0].Observations[3] {
		t.Errorf("the replan starts at %v (want %v) or repeats the first plan's noise", got[1].Start, pinned(0))
	}
	for name, c := range map[string]struct {
		window int
		path   func(int) [4]float64
	}{"walking": {10, walking}, "resting at the goal": {10, resting}, "reference protocol": {0, pinned}} {
		if got := plans(c.window, c.path, 25); len(got) != 1 {
			t.Errorf("%s: %d plans, want 1", name, len(got))
		}
	}
	if _, err := diffuser.New(m, l, diffuser.Options{Stall: diffuser.Stall{Window: -1}}); !errors.Is(err, diffuser.ErrBadInput) {
		t.Errorf("a negative window: %v", err)
	}
}

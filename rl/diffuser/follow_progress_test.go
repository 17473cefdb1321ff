package diffuser_test

import (
	"errors"
	"math"
	"testing"

	"github.com/trajdiff/trajdiff/rl/diffuser"
)

// With a leash the controller waits for an agent that falls behind: held at the start for 11 steps it is
// pulled to plan state L = 5, while Diffuser's clock-indexed controller has moved on to state 11. The
// progress never moves back, the leash never puts the waypoint ahead of the clock's, and an agent on
// schedule gets Diffuser's waypoints exactly.
func TestALeashedWaypointWaitsForALaggingAgent(t *testing.T) {
	pl := straightPlan(40, 30, 0, 0, 3, 0) // states 0.1 apart along x
	timed := diffuser.NewFollower(pl)
	leashed, err := diffuser.NewProgressFollower(pl, 5)
	if err != nil {
		t.Fatal(err)
	}
	act := make([]float64, 2)
	pull := func(f *diffuser.Follower, x float64) float64 { // the waypoint's x from the action (at rest; constant plan velocity), to 1e-9
		if err := f.Act([]float64{x, 0, 0, 0}, act); err != nil {
			t.Fatal(err)
		}
		return math.Round((act[0]+x-pl.Observations[1][2])*1e9) / 1e9
	}
	for range 10 {
		pull(timed, 0)
		pull(leashed, 0)
	}
	if got := pull(leashed, 0); got != 0.5 {
		t.Errorf("a held agent is pulled to x = %v, want plan state 5 at 0.5", got)
	}
	if got := pull(timed, 0); got != 1.1 {
		t.Errorf("the clock-indexed controller pulls to x = %v, want plan state 11 at 1.1", got)
	}
	if got := pull(leashed, 0.41); got != 0.9 { // progress 4 (x 0.4): state 4 + 5
		t.Errorf("at x 0.41 the waypoint is x = %v, want plan state 9 at 0.9", got)
	}
	if got := pull(leashed, 0.1); got != 0.9 {
		t.Errorf("after stepping back the waypoint is x = %v, want it kept at plan state 9", got)
	}
	if got := pull(leashed, 1.62); got != 1.4 { // progress 16 (x 1.6), but the clock (step 13) is behind it
		t.Errorf("ahead of the plan the waypoint is x = %v, want the clock's plan state 14 at 1.4", got)
	}
	// On schedule (at plan state t at step t) the leash never binds.
	onTime, err := diffuser.NewProgressFollower(pl, 5)
	if err != nil {
		t.Fatal(err)
	}
	ref := diffuser.NewFollower(pl)
	for step := range 40 {
		x := pl.Observations[step][0]
		if a, b := pull(onTime, x), pull(ref, x); a != b {
			t.Fatalf("step %d on schedule: waypoint x %v, Diffuser's %v", step, a, b)
		}
	}
	if _, err := diffuser.NewProgressFollower(pl, 0); !errors.Is(err, diffuser.ErrBadInput) {
		t.Errorf("leash 0: %v, want ErrBadInput", err)
	}
}

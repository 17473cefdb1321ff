package diffuser

import "testing"

// The stall rule fires only for an agent that makes no progress while its plan has left it behind: not for
// one that moves, not for one resting on a plan that rests (its waypoint within Lag), not within the goal
// radius, and never before Window steps of the current plan were observed.
func TestStallNeedsNoProgressAndAPlanOutOfReach(t *testing.T) {
	rule, err := Stall{Window: 4}.validate()
	if err != nil || rule.Distance != 0.1 || rule.Lag != 0.5 {
		t.Fatalf("defaults %+v (%v), want distance 0.1 and lag 0.5", rule, err)
	}
	target := [2]float64{6, 6}
	for _, c := range []struct {
		name     string
		step     float64    // the agent's displacement per step
		waypoint [2]float64 // where its plan is
		at       [2]float64 // where it starts
		want     []bool     // after each of 6 observations
	}{
		{"pinned, plan gone on", 0, [2]float64{3, 2}, [2]float64{2, 2}, []bool{false, false, false, false, true, true}},
		{"moving", 0.05, [2]float64{3, 2}, [2]float64{2, 2}, []bool{false, false, false, false, false, false}},
		{"creeping below the distance", 0.02, [2]float64{3, 2}, [2]float64{2, 2}, []bool{false, false, false, false, true, true}},
		{"resting with its plan", 0, [2]float64{2.3, 2}, [2]float64{2, 2}, []bool{false, false, false, false, false, false}},
		{"at the goal", 0, [2]float64{3, 2}, [2]float64{6, 5.6}, []bool{false, false, false, false, false, false}},
	} {
		s := stallWatch{rule: rule}
		for k, want := range c.want {
			xy := [2]float64{c.at[0] + c.step*float64(k), c.at[1]}
			if got := s.observe(xy, c.waypoint, target); got != want {
				t.Errorf("%s: observation %d stalled %v, want %v", c.name, k, got, want)
			}
		}
		s.reset()
		if s.observe(c.at, c.waypoint, target) {
			t.Errorf("%s: stalled right after a reset", c.name)
		}
	}
	for _, bad := range []Stall{{Window: -1}, {Window: 5, Distance: -0.1}, {Window: 5, Lag: -1}} {
		if _, err := bad.validate(); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

package diffuser

import (
	"math"

	"github.com/trajdiff/trajdiff/rl"
)

// Stall replans a plan the agent cannot follow. Diffuser's maze2d protocol plans once per episode and
// follows the plan open-loop; when the plan cuts a wall corner, the controller pushes the agent into the
// corner and it stays there for the rest of the episode (all 7 failures of 50 Medium episodes in
// docs/benchmarks.md). With Window > 0 the policy watches for that: when the agent, farther than
// rl.GoalRadius from the target, has moved less than Distance over the last Window steps of the current
// plan while the waypoint it tracks is more than Lag away, it plans again from the observed state to the
// same goal, with fresh noise. The lag condition keeps a plan that merely dawdles (slow or resting
// stretches, which the agent follows closely) from being replaced. This is an option, not the reference's
// protocol.
type Stall struct {
	Window   int     // steps over which progress is measured (0: never replan, Diffuser's protocol)
	Distance float64 // least distance the agent must cover in Window steps (0: 0.1; a followed plan moves ~0.05 per step)
	Lag      float64 // least distance from the agent to its waypoint for a stall (0: 0.5, half a cell)
}

// validate checks s and fills the defaults.
func (s Stall) validate() (Stall, error) {
	finite := func(v float64) bool { return v >= 0 && !math.IsInf(v, 0) }
	if s.Window < 0 || !finite(s.Distance) || !finite(s.Lag) {
		return s, badInput("Stall wants Window >= 0 and finite Distance and Lag >= 0, got %d, %v and %v", s.Window, s.Distance, s.Lag)
	}
	if s.Distance == 0 {
		s.Distance = 0.1
	}
	if s.Lag == 0 {
		s.Lag = 0.5
	}
	return s, nil
}

// stallWatch keeps the agent's positions since the current plan began.
type stallWatch struct {
	rule Stall
	xy   [][2]float64
}

// observe records the agent's position xy and reports whether it is stalled short of target while its
// waypoint w (the state the controller tracks now) is out of reach.
func (s *stallWatch) observe(xy, w, target [2]float64) bool {
	if s.rule.Window == 0 {
		return false
	}
	s.xy = append(s.xy, xy)
	n := len(s.xy)
	if n <= s.rule.Window {
		return false
	}
	dist := func(a, b [2]float64) float64 { return math.Hypot(a[0]-b[0], a[1]-b[1]) }
	return dist(xy, s.xy[n-1-s.rule.Window]) < s.rule.Distance && dist(xy, w) > s.rule.Lag && dist(xy, target) > rl.GoalRadius
}

// reset starts watching a new plan.
func (s *stallWatch) reset() { s.xy = s.xy[:0] }

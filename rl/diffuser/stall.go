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
// plan, it plans again from the observed state to the same goal, with a fresh noise seed. This is an
// option, not the reference's protocol; an agent that follows its plan moves about 0.05 per step, so the
// default Distance (0.1 over Window steps) never fires while a plan is being followed.
type Stall struct {
	Window   int     // steps over which progress is measured (0: never replan, Diffuser's protocol)
	Distance float64 // least distance the agent must cover in Window steps (0: 0.1)
}

// validate checks s and fills the default distance.
func (s Stall) validate() (Stall, error) {
	if s.Window < 0 || s.Distance < 0 || math.IsNaN(s.Distance) || math.IsInf(s.Distance, 0) {
		return s, badInput("Stall wants Window >= 0 and a finite Distance >= 0, got %d and %v", s.Window, s.Distance)
	}
	if s.Distance == 0 {
		s.Distance = 0.1
	}
	return s, nil
}

// stallWatch keeps the agent's positions since the current plan began.
type stallWatch struct {
	rule Stall
	xy   [][2]float64
}

// observe records position (x, y) and reports whether the agent is stalled short of target.
func (w *stallWatch) observe(x, y float64, target [2]float64) bool {
	if w.rule.Window == 0 {
		return false
	}
	w.xy = append(w.xy, [2]float64{x, y})
	n := len(w.xy)
	if n <= w.rule.Window {
		return false
	}
	then := w.xy[n-1-w.rule.Window]
	moved := math.Hypot(x-then[0], y-then[1])
	away := math.Hypot(x-target[0], y-target[1])
	return moved < w.rule.Distance && away > rl.GoalRadius
}

// reset starts watching a new plan.
func (w *stallWatch) reset() { w.xy = w.xy[:0] }

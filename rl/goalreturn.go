package rl

import "math"

// Goal-relative returns: a label that lets a returns-conditioned planner (Decision Diffuser) serve
// Multi2D, whose goal changes from episode to episode. The stored rewards (Episode.Rewards) count steps
// near the layout's one fixed goal, so their return-to-go names that goal implicitly; relabelled against
// the controller's own target g_t (Episode.Goals, D4RL's infos/goal), the return says how soon and how
// long the agent is near the goal it is heading for, and a model conditioned on (return, goal) can be
// asked for any goal. This is hindsight relabelling (Andrychowicz et al. 2017) with the target the data's
// controller was given, not a goal picked after the fact.

// GoalReturnInfo names the episode info column of goal-relative returns (DatasetConfig.GoalReturns); a
// model reads it as the condition item "info:goal_return:0".
const GoalReturnInfo = "goal_return"

// GoalReturnDiscount is the discount of the written goal-relative returns, Decision Diffuser's.
const GoalReturnDiscount = 0.99

// GoalReturns are the discounted goal-relative returns-to-go of ep,
//
//	G_t = sum_{k=0}^{T-1-t} discount^k [ |xy_{t+k} - g_t| <= GoalRadius ],
//
// where g_t is the controller's target at step t: the return of reaching the goal held at t, counted to
// the end of the episode even after the controller has moved on to another target. The goal is fixed
// over runs of steps, so each run costs one backward pass from the episode's end: O(T x runs).
func GoalReturns(ep *Episode, discount float64) []float64 {
	T := ep.Len()
	out := make([]float64, T)
	for end := T; end > 0; {
		gx, gy := ep.Goals[2*(end-1)], ep.Goals[2*(end-1)+1]
		start := end - 1
		for start > 0 && ep.Goals[2*(start-1)] == gx && ep.Goals[2*(start-1)+1] == gy {
			start--
		}
		g := 0.0
		for t := T - 1; t >= start; t-- {
			near := 0.0
			if math.Hypot(ep.Observations[4*t]-gx, ep.Observations[4*t+1]-gy) <= GoalRadius {
				near = 1
			}
			g = near + discount*g
			if t < end {
				out[t] = g
			}
		}
		end = start
	}
	return out
}

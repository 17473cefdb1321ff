package rl

import (
	"math"
	"math/rand/v2"
)

// WaypointController is D4RL's expert for maze2d (d4rl/pointmaze/waypoint_controller.py): when the
// target's cell changes it plans a cell path by Q-iteration and turns it into waypoints (each next
// cell's centre shifted by -U(0, 1) 0.2 per axis, the last one exactly the target cell's centre), then
// tracks them with the PD law a = 10 (waypoint - x) - v, clipped to [-1, 1]. A waypoint is passed when
// the particle is within 0.1 of it and moved less than 0.1 since the previous call; the task is solved
// when the same holds for the target cell's centre. Note that it steers to the centre of the target's
// cell, not to the (noisy) target itself, as published.
type WaypointController struct {
	PGain, DGain           float64
	SolveThresh, VelThresh float64

	planner   *gridPlanner
	rng       *rand.Rand
	hasTarget bool
	target    [2]float64 // the target cell, as coordinates
	waypoints [][2]float64
	idx       int
	prevLoc   [2]float64
}

// NewWaypointController returns the published gains (p 10, d -1, thresholds 0.1); rng draws the
// waypoint offsets.
func NewWaypointController(l *Layout, rng *rand.Rand) *WaypointController {
	return &WaypointController{PGain: 10, DGain: -1, SolveThresh: 0.1, VelThresh: 0.1, planner: newGridPlanner(l), rng: rng}
}

// gridify is the cell of a point: Python's round (half to even) per axis.
func gridify(x, y float64) Cell {
	return Cell{int(math.RoundToEven(x)), int(math.RoundToEven(y))}
}

// Waypoints returns the current plan (for plots and tests).
func (c *WaypointController) Waypoints() [][2]float64 { return c.waypoints }

// Action returns the control for position pos and velocity vel heading for target, and whether the
// task counts as solved at this call.
func (c *WaypointController) Action(pos, vel, target [2]float64) (action [2]float64, solved bool) {
	tc := gridify(target[0], target[1])
	if !c.hasTarget || math.Hypot(c.target[0]-float64(tc.W), c.target[1]-float64(tc.H)) > 1e-3 {
		c.replan(pos, tc)
	}
	dist := math.Hypot(pos[0]-c.target[0], pos[1]-c.target[1])
	moved := math.Hypot(c.prevLoc[0]-pos[0], c.prevLoc[1]-pos[1])
	notSolved := dist >= c.SolveThresh || moved >= c.VelThresh
	next := c.target
	if notSolved {
		next = c.waypoints[c.idx]
	}
	for k := 0; k < 2; k++ {
		action[k] = c.PGain*(next[k]-pos[k]) + c.DGain*vel[k]
	}
	if notSolved && math.Hypot(pos[0]-next[0], pos[1]-next[1]) < c.SolveThresh && moved < c.VelThresh {
		// Past the last waypoint only if the path did not reach the target (D4RL would fail an
		// assertion there); stay on it instead.
		c.idx = min(c.idx+1, len(c.waypoints)-1)
	}
	c.prevLoc = pos
	action[0], action[1] = clamp(action[0], -1, 1), clamp(action[1], -1, 1)
	return action, !notSolved
}

// replan solves the grid MDP for the target cell and lays out waypoints from the particle's cell.
func (c *WaypointController) replan(pos [2]float64, target Cell) {
	start := gridify(pos[0], pos[1])
	c.planner.solve(target)
	path := c.planner.greedyPath(start, target)
	c.waypoints = c.waypoints[:0]
	for _, cell := range path {
		wp := [2]float64{float64(cell.W), float64(cell.H)}
		if cell != target {
			wp[0] -= c.rng.Float64() * 0.2
			wp[1] -= c.rng.Float64() * 0.2
		}
		c.waypoints = append(c.waypoints, wp)
	}
	c.idx = 0
	c.prevLoc = [2]float64{float64(start.W), float64(start.H)}
	c.target = [2]float64{float64(target.W), float64(target.H)}
	c.hasTarget = true
}

package rl

import (
	"fmt"
	"math"
)

// Segmentations of the maze2d stream.
const (
	// SegmentsTarget cuts the stream where D4RL's generator draws a new target: at the controller's
	// success or after MaxEpisodeSteps + 1 steps (the released datasets' episodes).
	SegmentsTarget = "target"
	// SegmentsGoal is Diffuser's re-cut of the same stream (maze2d_set_terminals in its maze2d branch): a
	// segment ends at a step where the agent is within GoalRadius of the layout's evaluation goal and is
	// outside it at the next step, so segments run through many intermediate targets and are long enough
	// for Diffuser's 128-384 step windows; windows that never leave a segment then end at the goal or
	// run past it.
	SegmentsGoal = "goal"
)

// recutAtGoal concatenates the consecutive episodes of one chunk (SimulateChunk keeps them contiguous:
// each starts from the state the previous one left) and cuts the stream after every step t with
// |xy_t - goal| <= GoalRadius and |xy_{t+1} - goal| > GoalRadius. Steps, their order and every value are
// unchanged; Solved marks the segments that end by leaving the goal (not at the chunk's end).
func recutAtGoal(eps []*Episode, l *Layout) ([]*Episode, error) {
	if len(eps) == 0 {
		return nil, nil
	}
	g := l.GoalPoint()
	gx, gy := g[0], g[1]
	inside := func(obs []float64, t int) bool {
		return math.Hypot(obs[4*t]-gx, obs[4*t+1]-gy) <= GoalRadius
	}
	var all Episode
	all.Chunk = eps[0].Chunk
	for _, e := range eps {
		if e.Chunk != all.Chunk {
			return nil, fmt.Errorf("rl: re-cut across chunks %d and %d (chunks are independent streams)", all.Chunk, e.Chunk)
		}
		all.Observations = append(all.Observations, e.Observations...)
		all.Actions = append(all.Actions, e.Actions...)
		all.Rewards = append(all.Rewards, e.Rewards...)
		all.Goals = append(all.Goals, e.Goals...)
	}
	var out []*Episode
	start, T := 0, all.Len()
	for t := 0; t < T; t++ {
		exit := t+1 < T && inside(all.Observations, t) && !inside(all.Observations, t+1)
		if !exit && t+1 < T {
			continue
		}
		out = append(out, &Episode{
			Observations: all.Observations[4*start : 4*(t+1) : 4*(t+1)],
			Actions:      all.Actions[2*start : 2*(t+1) : 2*(t+1)],
			Rewards:      all.Rewards[start : t+1 : t+1],
			Goals:        all.Goals[2*start : 2*(t+1) : 2*(t+1)],
			Solved:       exit,
			Chunk:        all.Chunk,
		})
		start = t + 1
	}
	return out, nil
}

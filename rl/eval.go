package rl

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/trajdiff/trajdiff/internal/parallel"
)

// Policy chooses actions within one episode.
type Policy interface {
	// Act writes the action for observation obs.
	Act(obs, action []float64) error
}

// controllerPolicy drives a maze with the waypoint controller towards the maze's current target.
type controllerPolicy struct {
	maze *Maze
	ctrl *WaypointController
}

// NewControllerPolicy returns the D4RL expert for m (it reads m's target at every step); rng draws
// its waypoint offsets.
func NewControllerPolicy(m *Maze, rng *rand.Rand) Policy {
	return &controllerPolicy{maze: m, ctrl: NewWaypointController(m.layout, rng)}
}

func (p *controllerPolicy) Act(obs, action []float64) error {
	tx, ty := p.maze.Target()
	a, _ := p.ctrl.Action([2]float64{obs[0], obs[1]}, [2]float64{obs[2], obs[3]}, [2]float64{tx, ty})
	action[0], action[1] = a[0], a[1]
	return nil
}

// randomPolicy samples actions uniformly from the action box (gym's action_space.sample()).
type randomPolicy struct {
	spec Box
	rng  *rand.Rand
}

// NewRandomPolicy returns a policy with independent uniform actions in spec.
func NewRandomPolicy(spec Box, rng *rand.Rand) Policy { return &randomPolicy{spec, rng} }

func (p *randomPolicy) Act(_, action []float64) error {
	for i := range action {
		action[i] = p.spec.Low[i] + (p.spec.High[i]-p.spec.Low[i])*p.rng.Float64()
	}
	return nil
}

// Rollout runs one episode of env from seed until it terminates or is truncated (the env must have a
// time limit) and returns the sum of rewards and the number of steps.
func Rollout(env Env, seed uint64, p Policy) (ret float64, steps int, err error) {
	if env.MaxEpisodeSteps() <= 0 {
		return 0, 0, fmt.Errorf("rl: rollout needs an environment with a time limit")
	}
	obs := make([]float64, env.ObservationSpec().Dim())
	act := make([]float64, env.ActionSpec().Dim())
	if err := env.Reset(seed, obs); err != nil {
		return 0, 0, err
	}
	for {
		if err := p.Act(obs, act); err != nil {
			return ret, steps, fmt.Errorf("rl: policy at step %d: %w", steps, err)
		}
		tr, err := env.Step(act, obs)
		if err != nil {
			return ret, steps, err
		}
		ret += tr.Reward
		steps++
		if tr.Terminated || tr.Truncated {
			return ret, steps, nil
		}
	}
}

// Evaluation summarises the returns of several episodes.
type Evaluation struct {
	Returns []float64
	Mean    float64
	// StdErr is the standard error of the mean.
	StdErr float64
	// Normalized is the layout's D4RL score of Mean (0 random, 100 expert).
	Normalized float64
}

// EvaluateMaze runs episodes of a maze configuration in parallel; episode i resets with seed
// (seed, i) and gets its policy from newPolicy(maze, rng) with its own random stream.
func EvaluateMaze(ctx context.Context, cfg MazeConfig, episodes int, seed uint64, workers int, newPolicy func(m *Maze, rng *rand.Rand) Policy) (Evaluation, error) {
	var ev Evaluation
	if episodes < 1 {
		return ev, fmt.Errorf("rl: evaluation needs at least one episode, got %d", episodes)
	}
	l, err := LayoutByName(cfg.Layout)
	if err != nil {
		return ev, err
	}
	err = parallel.Ordered(ctx, 0, episodes, workers, func(_ context.Context, i int) (float64, error) {
		m, err := NewMaze(cfg)
		if err != nil {
			return 0, err
		}
		rng := StreamRNG(seed, "maze2d/eval/policy", uint64(i))
		ret, _, err := Rollout(m, seedFor(seed, uint64(i)), newPolicy(m, rng))
		return ret, err
	}, func(_ int, r float64) error {
		ev.Returns = append(ev.Returns, r)
		return nil
	})
	if err != nil {
		return ev, err
	}
	n := float64(episodes)
	for _, r := range ev.Returns {
		ev.Mean += r / n
	}
	if episodes > 1 {
		v := 0.0
		for _, r := range ev.Returns {
			v += (r - ev.Mean) * (r - ev.Mean) / (n - 1)
		}
		ev.StdErr = math.Sqrt(v / n)
	}
	ev.Normalized = l.NormalizedScore(ev.Mean)
	return ev, nil
}

// seedFor derives the reset seed of episode i (splitmix64 of the pair).
func seedFor(seed, i uint64) uint64 {
	z := seed ^ (i+1)*0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

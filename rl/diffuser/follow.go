package diffuser

import (
	"context"
	"fmt"
	"math"

	"github.com/trajdiff/trajdiff/internal/stream"
	"github.com/trajdiff/trajdiff/rl"
	"github.com/trajdiff/trajdiff/rl/planeval"
)

// Waypoint is the state the controller tracks at environment step t (0 for the first action): plan state
// t+1, or the last plan state with its velocity set to 0 once t >= H-1 (Diffuser's plan_maze2d.py).
func (pl *Plan) Waypoint(t int) [4]float64 {
	H := len(pl.Observations)
	if t < H-1 {
		return pl.Observations[t+1]
	}
	w := pl.Observations[H-1]
	w[2], w[3] = 0, 0
	return w
}

// Follower executes a plan open-loop with Diffuser's maze2d controller: at step t,
//
//	a = (w_xy - xy) + (w_v - v),   w = Plan.Waypoint(t),
//
// unclipped (the environment clips actions to its box, as D4RL's MazeEnv does). It is an rl.Policy;
// its step counter advances with every Act, so use one Follower per episode.
type Follower struct {
	plan *Plan
	t    int
}

// NewFollower returns a controller for plan starting at step 0.
func NewFollower(plan *Plan) *Follower { return &Follower{plan: plan} }

// waypoint is the position the next Act tracks.
func (f *Follower) waypoint() [2]float64 {
	w := f.plan.Waypoint(f.t)
	return [2]float64{w[0], w[1]}
}

// Act writes the action for observation obs (x, y, vx, vy) and advances the step counter; a non-finite
// observation is an error.
func (f *Follower) Act(obs, action []float64) error {
	if len(obs) != obsDim || len(action) != actionDim {
		return fmt.Errorf("diffuser: observation of %d and action of %d components, want %d and %d", len(obs), len(action), obsDim, actionDim)
	}
	for _, v := range obs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("diffuser: observation %v is not finite", obs)
		}
	}
	if f.plan == nil || len(f.plan.Observations) == 0 {
		return fmt.Errorf("diffuser: following an empty plan")
	}
	w := f.plan.Waypoint(f.t)
	for k := 0; k < actionDim; k++ {
		action[k] = (w[k] - obs[k]) + (w[k+2] - obs[k+2])
	}
	f.t++
	return nil
}

// Policy plans at its first Act, from the observation to the maze's current target, and then follows the
// plan (Diffuser's maze2d protocol: one plan per episode, no replanning; with Options.Stall it plans again
// from the observed state when the agent stalls short of the target). It is an rl.Policy for one episode;
// rl.Policy's Act takes no context, so the Policy keeps the one it was made with for planning.
type Policy struct {
	ctx     context.Context
	planner *Planner
	maze    *rl.Maze
	seed    uint64
	follow  *Follower // follows the current plan (nil before the first Act)
	watch   stallWatch
	plans   []planeval.PlanStats
}

// Policy returns the planner's policy for one episode of maze; seed keys the plan's noise (a replan's
// noise is keyed by seed and the replan's number).
func (p *Planner) Policy(ctx context.Context, maze *rl.Maze, seed uint64) *Policy {
	return &Policy{ctx: ctx, planner: p, maze: maze, seed: seed, watch: stallWatch{rule: p.opt.Stall}}
}

// Act plans on the first call (and when the agent stalls, with Options.Stall) and then writes the
// controller's action.
func (p *Policy) Act(obs, action []float64) error {
	if len(obs) != obsDim {
		return fmt.Errorf("diffuser: observation of %d components, want %d", len(obs), obsDim)
	}
	gx, gy := p.maze.Target()
	xy, target := [2]float64{obs[0], obs[1]}, [2]float64{gx, gy}
	if p.follow == nil || p.watch.observe(xy, p.follow.waypoint(), target) {
		seed := p.seed
		if n := len(p.plans); n > 0 {
			seed = stream.RNG(p.seed, "diffuser/replan", uint64(n), "diffuser").Uint64()
		}
		pl, err := p.planner.Plan(p.ctx, [4]float64(obs), target, seed)
		if err != nil {
			return err
		}
		p.follow = NewFollower(pl)
		p.plans = append(p.plans, pl.Stats())
		p.watch.reset()
		p.watch.observe(xy, p.follow.waypoint(), target)
	}
	return p.follow.Act(obs, action)
}

// Plan returns the episode's current plan (nil before the first Act).
func (p *Policy) Plan() *Plan {
	if p.follow == nil {
		return nil
	}
	return p.follow.plan
}

// Plans reports the episode's plans to planeval (none before the first Act).
func (p *Policy) Plans() []planeval.PlanStats { return p.plans }

// Both drive rl's rollouts.
var (
	_ rl.Policy = (*Follower)(nil)
	_ rl.Policy = (*Policy)(nil)

	_ planeval.Reporter = (*Policy)(nil)
)

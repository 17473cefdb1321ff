package decisiondiffuser

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/trajdiff/trajdiff/rl"
	"github.com/trajdiff/trajdiff/rl/planeval"
)

// Policy replans every Options.ReplanEvery environment steps from the observed state (warm-started from
// the previous plan when Options.WarmTime > 0) and acts towards the current plan's next state:
//
//	a_t = f(s_t, plan[k+1])   (the inverse-dynamics model, or Diffuser's PD controller),
//
// where k is the number of steps since the plan was made. It is an rl.Policy for one episode.
type Policy struct {
	ctx     context.Context
	planner *Planner
	rng     *rand.Rand
	goal    [2]float64
	plan    *Plan
	k       int // environment steps since plan was made
	plans   []planeval.PlanStats
}

// Policy returns the planner's policy for one episode towards goal (PlanTo); rng draws each plan's noise
// seed.
func (p *Planner) Policy(ctx context.Context, goal [2]float64, rng *rand.Rand) *Policy {
	return &Policy{ctx: ctx, planner: p, goal: goal, rng: rng}
}

// Act plans when due and writes the controller's action for obs.
func (pol *Policy) Act(obs, action []float64) error {
	if len(obs) != obsDim || len(action) != 2 {
		return fmt.Errorf("decisiondiffuser: observation of %d and action of %d components, want 4 and 2", len(obs), len(action))
	}
	p, s := pol.planner, [4]float64(obs)
	H := p.model.Horizon
	if pol.plan == nil || pol.k >= p.opt.ReplanEvery || pol.k >= H-1 {
		var warm [][4]float64
		if pol.plan != nil {
			warm = Shift(pol.plan.Observations, pol.k)
		}
		pl, err := p.PlanTo(pol.ctx, s, pol.goal, warm, pol.rng.Uint64())
		if err != nil {
			return err
		}
		pol.plan, pol.k = pl, 0
		pol.plans = append(pol.plans, pl.Stats())
	}
	a, err := p.Action(pol.ctx, s, pol.plan.Observations[pol.k+1])
	if err != nil {
		return err
	}
	action[0], action[1] = a[0], a[1]
	pol.k++
	return nil
}

// Plans reports the episode's plans to planeval.
func (pol *Policy) Plans() []planeval.PlanStats { return pol.plans }

// Agent returns the planner as a planeval agent, planning towards each episode's target (maze2d-*-v1's
// fixed goal, or Multi2D's random one, which needs a goal-conditioned model).
func (p *Planner) Agent(name string) planeval.Agent {
	return planeval.Agent{Name: name, Policy: func(ctx context.Context, m *rl.Maze, rng *rand.Rand) (rl.Policy, error) {
		gx, gy := m.Target()
		if !p.goal && [2]float64{gx, gy} != p.layout.GoalPoint() {
			return nil, badInput("Multi2D's target (%v, %v): the state model's returns name the layout's fixed goal; train on goal-relative returns (simulate maze2d --goal-returns)", gx, gy)
		}
		return p.Policy(ctx, [2]float64{gx, gy}, rng), nil
	}}
}

var (
	_ rl.Policy         = (*Policy)(nil)
	_ planeval.Reporter = (*Policy)(nil)
)

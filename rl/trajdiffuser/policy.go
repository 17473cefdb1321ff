package trajdiffuser

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/trajdiff/trajdiff/rl"
	"github.com/trajdiff/trajdiff/rl/planeval"
)

// Policy replans every Options.ReplanEvery steps and otherwise follows the chosen candidate with the
// inverse dynamics. It keeps the history of states and of the returns-to-go, which start at
// Options.Return and follow the rewards: r_t = 1 when s_t is within rl.GoalRadius of the maze's target
// (D4RL maze2d's sparse reward), R_t+1 = min(Return, max(0, (R_t - r_t) / discount)) (nextReturn), or
// stay at Return with Options.FixedReturn. It is an rl.Policy for one episode.
type Policy struct {
	ctx     context.Context
	planner *Planner
	maze    *rl.Maze
	rng     *rand.Rand
	history [][4]float64
	returns []float64
	plan    *Plan
	k       int
	plans   []planeval.PlanStats
}

// Policy returns the planner's policy for one episode of maze; rng draws the noise seeds and the choices.
func (p *Planner) Policy(ctx context.Context, maze *rl.Maze, rng *rand.Rand) *Policy {
	return &Policy{ctx: ctx, planner: p, maze: maze, rng: rng}
}

// Act plans when due and writes the action towards the chosen plan's next state.
func (pol *Policy) Act(obs, action []float64) error {
	if len(obs) != obsDim || len(action) != 2 {
		return fmt.Errorf("trajdiffuser: observation of %d and action of %d components, want 4 and 2", len(obs), len(action))
	}
	p, s := pol.planner, [4]float64(obs)
	R := p.opt.Return
	if n := len(pol.returns); n > 0 {
		prev := pol.history[n-1]
		gx, gy := pol.maze.Target()
		r := 0.0
		if math.Hypot(prev[0]-gx, prev[1]-gy) <= rl.GoalRadius {
			r = 1
		}
		R = p.conditionAfter(pol.returns[n-1], r)
	}
	pol.history, pol.returns = append(pol.history, s), append(pol.returns, R)
	if keep := 4 * p.tokens; len(pol.history) > keep { // only the last K tokens are read
		pol.history, pol.returns = pol.history[len(pol.history)-p.tokens:], pol.returns[len(pol.returns)-p.tokens:]
	}
	if pol.plan == nil || pol.k >= p.opt.ReplanEvery || pol.k >= p.Horizon()-1 {
		gx, gy := pol.maze.Target()
		pl, err := p.PlanTo(pol.ctx, [2]float64{gx, gy}, pol.history, pol.returns, pol.rng.Uint64(), pol.rng.Float64())
		if err != nil {
			return err
		}
		pol.plan, pol.k = pl, 0
		pol.plans = append(pol.plans, pl.Stats())
		action[0], action[1] = pl.Actions[pl.Chosen][0], pl.Actions[pl.Chosen][1]
		pol.k++
		return nil
	}
	a, err := p.inv.Actions(pol.ctx, [][4]float64{s}, [][4]float64{pol.plan.Observations()[pol.k+1]})
	if err != nil {
		return fmt.Errorf("trajdiffuser: %w", err)
	}
	action[0], action[1] = a[0][0], a[0][1]
	pol.k++
	return nil
}

// conditionAfter is the return the next decision is conditioned on after a step with reward r from
// return-to-go R: the target itself with Options.FixedReturn, else Decision Transformer's bookkeeping
// (nextReturn).
func (p *Planner) conditionAfter(R, r float64) float64 {
	if p.opt.FixedReturn {
		return p.opt.Return
	}
	return nextReturn(R, r, p.discount, p.opt.Return)
}

// nextReturn is the return-to-go after a step with reward r: R' = (R - r) / discount, the return that
// still meets the target given what has been received, floored at 0 and capped at the episode's target.
//
// Why the cap: without it, every step without reward divides R by the discount, so R grows
// geometrically (45 becomes 123 after 100 steps and 140,000 after 800) and soon exceeds any return the
// data holds (at most 1/(1 - discount) = 100 for one reward per step): the draft and the refinement are
// then conditioned on values far outside their training range, and their plans leave the maze. An agent
// that has not been rewarded yet is asked again for the target, not for ever more.
func nextReturn(R, r, discount, target float64) float64 {
	return min(target, max(0, (R-r)/discount))
}

// Plans reports the episode's plans to planeval.
func (pol *Policy) Plans() []planeval.PlanStats { return pol.plans }

// Agent returns the planner as a planeval agent, planning towards each episode's target (maze2d-*-v1's
// fixed goal, or Multi2D's random one, which needs goal-conditioned models).
func (p *Planner) Agent(name string) planeval.Agent {
	return planeval.Agent{Name: name, Policy: func(ctx context.Context, m *rl.Maze, rng *rand.Rand) (rl.Policy, error) {
		if gx, gy := m.Target(); !p.goal && [2]float64{gx, gy} != p.layout.GoalPoint() {
			return nil, badInput("Multi2D's target (%v, %v): the models' returns name the layout's fixed goal; train them on goal-relative returns (simulate maze2d --goal-returns)", gx, gy)
		}
		return p.Policy(ctx, m, rng), nil
	}}
}

var (
	_ rl.Policy         = (*Policy)(nil)
	_ planeval.Reporter = (*Policy)(nil)
)

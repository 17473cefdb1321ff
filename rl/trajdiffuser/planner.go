package trajdiffuser

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/trajdiff/trajdiff/rl"
	"github.com/trajdiff/trajdiff/rl/planeval"
	"github.com/trajdiff/trajdiff/rl/planmodel"
	"github.com/trajdiff/trajdiff/train"
)

// ErrBadInput marks models, options or states the planner cannot use.
var ErrBadInput = errors.New("invalid planner input")

func badInput(format string, args ...any) error {
	return fmt.Errorf("trajdiffuser: %w: %s", ErrBadInput, fmt.Sprintf(format, args...))
}

const obsDim = 4

// Models are Trajectory Diffuser's four trained models.
type Models struct {
	// Draft is the autoregressive draft: a regression from K tokens (s_k, R_k), k = 0..K-1, listed token
	// by token, to (s_K, R_K) (configs/td-draft-umaze-small.toml; nn's seq_regressor).
	Draft *train.Model
	// States refines the draft: a states-only window model conditioned on the return-to-go, trained with
	// condition dropout (configs/dd-umaze-small.toml serves).
	States *train.Model
	// Inverse maps (s_t, s_t+1) to a_t; Critic maps (a_t, s_t) to R(t).
	Inverse, Critic *train.Model
}

// DefaultReturn is the target return for models ms when none is named: Decision Diffuser's choice for
// the state model, 0.9 of its returns scale or of the largest goal-relative return in its data
// (planmodel.DefaultReturn).
func DefaultReturn(ms Models) float64 { return planmodel.DefaultReturn(ms.States) }

// Options configure the planner; zero values take Trajectory Diffuser's choices.
type Options struct {
	// Return is the target return-to-go at the episode's start, in the data's units; the draft's and the
	// refinement's conditions follow it down by the rewards received (R_t+1 = (R_t - r_t) / discount,
	// floored at 0 and capped at Return: nextReturn).
	Return float64
	// FixedReturn conditions every decision on Return itself, as Decision Diffuser does, instead of
	// following it down by the rewards. With D4RL's reward of 1 per step near the goal, the bookkeeping
	// above empties a target of R within about R steps at the goal, and an agent asked for a return of 0
	// there leaves it; a fixed target keeps asking for the return of staying.
	FixedReturn bool
	// Refinement: the draft enters the state model at process time RefineTime (TD: step 4 of a 100-step
	// schedule, 0.04; default 0.04 of the process's time range) and is denoised by RefineSteps steps of
	// Solver (default ddpm, TD's ancestral steps; default 5 steps) with guidance Guidance (TD: 1.1; 0: none).
	RefineTime  float64
	RefineSteps int
	Solver      string
	Guidance    float64
	NoClip      bool
	// Renoise draws the draft's state at RefineTime from the forward process instead of taking it as is
	// (TD adds no noise).
	Renoise bool
	// Sample draws the refined candidates from the state model (nil: the model's own sampler,
	// Model.Sample, on the CPU); the CLI's --device gpu passes the GPU sampler (gpu/fromnn.Sampler.Sample)
	// here, so that the refinement runs on the device while the draft, the inverse dynamics and the critic,
	// small sequential or per-candidate regressions, stay on the CPU. It must draw what Model.Sample draws
	// for the request.
	Sample func(context.Context, *train.Model, train.SampleRequest) (*train.Samples, error)
	// Candidates refined plans per decision (TD: 32); one is chosen with probability softmax(Q / Temperature)
	// (Temperature default 1; the critic's Q is in the data's return units).
	Candidates  int
	Temperature float64
	// ReplanEvery is the number of environment steps between plans (TD: 1; 0 means 1).
	ReplanEvery int
}

// Planner is Trajectory Diffuser's planner for maze2d. It is safe for concurrent use.
type Planner struct {
	draft, states *train.Model
	inv           *planmodel.InverseDynamics
	critic        *planmodel.Critic
	layout        *rl.Layout
	opt           Options
	tokens        int     // the draft's history length K
	discount      float64 // of the draft's returns
	goal          bool    // every model conditioned on the goal and its goal-relative returns
}

// New checks the models and options: the draft's token layout, the state model (observations only,
// conditioned on [returns]), the inverse dynamics and the critic, all trained in layout's maze. Or, goal
// conditioned (GoalConditioned; data from `trajdiff simulate maze2d --goal-returns`): draft tokens
// (s_k, G_k, g), the state model conditioned on the goal-relative return and the goal, and the critic
// Q(s, a; g) of the goal-relative return, all three together.
func New(ms Models, layout *rl.Layout, opt Options) (*Planner, error) {
	if layout == nil || ms.Draft == nil || ms.States == nil {
		return nil, badInput("a layout, a draft model and a state model are required")
	}
	p := &Planner{draft: ms.Draft, states: ms.States, layout: layout}
	var err error
	if p.tokens, p.goal, err = draftTokens(ms.Draft); err != nil {
		return nil, err
	}
	p.discount = cmpDiscount(ms.Draft.Config.Data.Discount)
	if p.goal {
		p.discount = rl.GoalReturnDiscount
	}
	s := ms.States
	if s.IsRegression() || len(s.Columns) != 1 || s.Columns[0].Name != "observations" || s.Transition != obsDim {
		return nil, badInput("the state model's rows are %v; the refinement diffuses observations(4) only", s.Components())
	}
	var cond []string
	for _, it := range s.ConditionItems() {
		cond = append(cond, it.String())
	}
	want := []string{"returns"}
	if p.goal {
		want = planmodel.GoalCondition()
	}
	switch {
	case !slices.Equal(cond, want):
		return nil, badInput("the state model is conditioned on %v; with this draft the refinement's is conditioned on %v", cond, want)
	case !p.goal && cmpDiscount(s.Config.Data.Discount) != p.discount:
		return nil, badInput("the state model's returns use discount %v, the draft's %v", cmpDiscount(s.Config.Data.Discount), p.discount)
	}
	for _, c := range []struct {
		m    *train.Model
		what string
	}{{ms.Draft, "draft model"}, {s, "state model"}} {
		if err := planmodel.CheckMaze(c.m, layout, c.what); err != nil {
			return nil, badInput("%v", err)
		}
	}
	if p.inv, err = planmodel.NewInverseDynamics(ms.Inverse, layout); err != nil {
		return nil, badInput("%v", err)
	}
	if p.critic, err = planmodel.NewCritic(ms.Critic, layout); err != nil {
		return nil, badInput("%v", err)
	}
	if p.critic.GoalConditioned() != p.goal {
		return nil, badInput("the draft is goal-conditioned %v, the critic %v: train both on the layout's returns or both on goal-relative returns", p.goal, p.critic.GoalConditioned())
	}
	tmax := s.Checkpoint.Process.TMax()
	if opt.RefineSteps < 0 || opt.ReplanEvery < 0 {
		return nil, badInput("RefineSteps and ReplanEvery must be non-negative, got %d and %d", opt.RefineSteps, opt.ReplanEvery)
	}
	if opt.RefineTime == 0 {
		opt.RefineTime = 0.04 * tmax
	}
	if opt.RefineSteps == 0 {
		opt.RefineSteps = 5
	}
	if opt.Solver == "" {
		opt.Solver = "ddpm"
	}
	if opt.Candidates == 0 {
		opt.Candidates = 32
	}
	if opt.Temperature == 0 {
		opt.Temperature = 1
	}
	opt.ReplanEvery = max(opt.ReplanEvery, 1)
	switch {
	case !(opt.RefineTime > 0) || opt.RefineTime > tmax:
		return nil, badInput("refinement time %v: want a process time in (0, %v]", opt.RefineTime, tmax)
	case opt.Candidates < 1 || !(opt.Temperature > 0) || math.IsInf(opt.Temperature, 0):
		return nil, badInput("Candidates must be at least 1 and Temperature positive, got %d and %v", opt.Candidates, opt.Temperature)
	case !(opt.Guidance >= 0) || math.IsInf(opt.Guidance, 0):
		return nil, badInput("guidance weight %v: want a finite w >= 0", opt.Guidance)
	case opt.Guidance > 0 && s.Config.Train.CondDropout == 0:
		return nil, badInput("guidance needs a state model trained with condition dropout (train.cond_dropout)")
	case math.IsNaN(opt.Return) || math.IsInf(opt.Return, 0) || opt.Return < 0:
		return nil, badInput("the target return %v: want a finite value >= 0", opt.Return)
	case opt.NoClip && s.Config.Sample.ClipX0:
		return nil, badInput("NoClip, but the state model's configuration clips x0-predictions ([sample] clip_x0 = true)")
	}
	p.opt = opt
	return p, nil
}

func cmpDiscount(d float64) float64 {
	if d == 0 {
		return train.DefaultDiscount
	}
	return d
}

// draftTokens checks the draft's layout, (s_k[0..3], returns@k) for k < K in, (s_K, returns@K) out, or,
// goal-conditioned, (s_k[0..3], G_k, g_k[0..1]) in and (s_K, G_K) out over the columns [observations,
// infos/goal_return, infos/goal]; it returns K and whether the draft is goal-conditioned.
func draftTokens(m *train.Model) (int, bool, error) {
	in, out := m.InputNames(), m.TargetNames()
	for _, goal := range []bool{false, true} {
		width := obsDim + 1
		if goal {
			width += 2
		}
		if !m.IsRegression() || len(in) == 0 || len(in)%width != 0 {
			continue
		}
		K := len(in) / width
		token := func(k int, withGoal bool) []string {
			t := make([]string, 0, width)
			for c := range obsDim {
				t = append(t, fmt.Sprintf("%d:observations[%d]", k, c))
			}
			if !goal {
				return append(t, fmt.Sprintf("returns@%d", k))
			}
			t = append(t, fmt.Sprintf("%d:infos/%s[0]", k, rl.GoalReturnInfo))
			if withGoal {
				t = append(t, fmt.Sprintf("%d:infos/goal[0]", k), fmt.Sprintf("%d:infos/goal[1]", k))
			}
			return t
		}
		var want []string
		for k := range K {
			want = append(want, token(k, true)...)
		}
		if slices.Equal(in, want) && slices.Equal(out, token(K, false)) {
			return K, goal, nil
		}
	}
	return 0, false, badInput("the draft model maps %v to %v; want tokens (s_k, returns@k), k < K, to (s_K, returns@K), or (s_k, G_k, g_k) to (s_K, G_K) over [observations, infos/goal_return, infos/goal]", in, out)
}

// GoalConditioned reports a planner whose models are conditioned on the goal: it plans to any goal
// (PlanTo), Multi2D's included.
func (p *Planner) GoalConditioned() bool { return p.goal }

// Horizon is the plan's length in steps (the state model's window).
func (p *Planner) Horizon() int { return p.states.Horizon }

// Options are the planner's options with defaults filled in.
func (p *Planner) Options() Options { return p.opt }

// Plan is one decision: the draft, the refined candidates, their actions and values, and the choice.
type Plan struct {
	Draft      [][4]float64   // the transformer's rollout from the current state (Horizon states)
	Candidates [][][4]float64 // the refined plans
	Actions    [][2]float64   // f(s_0, candidate[1]) per candidate
	Values     []float64      // Q(s_0, action) per candidate
	Chosen     int
	Return     float64 // the return-to-go the plan was conditioned on
	NFE        int     // state-model passes (two per evaluation with guidance) per candidate
	DraftCalls int     // draft-model evaluations
	Solver     string
	Steps      int
	Latency    time.Duration
	planeval.PathQuality
}

// Chosen plan's states.
func (pl *Plan) Observations() [][4]float64 { return pl.Candidates[pl.Chosen] }

// Stats describe the chosen plan for planeval.
func (pl *Plan) Stats() planeval.PlanStats {
	obs := pl.Observations()
	xy := make([][2]float64, len(obs))
	for t, o := range obs {
		xy[t] = [2]float64{o[0], o[1]}
	}
	return planeval.PlanStats{Latency: pl.Latency, NFE: pl.NFE, Quality: pl.PathQuality, Positions: xy}
}

// checkState validates a state: finite, inside the maze and outside the walls.
func (p *Planner) checkState(s [4]float64) error {
	if err := p.layout.CheckState("state", s[:]); err != nil {
		return badInput("%v", err)
	}
	return nil
}

// Plan is PlanTo the layout's fixed goal, maze2d-*-v1's target.
func (p *Planner) Plan(ctx context.Context, history [][4]float64, returns []float64, seed uint64, u float64) (*Plan, error) {
	return p.PlanTo(ctx, p.layout.GoalPoint(), history, returns, seed, u)
}

// PlanTo makes one decision towards goal from a history of states and their returns-to-go (oldest first;
// the last is the current state s_0 and its return R_0): the draft rolls out Horizon-1 states, Candidates
// copies of it are refined by the state model, each gets the action f(s_0, s_1) and the value Q(s_0, a),
// and u in [0, 1) picks one by softmax(Q / Temperature). Goal-conditioned models see the goal; the others
// accept only the layout's goal. seed keys the refinement's noise.
func (p *Planner) PlanTo(ctx context.Context, goal [2]float64, history [][4]float64, returns []float64, seed uint64, u float64) (*Plan, error) {
	if err := p.layout.CheckState("goal", []float64{goal[0], goal[1], 0, 0}); err != nil {
		return nil, badInput("%v", err)
	}
	if !p.goal && goal != p.layout.GoalPoint() {
		return nil, badInput("goal %v: the models' returns name the layout's goal %v; for other goals train them on goal-relative returns (simulate maze2d --goal-returns)", goal, p.layout.GoalPoint())
	}
	if len(history) == 0 || len(history) != len(returns) {
		return nil, badInput("a history of %d states and %d returns", len(history), len(returns))
	}
	s0 := history[len(history)-1]
	if err := p.checkState(s0); err != nil {
		return nil, err
	}
	for _, r := range returns {
		if math.IsNaN(r) || math.IsInf(r, 0) {
			return nil, badInput("return-to-go %v is not finite", r)
		}
	}
	began := time.Now()
	draft, calls, err := p.rollout(ctx, history, returns, goal)
	if err != nil {
		return nil, err
	}
	n, H := p.opt.Candidates, p.Horizon()
	init := make([]float64, 0, n*H*obsDim)
	for range n {
		for _, s := range draft {
			init = append(init, s[:]...)
		}
	}
	fixed := make([]train.Fixed, obsDim)
	for k := range obsDim {
		fixed[k] = train.Fixed{WindowEntry: train.WindowEntry{T: 0, C: k}, Values: []float64{s0[k]}}
	}
	R := returns[len(returns)-1]
	cond := []float64{R}
	if p.goal {
		cond = append(cond, goal[0], goal[1])
	}
	sample := p.states.Sample
	if p.opt.Sample != nil {
		sample = func(ctx context.Context, req train.SampleRequest) (*train.Samples, error) {
			return p.opt.Sample(ctx, p.states, req)
		}
	}
	smp, err := sample(ctx, train.SampleRequest{N: n, Solver: p.opt.Solver, Steps: p.opt.RefineSteps, Seed: seed, Fixed: fixed,
		CondValues: [][]float64{cond}, Guidance: p.opt.Guidance, ClipX0: !p.opt.NoClip, Init: init, StartTime: p.opt.RefineTime, Renoise: p.opt.Renoise})
	if err != nil {
		return nil, fmt.Errorf("trajdiffuser: refining the draft: %w", err)
	}
	pl := &Plan{Draft: draft, Return: R, NFE: smp.NFE, DraftCalls: calls, Solver: smp.Solver, Steps: smp.Steps}
	starts, nexts := make([][4]float64, n), make([][4]float64, n)
	for i := range n {
		c := make([][4]float64, H)
		for t, r := range smp.Window(i) {
			for _, v := range r {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return nil, fmt.Errorf("trajdiffuser: candidate %d has a non-finite value at step %d: %v", i, t, r)
				}
			}
			copy(c[t][:], r)
		}
		c[0] = s0 // undo the float32 normaliser's round trip of the inpainted state
		pl.Candidates = append(pl.Candidates, c)
		starts[i], nexts[i] = s0, c[1]
	}
	if pl.Actions, err = p.inv.Actions(ctx, starts, nexts); err != nil {
		return nil, fmt.Errorf("trajdiffuser: %w", err)
	}
	if p.goal {
		pl.Values, err = p.critic.GoalValues(ctx, starts, pl.Actions, goal)
	} else {
		pl.Values, err = p.critic.Values(ctx, starts, pl.Actions)
	}
	if err != nil {
		return nil, fmt.Errorf("trajdiffuser: %w", err)
	}
	pl.Chosen = softmaxPick(pl.Values, p.opt.Temperature, u)
	pl.Latency = time.Since(began)
	pl.PathQuality = planeval.MeasurePath(p.layout, pl.Stats().Positions)
	return pl, nil
}

// softmaxPick returns the index i with cumulative softmax(v / temp) probability covering u in [0, 1).
func softmaxPick(v []float64, temp, u float64) int {
	m := slices.Max(v)
	w := make([]float64, len(v))
	sum := 0.0
	for i, x := range v {
		w[i] = math.Exp((x - m) / temp)
		sum += w[i]
	}
	acc := 0.0
	for i := range w {
		acc += w[i] / sum
		if u < acc {
			return i
		}
	}
	return len(v) - 1
}

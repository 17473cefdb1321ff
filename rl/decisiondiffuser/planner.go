package decisiondiffuser

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

// ErrBadInput marks models, options or states the planner cannot use: a state model that is not a
// states-only window model conditioned on returns, an inverse-dynamics model of another layout, a
// checkpoint of another maze, a non-finite state or one inside a wall or outside the maze.
var ErrBadInput = errors.New("invalid planner input")

func badInput(format string, args ...any) error {
	return fmt.Errorf("decisiondiffuser: %w: %s", ErrBadInput, fmt.Sprintf(format, args...))
}

// Controllers of Options.Controller.
const (
	ControllerInverse = "invdyn" // the inverse-dynamics network a_t = f(s_t, s_t+1) (Decision Diffuser's)
	ControllerPD      = "pd"     // Diffuser's maze2d controller a = (w_xy - xy) + (w_v - v) on w = s_t+1
)

// DefaultReturn is Decision Diffuser's target return for the state model m: 0.9 of its returns scale, or
// for a model of goal-relative returns 0.9 of the largest in its training data (planmodel.DefaultReturn).
func DefaultReturn(m *train.Model) float64 { return planmodel.DefaultReturn(m) }

// Options configure the planner. Zero values take the state model's [sample] configuration (solver,
// schedule, steps) and Decision Diffuser's choices otherwise.
type Options struct {
	Solver   string // any diffusion solver; DD samples 200 DDPM steps
	Schedule string
	Steps    int
	// Guidance is the classifier-free guidance weight w on the returns condition (DD: 1.2); 0 samples
	// the conditional model without guidance.
	Guidance float64
	// Return is the return-to-go the plans are conditioned on, in the data's units (a discounted count of
	// steps within 0.5 of the goal); DD asks for 0.9 in units of its returns scale (DefaultReturn).
	Return float64
	// NoClip turns off clipping the x0-predictions to [-1, 1].
	NoClip bool
	// ReplanEvery is the number of environment steps between plans: 1 (DD) replans at every step; 0 means 1.
	ReplanEvery int
	// WarmTime > 0 warm-starts every plan after an episode's first (Real-Time Iteration, Chen et al. 2025):
	// the previous plan, shifted by the steps since it was made (its last state repeated), is the state at
	// process time WarmTime and is denoised by WarmSteps solver steps instead of sampling from noise
	// (train.SampleRequest.Init); Renoise draws the state at WarmTime from the forward process instead.
	WarmTime  float64
	WarmSteps int
	Renoise   bool
	// Controller turns plans into actions: ControllerInverse (the default when an inverse-dynamics model is
	// given) or ControllerPD.
	Controller string
	// Sample draws the plan's window (nil: the model's own sampler, Model.Sample, on the CPU); the CLI's
	// --device gpu passes the GPU sampler (gpu/fromnn.Sample) here. It must draw what Model.Sample draws for
	// the request.
	Sample func(context.Context, *train.Model, train.SampleRequest) (*train.Samples, error)
}

// Planner is Decision Diffuser's planner for maze2d: a states-only window model conditioned on the
// return-to-go, sampled with the current state inpainted at step 0 and classifier-free guidance, and an
// inverse-dynamics model for the actions. It is safe for concurrent use.
type Planner struct {
	model  *train.Model
	goal   bool                       // conditioned on (goal-relative return, goal) rather than the layout's returns
	inv    *planmodel.InverseDynamics // nil with ControllerPD
	layout *rl.Layout
	opt    Options
}

const obsDim = 4

// New checks the models and options. m must be trained on windows of observations(4) only, conditioned
// on the returns item (data.condition = ["returns"]) or on the goal-relative return and the goal
// (["info:goal_return:0", "info:goal:0", "info:goal:1"]) with the start state inpainted, on data of
// layout's maze; with Guidance > 0 it must have been trained with condition dropout. inv, needed for
// ControllerInverse, must be a regression from the observations at steps 0 and 1 to the actions at step 0,
// on data of the same maze.
func New(m, inv *train.Model, layout *rl.Layout, opt Options) (*Planner, error) {
	if m == nil || layout == nil {
		return nil, badInput("a state model and a layout are required")
	}
	if m.IsRegression() || len(m.Columns) != 1 || m.Columns[0].Name != "observations" || m.Transition != obsDim {
		return nil, badInput("the state model's rows are %v; Decision Diffuser diffuses observations(4) only", m.Components())
	}
	var cond []string
	for _, it := range m.ConditionItems() {
		cond = append(cond, it.String())
	}
	// The returns of the layout's fixed goal (maze2d-*-v1 only), or the goal-relative return with the goal
	// (any goal, Multi2D included; data written by `trajdiff simulate maze2d --goal-returns`).
	goal := slices.Equal(cond, planmodel.GoalCondition())
	if !goal && !slices.Equal(cond, []string{"returns"}) {
		return nil, badInput("the state model is conditioned on %v; Decision Diffuser's is conditioned on [returns] or, goal-relative, on %v (data.condition)",
			cond, planmodel.GoalCondition())
	}
	if m.Horizon < 2 {
		return nil, badInput("the state model's horizon is %d steps; planning needs at least 2", m.Horizon)
	}
	if err := planmodel.CheckMaze(m, layout, "state model"); err != nil {
		return nil, badInput("%v", err)
	}
	if opt.Controller == "" {
		opt.Controller = ControllerPD
		if inv != nil {
			opt.Controller = ControllerInverse
		}
	}
	var f *planmodel.InverseDynamics
	switch opt.Controller {
	case ControllerInverse:
		var err error
		if f, err = planmodel.NewInverseDynamics(inv, layout); err != nil {
			return nil, badInput("%v", err)
		}
	case ControllerPD:
	default:
		return nil, badInput("controller %q: want %s or %s", opt.Controller, ControllerInverse, ControllerPD)
	}
	switch {
	case opt.Steps < 0 || opt.ReplanEvery < 0 || opt.WarmSteps < 0:
		return nil, badInput("Steps, ReplanEvery and WarmSteps must be non-negative")
	case math.IsNaN(opt.Return) || math.IsInf(opt.Return, 0):
		return nil, badInput("the target return %v is not finite", opt.Return)
	case !(opt.Guidance >= 0) || math.IsInf(opt.Guidance, 0):
		return nil, badInput("guidance weight %v: want a finite w >= 0", opt.Guidance)
	case opt.Guidance > 0 && m.Config.Train.CondDropout == 0:
		return nil, badInput("guidance needs a state model trained with condition dropout (train.cond_dropout)")
	case !(opt.WarmTime >= 0) || opt.WarmTime > m.Checkpoint.Process.TMax():
		return nil, badInput("warm-start time %v: want 0 (off) or a process time in (0, %v]", opt.WarmTime, m.Checkpoint.Process.TMax())
	case opt.WarmTime > 0 && opt.WarmSteps == 0:
		return nil, badInput("a warm start (WarmTime %v) needs WarmSteps >= 1", opt.WarmTime)
	case opt.NoClip && m.Config.Sample.ClipX0:
		return nil, badInput("NoClip, but the state model's configuration clips x0-predictions ([sample] clip_x0 = true)")
	}
	opt.ReplanEvery = max(opt.ReplanEvery, 1)
	return &Planner{model: m, goal: goal, inv: f, layout: layout, opt: opt}, nil
}

// GoalConditioned reports a state model conditioned on the goal-relative return and the goal, which plans
// to any goal (PlanTo); otherwise its returns name the layout's fixed goal.
func (p *Planner) GoalConditioned() bool { return p.goal }

// Horizon is the plan's length in steps.
func (p *Planner) Horizon() int { return p.model.Horizon }

// Options are the planner's options with defaults filled in (Controller, ReplanEvery).
func (p *Planner) Options() Options { return p.opt }

// Plan is one sampled window of states in the data's units.
type Plan struct {
	Observations [][4]float64 // Horizon states; [0] is the state planned from, exactly
	Solver       string
	Schedule     string
	Steps        int  // solver steps
	NFE          int  // network passes (two per evaluation with guidance)
	Warm         bool // warm-started from the previous plan
	Latency      time.Duration
	planeval.PathQuality
}

// Stats describe the plan for planeval.
func (pl *Plan) Stats() planeval.PlanStats {
	xy := make([][2]float64, len(pl.Observations))
	for t, o := range pl.Observations {
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
func (p *Planner) Plan(ctx context.Context, s0 [4]float64, warm [][4]float64, seed uint64) (*Plan, error) {
	return p.PlanTo(ctx, s0, p.layout.GoalPoint(), warm, seed)
}

// PlanTo samples a window of states from s0 towards goal, conditioned on Options.Return (with a
// goal-conditioned model, GoalConditioned, also on the goal) with guidance Options.Guidance. A model
// conditioned on the layout's returns accepts only the layout's fixed goal. With warm set (and
// Options.WarmTime > 0), it starts from warm (a previous plan's states, Horizon of them, typically Shift
// of the last plan) at process time WarmTime and takes WarmSteps solver steps. seed keys the noise. Bad
// states and goals fail with ErrBadInput before any sampling.
func (p *Planner) PlanTo(ctx context.Context, s0 [4]float64, goal [2]float64, warm [][4]float64, seed uint64) (*Plan, error) {
	if err := p.checkState(s0); err != nil {
		return nil, err
	}
	if err := p.layout.CheckState("goal", []float64{goal[0], goal[1], 0, 0}); err != nil {
		return nil, badInput("%v", err)
	}
	cond := []float64{p.opt.Return}
	if p.goal {
		cond = append(cond, goal[0], goal[1])
	} else if goal != p.layout.GoalPoint() {
		return nil, badInput("goal %v: the state model's returns name the layout's goal %v (maze2d-%s-v1); for other goals train on goal-relative returns (simulate maze2d --goal-returns, data.condition %v)",
			goal, p.layout.GoalPoint(), p.layout.Name, planmodel.GoalCondition())
	}
	fixed := make([]train.Fixed, obsDim)
	for k := range obsDim {
		fixed[k] = train.Fixed{WindowEntry: train.WindowEntry{T: 0, C: k}, Values: []float64{s0[k]}}
	}
	req := train.SampleRequest{N: 1, Solver: p.opt.Solver, Schedule: p.opt.Schedule, Steps: p.opt.Steps, Seed: seed, Fixed: fixed,
		CondValues: [][]float64{cond}, Guidance: p.opt.Guidance, ClipX0: !p.opt.NoClip}
	isWarm := warm != nil && p.opt.WarmTime > 0
	if isWarm {
		if len(warm) != p.model.Horizon {
			return nil, badInput("a warm start of %d states for a horizon of %d", len(warm), p.model.Horizon)
		}
		req.Init = make([]float64, 0, obsDim*len(warm))
		for _, s := range warm {
			req.Init = append(req.Init, s[:]...)
		}
		req.StartTime, req.Steps, req.Renoise = p.opt.WarmTime, p.opt.WarmSteps, p.opt.Renoise
	}
	began := time.Now()
	sample := p.model.Sample
	if p.opt.Sample != nil {
		sample = func(ctx context.Context, req train.SampleRequest) (*train.Samples, error) {
			return p.opt.Sample(ctx, p.model, req)
		}
	}
	s, err := sample(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("decisiondiffuser: planning: %w", err)
	}
	pl := &Plan{Solver: s.Solver, Schedule: s.Schedule, Steps: s.Steps, NFE: s.NFE, Warm: isWarm, Latency: time.Since(began)}
	pl.Observations = make([][4]float64, p.model.Horizon)
	for t, r := range s.Window(0) {
		for _, v := range r {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("decisiondiffuser: the model's plan has a non-finite value at step %d: %v", t, r)
			}
		}
		copy(pl.Observations[t][:], r)
	}
	pl.Observations[0] = s0 // undo the float32 normaliser's round trip of the inpainted state
	pl.PathQuality = planeval.MeasurePath(p.layout, pl.Stats().Positions)
	return pl, nil
}

// Shift is a plan advanced by k steps: its states from step k on, the last repeated to fill the horizon
// (RTI-DP's shift of the previous solution).
func Shift(states [][4]float64, k int) [][4]float64 {
	out := make([][4]float64, len(states))
	for t := range out {
		out[t] = states[min(t+k, len(states)-1)]
	}
	return out
}

// Action is the controller's action for state s towards the planned next state next.
func (p *Planner) Action(ctx context.Context, s, next [4]float64) ([2]float64, error) {
	if p.opt.Controller == ControllerPD {
		return [2]float64{(next[0] - s[0]) + (next[2] - s[2]), (next[1] - s[1]) + (next[3] - s[3])}, nil
	}
	a, err := p.inv.Actions(ctx, [][4]float64{s}, [][4]float64{next})
	if err != nil {
		return [2]float64{}, fmt.Errorf("decisiondiffuser: %w", err)
	}
	return a[0], nil
}

package diffuser

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/rl"
	"github.com/trajdiff/trajdiff/rl/planeval"
	"github.com/trajdiff/trajdiff/train"
)

// ErrBadInput marks a model, start or goal the planner cannot use: a checkpoint whose transition is not
// [actions(2), observations(4)], a non-finite state, a start or goal inside a wall or outside the maze.
var ErrBadInput = errors.New("invalid planner input")

func badInput(format string, args ...any) error {
	return fmt.Errorf("diffuser: %w: %s", ErrBadInput, fmt.Sprintf(format, args...))
}

// Options choose the sampler of a Planner; empty fields take the model's [sample] configuration.
type Options struct {
	Solver   string // any diffusion solver, e.g. "ddpm" (the reference's ancestral sampler) or "dpmpp-2m"
	Schedule string // a diffusion schedule
	Steps    int    // solver steps (0: the configuration's)
	// NoClip turns off the clipping of x0-predictions to [-1, 1] that Diffuser applies (an ablation).
	NoClip bool
	// Sample draws the plan's window (nil: the model's own sampler, Model.Sample, on the CPU); the CLI's
	// --device gpu passes the GPU sampler (gpu/fromnn.Sample) here. It must draw what Model.Sample draws for
	// the request.
	Sample func(context.Context, *train.Model, train.SampleRequest) (*train.Samples, error)
	// SampleGuided, if set, draws the windows of a value-guided planner (WithValueGuide) with the guide run
	// by the sampler itself (GuidedSampler; the CLI's --device gpu); unset, the guide is the request's
	// CorrectX0.
	SampleGuided GuidedSampler
	// Network, if set, evaluates the network of the plans whose loop must stay on the CPU elsewhere (the
	// CLI's --device gpu passes gpu/fromnn.Sampler.NetworkDenoiser): the inference-time search's (WithSearch),
	// scored by its reward every step, and the free-space projection's (WallClearance), a host-side x0
	// correction. It returns m's x0-prediction as req evaluates it (condition and guidance), for calls of
	// about points points, given to the CPU sampler as train.SampleRequest.Network; the loop, the fixed
	// entries, the clipping, the projection and the reward stay on the CPU.
	Network func(m *train.Model, req train.SampleRequest, points int) (diffusion.Denoiser, error)
	// NoGoal inpaints the start only: the goal is not fixed at step H-1 (a goal-free model, steered to
	// reward by a ValueGuide; WithValueGuide).
	NoGoal bool
	// Stall replans from the observed state when the agent stalls short of the target (Policy; zero:
	// Diffuser's protocol, one plan per episode).
	Stall Stall
	// WallClearance, when positive, keeps the plan's waypoints in the maze's free space at that
	// clearance (rl.FreeSpace, in [0, 0.5); rl.Radius is the particle's own): every x0-prediction's
	// (x, y), and the finished plan's, move to their nearest point at least WallClearance from every
	// wall. 0: off (Diffuser's protocol; its plans cut corners). It needs the limits normaliser, runs on
	// the CPU sampler (a host-side x0 correction; Network can evaluate its network elsewhere), and takes no
	// inference-time search.
	WallClearance float64
}

// Planner is Diffuser's maze2d planner: one window of a trained model sampled with the start state
// inpainted at step 0 and the goal (gx, gy, 0, 0) at step H-1. It is safe for concurrent use.
type Planner struct {
	model  *train.Model
	layout *rl.Layout
	opt    Options
	search *Search         // inference-time scaling (WithSearch), nil without
	guide  *valueGuide     // value guidance (WithValueGuide), nil without
	free   *freeProjection // Options.WallClearance, nil without
}

// Transition layout the planner needs: rows [ax, ay, x, y, vx, vy].
const (
	actionDim = 2
	obsDim    = 4
	obsOffset = actionDim
)

// New checks that m was trained on maze2d windows with rows [actions(2), observations(4)] (Model.Columns)
// and a horizon of at least 2 steps, on data of layout's maze (with the limits normaliser, whose range must
// match the maze's free cells), and that a conditional model is conditioned only on the observations the
// planner fixes; layout is the maze it plans in.
func New(m *train.Model, layout *rl.Layout, opt Options) (*Planner, error) {
	if m == nil || layout == nil {
		return nil, badInput("a model and a layout are required")
	}
	want := []train.Column{{Name: "actions", Offset: 0, Width: actionDim}, {Name: "observations", Offset: obsOffset, Width: obsDim}}
	ok := m.Transition == actionDim+obsDim && len(m.Columns) == len(want)
	for i := 0; ok && i < len(want); i++ {
		ok = m.Columns[i] == want[i]
	}
	if !ok {
		return nil, badInput("the checkpoint's transition is %d values %v; a maze2d planner needs 6 = actions(2) then observations(4)", m.Transition, m.Components())
	}
	if m.Horizon < 2 {
		return nil, badInput("the checkpoint's horizon is %d steps; planning needs at least 2", m.Horizon)
	}
	if err := checkMaze(m, layout); err != nil {
		return nil, err
	}
	var err error
	if opt.Stall, err = opt.Stall.validate(); err != nil {
		return nil, err
	}
	if opt.Steps < 0 {
		return nil, badInput("Steps must be at least 1 (0 for the configuration's), got %d", opt.Steps)
	}
	if opt.NoClip && m.Config.Sample.ClipX0 {
		return nil, badInput("NoClip, but the checkpoint's configuration clips x0-predictions ([sample] clip_x0 = true)")
	}
	for _, e := range m.Condition() {
		t := e.T
		if t < 0 {
			t += m.Horizon
		}
		if (t != 0 && (t != m.Horizon-1 || opt.NoGoal)) || e.C < obsOffset {
			return nil, badInput("the checkpoint is conditioned on entry %d:%d, which the planner does not fix (only the observations at the first and last steps)", e.T, e.C)
		}
	}
	free, err := newFreeProjection(m, layout, opt)
	if err != nil {
		return nil, err
	}
	return &Planner{model: m, layout: layout, opt: opt, free: free}, nil
}

// Horizon is the plan's length in steps.
func (p *Planner) Horizon() int { return p.model.Horizon }

// Layout is the maze the planner plans in.
func (p *Planner) Layout() *rl.Layout { return p.layout }

// Plan is one sampled window in the data's units.
type Plan struct {
	Observations [][4]float64 // Horizon states (x, y, vx, vy); [0] is the start and [Horizon-1] (gx, gy, 0, 0) exactly (unless Options.NoGoal)
	Actions      [][2]float64 // the window's actions (Diffuser's controller does not use them)
	Start        [4]float64
	Goal         [2]float64
	Solver       string
	Schedule     string
	Steps        int // solver steps
	NFE          int // network evaluations
	Latency      time.Duration
	// Quality counts plan states inside a wall cell or outside the maze, steps whose segment crosses a
	// wall, and the plan's step lengths (planeval.MeasurePath): plans are reported, never clipped.
	planeval.PathQuality
}

// checkPoint validates a state or goal: finite, and its position inside the maze and outside the walls.
func (p *Planner) checkPoint(what string, v []float64) error {
	if err := p.layout.CheckState(what, v); err != nil {
		return badInput("%v", err)
	}
	return nil
}

// Plan samples one window from start (x, y, vx, vy) to goal (gx, gy): all four observations are fixed at
// step 0 to start and at step H-1 to (gx, gy, 0, 0) (the start only with Options.NoGoal; the goal is then only
// validated), clamped after every solver step (diffusion.Inpaint), moved by the value guide if any (WithValueGuide),
// with x0-predictions clipped to [-1, 1] unless Options.NoClip, and their waypoints projected onto the free space
// with Options.WallClearance. seed keys the sampler's noise. Bad inputs
// fail with ErrBadInput before any sampling; cancelling ctx stops the solver between steps.
func (p *Planner) Plan(ctx context.Context, start [4]float64, goal [2]float64, seed uint64) (*Plan, error) {
	if err := p.checkPoint("start state", start[:]); err != nil {
		return nil, err
	}
	if err := p.checkPoint("goal", goal[:]); err != nil {
		return nil, err
	}
	fixed := endpoints([][4]float64{start}, [][2]float64{goal})
	if p.opt.NoGoal {
		fixed = startOnly(fixed)
	}
	if p.search != nil {
		return p.searchPlan(ctx, start, goal, fixed, seed)
	}
	began := time.Now()
	sample := p.model.Sample
	if p.opt.Sample != nil {
		sample = func(ctx context.Context, req train.SampleRequest) (*train.Samples, error) {
			return p.opt.Sample(ctx, p.model, req)
		}
	}
	if gs := p.guidedSample(); gs != nil {
		sample = gs
	}
	req := train.SampleRequest{N: 1, Solver: p.opt.Solver, Schedule: p.opt.Schedule, Steps: p.opt.Steps,
		Seed: seed, Fixed: fixed, ClipX0: !p.opt.NoClip, CorrectX0: p.correction()}
	if p.free != nil && p.opt.Network != nil {
		// The projection corrects every x0-prediction on the host: the loop stays here, the network goes
		// to Network.
		net, err := p.opt.Network(p.model, req, 1)
		if err != nil {
			return nil, fmt.Errorf("diffuser: the plan's network: %w", err)
		}
		req.Network, sample = net, p.model.Sample
	}
	s, err := sample(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("diffuser: planning: %w", err)
	}
	pl := &Plan{Start: start, Goal: goal, Solver: s.Solver, Schedule: s.Schedule, Steps: s.Steps, NFE: s.NFE, Latency: time.Since(began)}
	H := p.model.Horizon
	rows := s.Window(0)
	pl.Observations, pl.Actions = make([][4]float64, H), make([][2]float64, H)
	for t, r := range rows {
		copy(pl.Actions[t][:], r[:actionDim])
		copy(pl.Observations[t][:], r[obsOffset:])
		for _, v := range r {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("diffuser: the model's plan has a non-finite value at step %d: %v", t, r)
			}
		}
	}
	// The inpainted entries went through the float32 normaliser and back: restore them exactly.
	pl.Observations[0] = start
	if !p.opt.NoGoal {
		pl.Observations[H-1] = [4]float64{goal[0], goal[1], 0, 0}
	}
	if p.free != nil {
		p.free.plan(pl.Observations)
	}
	pl.Measure(p.layout)
	return pl, nil
}

// checkMaze checks that the training data's range of positions (the limits normaliser's; other
// normalisers keep no range and are not checked) fits layout's free cells (rl.Layout.CheckPositionRange).
func checkMaze(m *train.Model, l *rl.Layout) error {
	lo, hi, ok := m.Normalizer(1).Limits()
	if !ok {
		return nil
	}
	if err := l.CheckPositionRange(lo, hi); err != nil {
		return badInput("the checkpoint's training data: %v", err)
	}
	return nil
}

// Measure sets the plan's Quality in layout l (Plan.Plan does; call it for a plan made or edited by hand).
func (pl *Plan) Measure(l *rl.Layout) { pl.PathQuality = planeval.MeasurePath(l, pl.Positions()) }

// Positions are the plan's (x, y).
func (pl *Plan) Positions() [][2]float64 {
	xy := make([][2]float64, len(pl.Observations))
	for t, o := range pl.Observations {
		xy[t] = [2]float64{o[0], o[1]}
	}
	return xy
}

// Stats describe the plan for planeval.
func (pl *Plan) Stats() planeval.PlanStats {
	return planeval.PlanStats{Latency: pl.Latency, NFE: pl.NFE, Quality: pl.PathQuality, Positions: pl.Positions()}
}

// endpoints fixes the observations of window i at step 0 to starts[i] and at step H-1 to (gx, gy, 0, 0).
func endpoints(starts [][4]float64, goals [][2]float64) []train.Fixed {
	fixed := make([]train.Fixed, 0, 2*obsDim)
	for k := 0; k < obsDim; k++ {
		s := train.Fixed{WindowEntry: train.WindowEntry{T: 0, C: obsOffset + k}, Values: make([]float64, len(starts))}
		e := train.Fixed{WindowEntry: train.WindowEntry{T: -1, C: obsOffset + k}, Values: make([]float64, len(goals))}
		for i := range starts {
			s.Values[i] = starts[i][k]
			if k < 2 {
				e.Values[i] = goals[i][k]
			}
		}
		fixed = append(fixed, s, e)
	}
	return fixed
}

package diffuser

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"time"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/rl"
	"github.com/trajdiff/trajdiff/rl/planeval"
	"github.com/trajdiff/trajdiff/train"
)

// Search makes the planner spend a fixed budget of network evaluations per plan on inference-time scaling
// with PlanReward (diffusion.ParticleSearch): best-of-N plans of the planner's solver, or particles of DDIM
// with diffusion coefficient Eta resampled by reward (ParticleResample) or searched with rollover budget
// forcing (ParticleRollover).
type Search struct {
	Method diffusion.ParticleMethod
	Budget int // network evaluations per plan
	// Particles is rollover's number of initial noises (0: its default share of the budget).
	Particles int
	// Eta is the DDIM eta of resampling and rollover (0 means 1, DDPM's ancestral sampler).
	Eta float64
	// Temperature (multinomial) or TopK (greedy) choose the resampling; neither means greedy top-1.
	Temperature float64
	TopK        int
	Reward      PlanReward
}

// PlanReward scores a plan's path xy_0..xy_{H-1} (start and goal exactly at its ends) in a maze:
//
//	r = -Wall (P + S) - Jump sum_t max(0, |xy_{t+1} - xy_t| - StepLimit)/StepLimit,
//
// P and S the plan points and segments in a wall or outside the maze (planeval.MeasurePath). A plan that
// avoids the walls and reaches the goal with steps the point mass can take scores 0; a plan that ignores the
// inpainted goal pays for the jump to it. The zero value means Wall 1, Jump 1, StepLimit 0.1 (D4RL's steps
// are about 0.03, at most about 0.05).
type PlanReward struct {
	Wall, Jump, StepLimit float64
}

func (r PlanReward) withDefaults() PlanReward {
	if r == (PlanReward{}) {
		return PlanReward{Wall: 1, Jump: 1, StepLimit: 0.1}
	}
	return r
}

// Of is the reward of path xy in layout l.
func (r PlanReward) Of(l *rl.Layout, xy [][2]float64) float64 {
	r = r.withDefaults()
	q := planeval.MeasurePath(l, xy)
	jump := 0.0
	for t := 1; t < len(xy); t++ {
		d := math.Hypot(xy[t][0]-xy[t-1][0], xy[t][1]-xy[t-1][1])
		jump += max(0, d-r.StepLimit) / r.StepLimit
	}
	return -r.Wall*float64(q.WallPoints+q.WallSegments) - r.Jump*jump
}

// WithSearch returns a planner that plans with s; bad settings fail with ErrBadInput.
func (p *Planner) WithSearch(s Search) (*Planner, error) {
	rw := s.Reward.withDefaults()
	switch {
	case s.Budget < 1:
		return nil, badInput("the search budget must be at least 1 network evaluation per plan, got %d", s.Budget)
	case s.Eta < 0 || math.IsNaN(s.Eta) || math.IsInf(s.Eta, 0):
		return nil, badInput("eta must be finite and non-negative, got %v", s.Eta)
	case rw.Wall < 0 || rw.Jump < 0 || !(rw.StepLimit > 0) || math.IsInf(rw.Wall+rw.Jump+rw.StepLimit, 0):
		return nil, badInput("plan reward weights must be finite and non-negative with a positive step limit, got %+v", s.Reward)
	}
	if p.opt.NoGoal || p.guide != nil {
		return nil, badInput("inference-time search scores plans with the goal inpainted at their end: it takes neither NoGoal nor a value guide")
	}
	if p.free != nil {
		return nil, badInput("inference-time search scores plans by their wall points: it takes no WallClearance projection")
	}
	q := *p
	q.search = &s
	// Validate the whole search (solver, budget split) on a probe configuration.
	if _, err := q.particleSearch(); err != nil {
		return nil, err
	}
	return &q, nil
}

// Search is the planner's search (nil without one).
func (p *Planner) Search() *Search { return p.search }

// particleSearch is the diffusion search of the planner's configuration.
func (p *Planner) particleSearch() (diffusion.ParticleSearch, error) {
	s, m := p.search, p.model
	ps := diffusion.ParticleSearch{Method: s.Method, Process: m.Checkpoint.Process, Steps: cmp.Or(p.opt.Steps, m.Config.Sample.Steps, 10),
		Budget: s.Budget, Particles: s.Particles, Temperature: s.Temperature, TopK: s.TopK}
	if name := cmp.Or(p.opt.Schedule, m.Config.Sample.Schedule); name != "" {
		sch, err := diffusion.NewSchedule(name)
		if err != nil {
			return ps, badInput("%v", err)
		}
		ps.Schedule = sch
	}
	switch s.Method {
	case diffusion.BestOfN:
		solver, err := diffusion.NewSolver(cmp.Or(p.opt.Solver, m.Config.Sample.Solver, "dpmpp-2m"))
		if err != nil {
			return ps, badInput("%v", err)
		}
		ps.Solver = solver
	case diffusion.ParticleResample, diffusion.ParticleRollover:
		ps.Solver = diffusion.DDIM{Eta: cmp.Or(s.Eta, 1)}
		if s.Method == diffusion.ParticleResample && s.Temperature == 0 && s.TopK == 0 {
			ps.TopK = 1
		}
	default:
		return ps, badInput("unknown search method %q (want one of %v)", s.Method, diffusion.ParticleMethods())
	}
	if _, err := ps.Validate(m.Horizon * m.Transition); err != nil {
		return ps, badInput("%v", err)
	}
	return ps, nil
}

// searchPlan makes a plan with the planner's search: the model's sampling problem for one window (fixed
// start and goal, clipping), particles scored by PlanReward on their x0-predictions in maze units.
func (p *Planner) searchPlan(ctx context.Context, start [4]float64, goal [2]float64, fixed []train.Fixed, seed uint64) (*Plan, error) {
	ps, err := p.particleSearch()
	if err != nil {
		return nil, err
	}
	m := p.model
	began := time.Now()
	req := train.SampleRequest{N: 1, Solver: "ddpm", Schedule: p.opt.Schedule, Steps: ps.Steps, Seed: seed, Fixed: fixed, ClipX0: !p.opt.NoClip}
	if p.opt.Network != nil {
		if req.Network, err = p.opt.Network(m, req, max(ps.Particles, ps.Budget/ps.Steps, 1)); err != nil {
			return nil, fmt.Errorf("diffuser: the search's network: %w", err)
		}
	}
	prob, err := m.SamplingProblem(req)
	if err != nil {
		return nil, fmt.Errorf("diffuser: planning: %w", err)
	}
	H := m.Horizon
	rw := p.search.Reward
	xy := make([][2]float64, H)
	reward := func(r, x0 []float64) error {
		for j := range r {
			p.positions(xy, x0[j*H*p.model.Transition:(j+1)*H*p.model.Transition], start, goal)
			r[j] = rw.Of(p.layout, xy)
		}
		return nil
	}
	res, err := ps.Sample(ctx, prob.Denoiser, reward, 1, diffusion.ParticleOptions{Seed: seed, Condition: prob.Condition})
	if err != nil {
		return nil, fmt.Errorf("diffuser: planning with %s: %w", ps.Method, err)
	}
	pl := &Plan{Start: start, Goal: goal, Solver: fmt.Sprintf("%s/%s", ps.Method, res.Plan.Solver), Schedule: cmp.Or(p.opt.Schedule, m.Config.Sample.Schedule),
		Steps: ps.Steps, NFE: res.NFE * prob.Passes}
	x := append([]float64(nil), res.X...)
	m.Unnormalize(x)
	pl.Observations, pl.Actions = make([][4]float64, H), make([][2]float64, H)
	for t := range H {
		r := x[t*m.Transition : (t+1)*m.Transition]
		copy(pl.Actions[t][:], r[:actionDim])
		copy(pl.Observations[t][:], r[obsOffset:])
	}
	pl.Observations[0], pl.Observations[H-1] = start, [4]float64{goal[0], goal[1], 0, 0}
	pl.Latency = time.Since(began)
	pl.Measure(p.layout)
	return pl, nil
}

// positions writes the (x, y) of window w (training units) into xy in maze units, with the start and goal
// at its ends as the plan will have them.
func (p *Planner) positions(xy [][2]float64, w []float64, start [4]float64, goal [2]float64) {
	T := p.model.Transition
	row := make([]float32, obsDim)
	for t := range xy {
		for k := range row {
			row[k] = float32(w[t*T+obsOffset+k])
		}
		p.model.Normalizer(1).Unnormalize(row)
		xy[t] = [2]float64{float64(row[0]), float64(row[1])}
	}
	xy[0], xy[len(xy)-1] = [2]float64{start[0], start[1]}, goal
}

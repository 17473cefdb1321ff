package wdno

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/train"
)

// Case is one problem for a model: the initial state u0 (Cells x State values; nil in estimation, where
// it is unknown) and, for simulation and estimation, the control F (Frames x Cells x Control; Burgers'
// last row is zero), or, for control, the target final state Target (Cells x State).
type Case struct {
	U0, F, Target []float64
}

// Request configures Generate; zero values take the model's sample configuration.
type Request struct {
	Cases    []Case
	Solver   string   // a diffusion solver name (default sample.solver, else ddpm)
	Steps    int      // solver steps (default sample.steps, else 50)
	Seed     uint64   // noise seed; case j's result depends only on (Seed, j) and the batch it is in
	Guidance *float64 // control guidance weight (default sample.guidance, else 1.2e5); 0 disables it
	// EnergyWeight is the weight of sum f^2 in the guiding objective (default 2e-5, the reference's).
	EnergyWeight float64
	// GuideThrough is where the guiding gradient is taken: GuideX0 (default, the reference's) or
	// GuideDenoiser (through the network to the noisy state; CPU only).
	GuideThrough string
	// ProjectEnds, in 1-D control, projects every x0 prediction onto the images whose decoded trajectory
	// starts at the case's u0 and ends at its target u* (endProjection), after the known entries are set and
	// the others clamped, and again after each guidance step; in simulation, onto those that start at u0.
	// EndsFrames corrects the end frames alone (DDNM's null-space correction), EndsOrthogonal makes the
	// smallest change of the image; "" projects nothing. WDNO's layout gives u0 and u* only through its
	// condition channel; this makes its samples meet them exactly, as the physical layout's inpainting does
	// (there it changes nothing). Host loop only (with Device, the loop stays on the host and the network runs
	// on Network).
	ProjectEnds string
	Progress    func(done, total int)
	// Device, if set, runs the sampling loop instead of the CPU (DeviceProblem; Generate, and WriteGenerated
	// through it; Estimate takes its own, EstimateOptions.Device).
	Device DeviceSampler
	// Network, if set, evaluates the network of the sampling loops that stay on the host instead of the
	// checkpoint's CPU denoiser: a search by control cost (SearchControl, SearchSmokeControl), whose solver
	// scores the candidates at every step, and, with Device, what the device's loop cannot express (control
	// guidance on the physical layout, whose gradient runs through the decoder on the host). `trajdiff pde
	// evaluate|generate --device gpu` passes the GPU's network here (gpu/fromnn.Sampler.Denoiser).
	Network HostDenoiser
}

// HostDenoiser returns checkpoint c's network as a denoiser on host slices that evaluates elsewhere (a
// GPU), for calls of about points points at a time (a hint: larger batches must be served too). It must
// compute what c.Denoiser computes, to the executor's precision, and keep the denoiser usable until the
// caller is done with the request.
type HostDenoiser func(c *train.Checkpoint, points int) (diffusion.Denoiser, error)

// Generated holds a model's trajectories, one per case: U and F in the dataset's layout. A case whose
// sampling diverged is listed in Failed (its fields are NaN); the others are unaffected.
type Generated struct {
	U, F   [][]float64
	Failed []int
	NFE    int
}

// Guidance is the reference's guidance weight of the control objective.
const defaultGuidance = 1.2e5

// Generate samples the model's task for every case in one batch. Known entries (the task's condition
// and padding) are clamped to their encoded values after every solver step and in every x0 prediction;
// x0 predictions are clamped to [-1, 1]. In control, each x0 prediction is moved against the gradient
// of the objective J = mean_x (u(0) - u0)^2 + mean_x (u(T) - u*)^2 + w sum f^2 of its own decoded
// trajectory: with x0 = (x - sigma eps)/alpha, adding lambda beta(t) dJ/dx0 to eps (WDNO's guidance, beta(t)
// the discrete step's beta of a 1000-step chain) moves x0 by -(sigma/alpha) lambda beta(t) dJ/dx0.
func (m *Model) Generate(ctx context.Context, req Request) (*Generated, error) {
	enc, err := m.encode(req)
	if err != nil {
		return nil, err
	}
	name, steps, guidance := m.Settings(req)
	if guidance < 0 || math.IsNaN(guidance) {
		return nil, fmt.Errorf("wdno: guidance weight %v, want >= 0", guidance)
	}
	pull, err := m.guidePullback(req, guidance)
	if err != nil {
		return nil, err
	}
	ends, err := m.endsOf(req, enc)
	if err != nil {
		return nil, err
	}
	return m.sample(ctx, enc.values, sampling{solver: name, steps: steps, seed: req.Seed, guidance: guidance, obj: enc.objective(m, req), pull: pull, ends: ends,
		progress: req.Progress, device: req.Device, network: req.Network})
}

// endsOf is req's projection onto the encoded cases' ends (Request.ProjectEnds), nil when it asks none.
func (m *Model) endsOf(req Request, e *encoded) (*endProjection, error) {
	if req.ProjectEnds == "" {
		return nil, nil
	}
	if m.Task == Estimate {
		return nil, fmt.Errorf("wdno: projecting onto u0 needs u0, and an estimation model estimates it")
	}
	return newEndProjection(m.Layout, m.Layout.Known(m.Task), e, req.ProjectEnds, m.Task)
}

// encoded are a request's cases as images (their known entries hold the condition) and, in control, the
// given initial and target states.
type encoded struct {
	values       []float64
	u0s, targets [][]float64
	cells        int // values of one state frame
}

// objective is the control objective of the encoded cases (nil outside control or without guidance).
func (e *encoded) objective(m *Model, req Request) objective {
	if _, _, guidance := m.Settings(req); m.Task != Control || guidance == 0 {
		return nil
	}
	if c := m.Layout.Config(); c.Grid != nil {
		d0s := make([][]float64, len(e.u0s))
		for j, u0 := range e.u0s {
			d0s[j] = make([]float64, c.Cells)
			gather(d0s[j], u0, 0, smokeState)
		}
		return smokeObjective{d0s: d0s, cells: c.Cells, frames: c.Frames}
	}
	return controlObjective{u0s: e.u0s, targets: e.targets, energy: cmp.Or(req.EnergyWeight, 2e-5), cells: e.cells}
}

// encode checks and encodes the request's cases.
func (m *Model) encode(req Request) (*encoded, error) {
	n := len(req.Cases)
	if n == 0 {
		return nil, fmt.Errorf("wdno: no cases to generate")
	}
	l, c := m.Layout, m.Layout.Config()
	D, N := l.Dim(), c.Cells*c.State // N: values of one state frame
	nu, nf := c.sizes()
	e := &encoded{values: make([]float64, n*D), u0s: make([][]float64, n), targets: make([][]float64, n), cells: N}
	u, f := make([]float64, nu), make([]float64, nf)
	for j, cs := range req.Cases {
		clear(u)
		clear(f)
		switch {
		case m.Task == Estimate && cs.U0 != nil:
			return nil, fmt.Errorf("wdno: case %d: an estimation model does not take u0 (it estimates it)", j)
		case m.Task != Estimate && len(cs.U0) != N:
			return nil, fmt.Errorf("wdno: case %d: u0 has %d values, want %d", j, len(cs.U0), N)
		}
		copy(u, cs.U0)
		switch m.Task {
		case Simulate, Estimate:
			e.u0s[j] = cs.U0
			if len(cs.F) != nf {
				return nil, fmt.Errorf("wdno: case %d: the control has %d values, want %d", j, len(cs.F), nf)
			}
			copy(f, cs.F)
		case Control:
			if c.Grid != nil { // smoke: the initial density is the whole condition
				e.u0s[j] = cs.U0
				break
			}
			if len(cs.Target) != N {
				return nil, fmt.Errorf("wdno: case %d: the target has %d values, want %d", j, len(cs.Target), N)
			}
			copy(u[nu-N:], cs.Target)
			e.u0s[j], e.targets[j] = cs.U0, cs.Target
		}
		if err := l.Encode(m.Task, u, f, e.values[j*D:(j+1)*D]); err != nil {
			return nil, fmt.Errorf("wdno: case %d: %w", j, err)
		}
	}
	return e, nil
}

// sampling configures Model.sample: the solver, the guiding objective and its weight, and an extra
// conditioning applied after the known entries are clamped.
type sampling struct {
	solver   string
	steps    int
	seed     uint64
	guidance float64
	obj      objective
	pull     *pullback // guidance through the denoiser (nil: at x0)
	ends     *endProjection
	extra    diffusion.Conditioner
	progress func(done, total int)
	device   DeviceSampler // nil: the CPU
	network  HostDenoiser  // with device: the network of a loop the device cannot run (nil: refused)
}

// sample runs the solver on a batch of encoded images (their known entries hold the condition), clamping
// known entries after every step and in every x0 prediction, and decodes the results.
func (m *Model) sample(ctx context.Context, values []float64, o sampling) (*Generated, error) {
	l, c := m.Layout, m.Layout.Config()
	D := l.Dim()
	n := len(values) / D
	nu, nf := c.sizes()
	solver, err := diffusion.NewSolver(o.solver)
	if err != nil {
		return nil, fmt.Errorf("wdno: %w", err)
	}
	p := m.Checkpoint.Process
	times, err := diffusion.DefaultSchedule(p).Times(p, o.steps)
	if err != nil {
		return nil, fmt.Errorf("wdno: %w", err)
	}
	plan, err := solver.Plan(p, times)
	if err != nil {
		return nil, fmt.Errorf("wdno: %w", err)
	}
	known := l.Known(m.Task)
	g := &guide{layout: l, known: known, values: values, clip: !m.Config.Sample.NoClip, weight: o.guidance, obj: o.obj, p: p, pull: o.pull,
		ends: o.ends}
	x := make([]float64, n*D)
	diffusion.NewPhilox(o.seed).FillNormal(x, 1<<20, 0)
	s0 := p.Sigma(times[0])
	for i := range x {
		x[i] *= s0
	}
	var cond diffusion.Conditioner = &diffusion.Inpaint{Mask: known, Values: values}
	if o.extra != nil {
		cond = conditions{cond, o.extra}
	}
	var failed []int
	opt := diffusion.RunOptions{Seed: o.seed, Progress: o.progress, CorrectX0: g.correct, Condition: cond,
		NonFinite: func(j int, _ float64) { failed = append(failed, j) }}
	var den diffusion.Denoiser = m.Checkpoint.Denoiser
	if o.device != nil && o.pull != nil && o.guidance != 0 {
		return nil, fmt.Errorf("wdno: guidance through the denoiser runs on the CPU only")
	}
	if o.device != nil && o.network != nil && !m.deviceLoop(o, g, n) {
		// The device cannot run this loop (an extra conditioner, guidance it has no guide for): the loop
		// stays here and only the network runs there.
		if den, err = m.hostNetwork(o.network, n); err != nil {
			return nil, err
		}
		o.device = nil
	}
	run := func() error { return diffusion.Sample(ctx, plan, den, x, opt) }
	if o.device != nil {
		run = func() error { return m.runDevice(ctx, o, g, plan, x, opt.NonFinite) }
	}
	if err := run(); err != nil {
		return nil, fmt.Errorf("wdno: sampling with %s: %w", o.solver, err)
	}
	slices.Sort(failed)
	out := &Generated{U: make([][]float64, n), F: make([][]float64, n), Failed: failed, NFE: plan.NFE}
	for j := range n {
		out.U[j], out.F[j] = make([]float64, nu), make([]float64, nf)
		if err := l.Decode(x[j*D:(j+1)*D], out.U[j], out.F[j]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// conditions applies conditioners in order.
type conditions []diffusion.Conditioner

func (cs conditions) Condition(x []float64, t, alpha, sigma float64) error {
	for _, c := range cs {
		if err := c.Condition(x, t, alpha, sigma); err != nil {
			return err
		}
	}
	return nil
}

// Settings are the solver, number of steps and guidance weight Generate uses for req: req's, else the
// model's sample configuration, else ddpm, 50 steps and the reference's 1.2e5 (smoke: 100; 0 for
// simulation).
func (m *Model) Settings(req Request) (solver string, steps int, guidance float64) {
	sc := m.Config.Sample
	guidance = defaultGuidance
	if m.Layout.Config().Grid != nil {
		guidance = SmokeGuidance
	}
	if sc.Guidance != nil {
		guidance = *sc.Guidance
	}
	if req.Guidance != nil {
		guidance = *req.Guidance
	}
	if m.Task != Control {
		guidance = 0
	}
	return cmp.Or(req.Solver, sc.Solver, "ddpm"), cmp.Or(req.Steps, sc.Steps, 50), guidance
}

// objective is a guiding objective J(u, f) of case j's decoded trajectory: grad writes dJ/du and dJ/df.
type objective interface {
	grad(j int, u, f, gu, gf []float64)
}

// controlObjective is the control task's J = mean_x (u(0) - u0)^2 + mean_x (u(T) - u*)^2 + w sum f^2, the
// initial state compared against the one the case gives.
type controlObjective struct {
	u0s, targets [][]float64
	energy       float64
	cells        int // values of one state frame
}

func (o controlObjective) grad(j int, u, f, gu, gf []float64) {
	N := o.cells
	clear(gu)
	last := len(u) - N
	for x := 0; x < N; x++ {
		gu[x] = 2 * (u[x] - o.u0s[j][x]) / float64(N)
		gu[last+x] = 2 * (u[last+x] - o.targets[j][x]) / float64(N)
	}
	for i, v := range f {
		gf[i] = 2 * o.energy * v
	}
}

// guide corrects x0 predictions: known entries, clamping, the projection onto the ends (ends set) and
// guidance by an objective, its gradient taken at x0 or, with pull set, pulled back through the denoiser
// (GuideDenoiser).
type guide struct {
	layout       Layout
	known        []bool
	values       []float64
	clip         bool
	weight       float64
	obj          objective
	p            diffusion.Process
	pull         *pullback
	ends         *endProjection // nil: no projection
	u, f, gu, gf []float64
	gx           []float64
	batch        []float64 // the batch's masked dJ/dx0 for the pullback
}

func (g *guide) correct(x0, x []float64, t float64) error {
	D := g.layout.Dim()
	cases := len(g.values) / D // the particles of a search share one case's values
	n := len(x0) / D
	guided := g.weight != 0 && g.obj != nil
	if guided && g.pull != nil && len(g.batch) != len(x0) {
		g.batch = make([]float64, len(x0))
	}
	step := guideStep(g.p, g.weight, t)
	for j := 0; j < n; j++ {
		c := j % cases
		row, vals := x0[j*D:(j+1)*D], g.values[c*D:(c+1)*D]
		if err := g.settle(c, row, vals); err != nil {
			return err
		}
		if !guided {
			continue
		}
		if err := g.gradient(c, row); err != nil {
			return err
		}
		if g.pull != nil {
			// Known entries of x0 are the condition, not the network's: nothing flows back through them.
			dst := g.batch[j*D : (j+1)*D]
			for i, k := range g.known {
				dst[i] = 0
				if !k {
					dst[i] = g.gx[i]
				}
			}
			continue
		}
		if err := g.move(c, row, vals, step, g.gx); err != nil {
			return err
		}
	}
	if !guided || g.pull == nil {
		return nil
	}
	if err := g.pull.apply(g.batch, x, t); err != nil {
		return err
	}
	for j := 0; j < n; j++ {
		c := j % cases
		if err := g.move(c, x0[j*D:(j+1)*D], g.values[c*D:(c+1)*D], step, g.batch[j*D:(j+1)*D]); err != nil {
			return err
		}
	}
	return nil
}

// move steps the unknown entries of case c's row against grad, then settles the row again.
func (g *guide) move(c int, row, vals []float64, step float64, grad []float64) error {
	for i, k := range g.known {
		if !k {
			row[i] -= step * grad[i]
		}
	}
	return g.settle(c, row, vals)
}

// settle fixes case c's row and projects it onto the case's ends when asked: the projection comes last, so
// that the ends hold exactly in every x0 the solver sees (its correction may leave [-1, 1] slightly).
func (g *guide) settle(c int, row, vals []float64) error {
	g.fix(row, vals)
	if g.ends == nil {
		return nil
	}
	return g.ends.project(c, row)
}

// fix sets known entries to their values and clamps the others to [-1, 1].
func (g *guide) fix(row, vals []float64) {
	for i, k := range g.known {
		switch {
		case k:
			row[i] = vals[i]
		case g.clip:
			row[i] = min(1, max(-1, row[i]))
		}
	}
}

// gradient leaves in g.gx the gradient of case j's objective with respect to its image row.
func (g *guide) gradient(j int, row []float64) error {
	nu, nf := g.layout.Config().sizes()
	if g.u == nil {
		g.u, g.f = make([]float64, nu), make([]float64, nf)
		g.gu, g.gf = make([]float64, nu), make([]float64, nf)
		g.gx = make([]float64, g.layout.Dim())
	}
	if err := g.layout.Decode(row, g.u, g.f); err != nil {
		return err
	}
	g.obj.grad(j, g.u, g.f, g.gu, g.gf)
	return g.layout.DecodeAdjoint(g.gu, g.gf, g.gx)
}

// guideStep is guide.correct's step size at t for the weight lambda: sigma(t)/alpha(t) lambda beta(t), the
// device guidance's Step too.
func guideStep(p diffusion.Process, weight, t float64) float64 {
	return p.Sigma(t) / p.Alpha(t) * weight * stepBeta(p, t)
}

// stepBeta is beta of the step ending at t of a 1000-step discretisation of the process,
// 1 - alpha-bar(t)/alpha-bar(t - 1/1000) on a unit time axis, at most 0.999 (the reference's clipped cosine betas).
func stepBeta(p diffusion.Process, t float64) float64 {
	lo, hi := p.TMin(), p.TMax()
	prev := max(lo, t-(hi-lo)/1000)
	a, b := p.Alpha(t), p.Alpha(prev)
	if b == 0 {
		return 0.999
	}
	return min(0.999, max(0, 1-(a*a)/(b*b)))
}

package diffuser

import (
	"math"
	"slices"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/train"
)

// ValueGuide steers a planner's samples toward high return with a value model J(x_t, t) trained on noisy
// windows (train.ObjectiveValue; Diffuser's guided sampling, Janner et al. 2022, section 3.2). Every
// x0-prediction of the network at process time t >= StopGradBelow is moved by
//
//	x0 <- x0 + (y_n - x)/alpha(t),   y_0 = x,   y_{k+1} = y_k + Scale * sigma(t)^2 * dJ/dx(y_k, t)
//
// (k < Steps, the gradient zeroed on the inpainted entries), in the models' normalised units: for one
// step the x0-form of classifier guidance, x0 + Scale sigma^2/alpha grad J (package documentation).
type ValueGuide struct {
	// Model is the value model: objective kind value, trained on windows of the planner's model's
	// horizon, columns, normaliser range and process.
	Model *train.Model
	// Scale is the guidance weight lambda (the reference's scale; 0.1 in its locomotion config, on raw
	// returns). J is in training units, return / data.returns_scale, so lambda here is lambda/returns_scale
	// on raw returns. 0 turns guidance off: plans are then bit-identical to the unguided planner's.
	Scale float64
	// Steps is the number of gradient steps per network evaluation (n_guide_steps; 0 means 1).
	Steps int
	// StopGradBelow turns guidance off at process times t < StopGradBelow (t_stopgrad, here in the
	// process's time units rather than DDPM step indices; 0: guide at every step).
	StopGradBelow float64
	// NoStdScaling drops the factor sigma(t)^2 (the reference's scale_grad_by_std = False): y moves by
	// Scale * dJ/dx.
	NoStdScaling bool
}

// valueGradient is J and dJ/dx on a batch of windows in training units at process time t
// (train.Model.ValueGradient).
type valueGradient interface {
	ValueGradient(values, grad, x []float64, t float64) error
}

// valueGuide is a validated ValueGuide bound to a planner: the process and the mask of inpainted entries.
type valueGuide struct {
	model   *train.Model // the value model (GuidedSampler)
	value   valueGradient
	process diffusion.Process
	scale   float64
	steps   int
	stop    float64
	noStd   bool
	fixed   []bool // per window entry: clamped by inpainting, so never moved
	window  int    // values per window
}

// WithValueGuide returns a copy of the planner that guides every plan with g. It checks that g.Model is a
// value model of the planner's window layout (horizon, transition, columns), normaliser range and process,
// and that the scale, steps and stop time are usable; a zero Scale leaves the planner unguided. A planner
// with inference-time search (WithSearch) takes no guide.
func (p *Planner) WithValueGuide(g ValueGuide) (*Planner, error) {
	switch {
	case g.Model == nil || !g.Model.IsValue():
		return nil, badInput("the value guide needs a value model (a checkpoint of objective kind %q)", train.ObjectiveValue)
	case math.IsNaN(g.Scale) || math.IsInf(g.Scale, 0):
		return nil, badInput("the guidance scale must be finite, got %v", g.Scale)
	case g.Steps < 0:
		return nil, badInput("guidance steps must be at least 1 (0 for 1), got %d", g.Steps)
	case math.IsNaN(g.StopGradBelow) || g.StopGradBelow < 0:
		return nil, badInput("the guidance stop time must be a non-negative process time, got %v", g.StopGradBelow)
	case p.search != nil:
		return nil, badInput("a planner with inference-time search takes no value guide")
	}
	m, v := p.model, g.Model
	if v.Horizon != m.Horizon || v.Transition != m.Transition || !slices.Equal(v.Columns, m.Columns) {
		return nil, badInput("the value model takes windows of %d steps of %v, the planner's model samples %d steps of %v",
			v.Horizon, v.Components(), m.Horizon, m.Components())
	}
	for i := range m.Columns {
		lo, hi, ok := m.Normalizer(i).Limits()
		vlo, vhi, vok := v.Normalizer(i).Limits()
		if ok != vok || !slices.Equal(lo, vlo) || !slices.Equal(hi, vhi) {
			return nil, badInput("the value model normalises column %s over %v..%v, the planner's model over %v..%v: their normalised windows differ",
				m.Columns[i].Name, vlo, vhi, lo, hi)
		}
	}
	if vp, mp := v.ValueProcess(), m.Checkpoint.Process; vp.Name() != mp.Name() || vp.TMax() != mp.TMax() {
		return nil, badInput("the value model was trained on noisy windows of process %s, the planner samples with %s", vp.Name(), mp.Name())
	}
	q := *p
	q.guide = nil
	if g.Scale == 0 {
		return &q, nil
	}
	vg := &valueGuide{model: v, value: v, process: m.Checkpoint.Process, scale: g.Scale, steps: max(g.Steps, 1), stop: g.StopGradBelow,
		noStd: g.NoStdScaling, window: m.Horizon * m.Transition}
	vg.fixed = make([]bool, vg.window)
	for k := 0; k < obsDim; k++ { // the start observations; the goal's too unless NoGoal
		vg.fixed[obsOffset+k] = true
		if !p.opt.NoGoal {
			vg.fixed[(m.Horizon-1)*m.Transition+obsOffset+k] = true
		}
	}
	q.guide = vg
	return &q, nil
}

// Guided reports whether plans are value-guided (WithValueGuide with a non-zero scale).
func (p *Planner) Guided() bool { return p.guide != nil }

// correction is the x0-correction of the guide for train.SampleRequest.CorrectX0 (nil without a guide).
func (g *valueGuide) correction() func(x0, x []float64, t float64) error {
	if g == nil {
		return nil
	}
	return g.correct
}

// correct moves the x0-predictions x0 of the states x (N windows, training units) at time t.
func (g *valueGuide) correct(x0, x []float64, t float64) error {
	if t < g.stop {
		return nil
	}
	a, s := g.process.Alpha(t), g.process.Sigma(t)
	if !(a > 0) {
		return nil // pure noise: no x0 to move
	}
	k := g.scale
	if !g.noStd {
		k *= s * s
	}
	y := slices.Clone(x)
	grad := make([]float64, len(x))
	vals := make([]float64, len(x)/g.window)
	for range g.steps {
		if err := g.value.ValueGradient(vals, grad, y, t); err != nil {
			return err
		}
		for i := range y {
			if !g.fixed[i%g.window] {
				y[i] += k * grad[i]
			}
		}
	}
	for i := range x0 {
		x0[i] += (y[i] - x[i]) / a
	}
	return nil
}

// startOnly keeps the fixed entries of step 0 (the start) of endpoints' list.
func startOnly(fixed []train.Fixed) []train.Fixed {
	var out []train.Fixed
	for _, f := range fixed {
		if f.T == 0 {
			out = append(out, f)
		}
	}
	return out
}

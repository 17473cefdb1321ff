package diffuser

import (
	"context"
	"slices"

	"github.com/trajdiff/trajdiff/train"
)

// ValueGuidance is a planner's value guide as a sampler that runs guidance itself needs it
// (Options.SampleGuided): the guide's numbers (ValueGuide) and the window entries inpainting fixes, which the
// guide never moves (the start's observations; the goal's unless NoGoal).
type ValueGuidance struct {
	ValueGuide
	Fixed []bool // per window entry (horizon*transition values)
}

// GuidedSampler draws a value-guided plan's window with the guide applied by the sampler itself, after the
// request's clamp, as Model.Sample applies the request's CorrectX0 (the CLI's --device gpu passes
// gpu/fromnn.Sampler.SampleGuided). It must draw what Model.Sample draws with the CPU guide.
type GuidedSampler = func(context.Context, *train.Model, train.SampleRequest, ValueGuidance) (*train.Samples, error)

// guidance is the guide's numbers for a GuidedSampler.
func (g *valueGuide) guidance() ValueGuidance {
	return ValueGuidance{ValueGuide: ValueGuide{Model: g.model, Scale: g.scale, Steps: g.steps, StopGradBelow: g.stop, NoStdScaling: g.noStd},
		Fixed: slices.Clone(g.fixed)}
}

// guidedSample is the planner's sampler of a request when a GuidedSampler runs its value guide (nil: the
// request carries the guide as its CorrectX0).
func (p *Planner) guidedSample() func(context.Context, train.SampleRequest) (*train.Samples, error) {
	if p.guide == nil || p.opt.SampleGuided == nil || p.free != nil { // the free-space projection stays a CorrectX0
		return nil
	}
	g := p.guide.guidance()
	return func(ctx context.Context, req train.SampleRequest) (*train.Samples, error) {
		req.CorrectX0 = nil
		return p.opt.SampleGuided(ctx, p.model, req, g)
	}
}

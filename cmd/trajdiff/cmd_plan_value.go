package main

import (
	"flag"

	"github.com/trajdiff/trajdiff/gpu/fromnn"
	"github.com/trajdiff/trajdiff/rl/diffuser"
	"github.com/trajdiff/trajdiff/train"
)

// valueFlags are plan evaluate's goal-free and value-guided Diffuser options (rl/diffuser.ValueGuide).
type valueFlags struct {
	noGoal bool
	value  string
	scale  float64
	steps  int
	stop   float64
	noStd  bool
	// onDevice: the plans are sampled on the device (--device gpu), whose value guidance differentiates MLP
	// value models only.
	onDevice bool
}

func (f *valueFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&f.noGoal, "no-goal", false, "diffuser: inpaint the start only, not the goal at the plan's end (a goal-free model, e.g. steered by --value)")
	fs.StringVar(&f.value, "value", "", "diffuser: a value run (objective kind value) whose J(x_t, t) guides every plan")
	fs.Float64Var(&f.scale, "value-scale", 0.1, "diffuser: value guidance scale lambda, on J in training units (return / data.returns_scale: lambda/returns_scale on raw returns); 0: unguided")
	fs.IntVar(&f.steps, "value-steps", 1, "diffuser: value gradient steps per network evaluation (the reference's n_guide_steps)")
	fs.Float64Var(&f.stop, "value-stop", 0, "diffuser: no value guidance below this process time (the reference's t_stopgrad)")
	fs.BoolVar(&f.noStd, "value-no-std", false, "diffuser: do not scale the value gradient by sigma(t)^2 (scale_grad_by_std = False)")
}

// apply guides the planner with the value run when --value is set.
func (f *valueFlags) apply(p *diffuser.Planner) (*diffuser.Planner, error) {
	if f.value == "" {
		return p, nil
	}
	v, err := train.Load(f.value, train.LoadOptions{})
	if err != nil {
		return nil, err
	}
	if f.onDevice {
		if _, err := fromnn.ValueNet(v); err != nil {
			return nil, usagef("--value with --device gpu: %v (plan on the CPU)", err)
		}
	}
	q, err := p.WithValueGuide(diffuser.ValueGuide{Model: v, Scale: f.scale, Steps: f.steps, StopGradBelow: f.stop, NoStdScaling: f.noStd})
	if err != nil {
		return nil, usagef("--value: %v", err)
	}
	return q, nil
}

package geotdm_test

import (
	"path/filepath"
	"testing"

	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/train"
)

// The learned-drift configuration is the interpolant configuration (configs/geotdm-charged-si-small.toml)
// with the settings of the best SDE model of docs/benchmarks.md (base noise 1.0, latent 1.0, uniform tau,
// 3000 steps) and velocity prediction, whose network carries its prior's share (prior_output); everything
// else (data, EGTN, optimiser, seed) is the same, and the network builds.
func TestSIVelocityConfigIsTheInterpolantWithALearnedDrift(t *testing.T) {
	load := func(name string) train.Config {
		c, err := train.LoadConfig(filepath.Join("..", "..", "configs", name))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	v, si := load("geotdm-charged-si-velocity-small.toml"), load("geotdm-charged-si-small.toml")
	o := v.Objective
	if o.Process != "interpolant" || o.InterpolantBase != 1 || o.InterpolantLatent == nil || *o.InterpolantLatent != 1 ||
		o.Prediction != "velocity" || o.Time != "uniform" || v.Train.Steps != 3000 || v.Network.EGTN == nil || !v.Network.EGTN.PriorOutput {
		t.Fatalf("%+v %+v", o, v.Network.EGTN)
	}
	// The rest is the interpolant configuration's.
	e, es := *v.Network.EGTN, *si.Network.EGTN
	e.PriorOutput = false
	tr, trs := v.Train, si.Train
	tr.Steps = trs.Steps
	if v.Data.Path != si.Data.Path || v.Data.Kind != si.Data.Kind || v.Data.EdgeAttr != si.Data.EdgeAttr || v.Network.Arch != si.Network.Arch ||
		e.Hidden != es.Hidden || e.Layers != es.Layers || e.Prior != es.Prior || e.PriorLayers != es.PriorLayers || e.TimeScale != es.TimeScale ||
		e.Dim() != es.Dim() || e.CondDim() != es.CondDim() || tr.LR != trs.LR || tr.Batch != trs.Batch || tr.Seed != trs.Seed ||
		tr.ClipNorm != trs.ClipNorm || tr.EMADecay != trs.EMADecay || o.Weighting != si.Objective.Weighting {
		t.Errorf("differs from geotdm-charged-si-small.toml beyond the objective: %+v %+v\n%+v %+v", v.Network.EGTN, si.Network.EGTN, v.Train, si.Train)
	}
	if _, err := v.GeometricLayout(); err != nil {
		t.Error(err)
	}
	if _, err := v.Network.New(tensor.Float32, 0); err != nil {
		t.Errorf("the network does not build: %v", err)
	}
}

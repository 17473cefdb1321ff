package fromnn

import (
	"math"
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/gpu"
	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/train"
)

// valueModel trains windowModel's windows as a value run (objective kind value) of a regressor MLP.
func valueModel(t testing.TB, act string) *train.Model {
	return windowModel(t, func(c *train.Config) {
		c.Data.ReturnsScale, c.Data.Discount = 10, 0.99
		c.Network = nn.Spec{Arch: "regressor", Regressor: &nn.RegressorConfig{In: 24 + train.ValueTimeFeatures, Out: 1, Hidden: []int{16, 16}, Activation: act}}
		c.Objective = train.ObjectiveConfig{Kind: train.ObjectiveValue, Process: "vp-cosine"}
		c.Sample = train.SampleConfig{}
	})
}

// A value guide the device cannot run is refused before any device work, with the reason: a model that is
// not a value model, a mask that is not the window's, a non-finite scale, negative steps or stop time, and a
// value model of other windows than the sampled model's.
func TestValueGuideRefusesWhatTheDeviceCannotRun(t *testing.T) {
	v := valueModel(t, "mish")
	planner := windowModel(t, nil)
	fixed := make([]bool, 24)
	good := ValueGuide{Model: v, Scale: 1, Steps: 2, Fixed: fixed}
	c, err := good.config(planner, 3)
	if err != nil {
		t.Fatal(err)
	}
	if net, ok := c.Net.(gpu.ValueMLP); !ok || c.Windows != 3 || c.Steps != 2 || len(c.Free) != 24 || !c.Free[0] || net.Window != 24 || net.Features != train.ValueTimeFeatures {
		t.Errorf("config %+v", c)
	}
	other := windowModel(t, func(c *train.Config) { c.Data.Horizon = 6; c.Network.MLP.Dim = 18 })
	for name, bad := range map[string]struct {
		g    ValueGuide
		m    *train.Model
		want string
	}{
		"denoiser":    {ValueGuide{Model: planner, Scale: 1, Fixed: fixed}, planner, "value model"},
		"mask":        {ValueGuide{Model: v, Scale: 1, Fixed: fixed[:5]}, planner, "mask"},
		"scale":       {ValueGuide{Model: v, Scale: math.NaN(), Fixed: fixed}, planner, "scale"},
		"steps":       {ValueGuide{Model: v, Scale: 1, Steps: -1, Fixed: fixed}, planner, "steps"},
		"stop":        {ValueGuide{Model: v, Scale: 1, StopGradBelow: -1, Fixed: fixed}, planner, "stop"},
		"other model": {ValueGuide{Model: v, Scale: 1, Fixed: fixed}, other, "windows"},
	} {
		if _, err := bad.g.config(bad.m, 1); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%s: %v, want an error mentioning %q", name, err, bad.want)
		}
	}
}

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

// unetValueModel trains windowModel's windows (horizon 8, transition 3) as a value run of Diffuser's
// temporal_value U-Net.
func unetValueModel(t testing.TB) *train.Model {
	return windowModel(t, func(c *train.Config) {
		c.Data.ReturnsScale, c.Data.Discount = 10, 0.99
		c.Network = nn.Spec{Arch: "temporal_value", TemporalValue: &nn.TemporalValueConfig{Horizon: 8, Transition: 3, Dim: 8, DimMults: []int{1, 2}, Kernel: 3, Groups: 2}}
		c.Objective = train.ObjectiveConfig{Kind: train.ObjectiveValue, Process: "vp-cosine"}
		c.Sample = train.SampleConfig{}
	})
}

// TestValueUnetReadsTheTemporalValueModel: ValueUnet reads a trained temporal_value run into exactly the
// tensors gpu.ValueUnet evaluates (every parameter, none left over), ValueNet and the guide's configuration
// pick it for that run and ValueMLP refuses it; a missing tensor is refused by name.
func TestValueUnetReadsTheTemporalValueModel(t *testing.T) {
	m := unetValueModel(t)
	u, err := ValueUnet(m)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(m.Checkpoint.Regressor.Params().Tensors()); len(u.Tensors) != n || u.Horizon != 8 || u.Transition != 3 {
		t.Errorf("read %d of %d tensors, windows %dx%d", len(u.Tensors), n, u.Horizon, u.Transition)
	}
	if net, err := ValueNet(m); err != nil {
		t.Fatal(err)
	} else if _, ok := net.(*gpu.ValueUnet); !ok {
		t.Errorf("ValueNet of a temporal_value run is a %T", net)
	}
	if c, err := (&ValueGuide{Model: m, Scale: 1, Fixed: make([]bool, 24)}).config(windowModel(t, nil), 2); err != nil {
		t.Fatal(err)
	} else if _, ok := c.Net.(*gpu.ValueUnet); !ok {
		t.Errorf("the guide of a temporal_value run configures a %T", c.Net)
	}
	if _, err := ValueMLP(m); err == nil || !strings.Contains(err.Error(), "temporal_value") {
		t.Errorf("ValueMLP of a temporal_value run: %v", err)
	}
	delete(u.Tensors, "mid_down2.conv.weight")
	if err := u.Validate(); err == nil || !strings.Contains(err.Error(), "mid_down2.conv.weight") {
		t.Errorf("a ValueUnet without mid_down2.conv.weight: %v", err)
	}
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

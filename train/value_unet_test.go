package train

import (
	"fmt"
	"math"
	"path/filepath"
	"testing"

	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/nn"
)

// unetValueConfig is valueConfig with Diffuser's U-Net value model (arch temporal_value) of the data's
// windows: 3 steps of 3 values, lengths 3 -> 2 -> 1 -> 1 -> 1.
func unetValueConfig(dir, data string) Config {
	cfg := valueConfig(dir, data)
	cfg.Network = nn.Spec{Arch: "temporal_value", TemporalValue: &nn.TemporalValueConfig{Horizon: 3, Transition: 3, Dim: 4, DimMults: []int{1, 2}, Kernel: 3, Groups: 2}}
	return cfg
}

// A U-Net value example is the noisy window followed by the process time itself (the network embeds it
// as the denoisers do) and the scaled return: the time lies in [TMin, TMax] and (x_t - alpha(t) x0)/sigma(t)
// recovers standard normal noise.
func TestUnetValueExamplesCarryTheProcessTime(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "returns.arrow")
	writeReturnEpisodes(t, data, 10, [][]float64{{1, 0, 2, 0, 3}, {0, 1, 0, 1}})
	cfg := unetValueConfig(dir, data)
	tr, ds, err := cfg.Trainer()
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	vs := tr.Source.(*valueSource)
	W, D, B := 9, tr.Source.Dim(), cfg.Train.Batch
	if D != W+2 || len(tr.Inputs) != W+1 || tr.Targets[0] != W+1 {
		t.Fatalf("example of %d values, inputs %d, target %v; want 11, 10, [10]", D, len(tr.Inputs), tr.Targets)
	}
	p := vs.process
	var sum, sq, tsum float64
	n := 0
	for step := 0; step < 200; step++ {
		x := make([]float64, B*D)
		if err := tr.Source.Batch(step, x, nil); err != nil {
			t.Fatal(err)
		}
		clean := make([]float64, B*vs.inner.Dim())
		if err := vs.inner.Batch(step, clean, nil); err != nil {
			t.Fatal(err)
		}
		for b := 0; b < B; b++ {
			row, x0 := x[b*D:(b+1)*D], clean[b*vs.inner.Dim():]
			tt := row[W]
			if tt < p.TMin() || tt > p.TMax() {
				t.Fatalf("time %v outside [%v, %v]", tt, p.TMin(), p.TMax())
			}
			tsum += (tt - p.TMin()) / (p.TMax() - p.TMin())
			a, s := p.Alpha(tt), p.Sigma(tt)
			for i := 0; i < W; i++ {
				e := (row[i] - a*x0[i]) / s
				sum, sq, n = sum+e, sq+e*e, n+1
			}
			if row[D-1] != x0[W] {
				t.Fatalf("target %v, the return source says %v", row[D-1], x0[W])
			}
		}
	}
	mean, variance := sum/float64(n), sq/float64(n)-(sum/float64(n))*(sum/float64(n))
	if math.Abs(mean) > 4/math.Sqrt(float64(n)) || math.Abs(variance-1) > 0.05 {
		t.Fatalf("recovered noise has mean %v and variance %v over %d values, want 0 and 1", mean, variance, n)
	}
	if u := tsum / float64(200*B); math.Abs(u-0.5) > 0.05 {
		t.Fatalf("times average %v of the way through [TMin, TMax], want 1/2 (uniform)", u)
	}
}

// A U-Net value run trains, reloads as a value model, and its ValueGradient is the derivative of its
// values (central differences at every entry of two windows, float64 weights); the time reaches J.
func TestUnetValueTrainsReloadsAndDifferentiates(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "returns.arrow")
	writeReturnEpisodes(t, data, 10, [][]float64{{1, 0, 2, 0, 3}, {0, 1, 0, 1}})
	cfg := unetValueConfig(dir, data)
	m := trainValueFloat64(t, cfg)
	if !m.IsValue() || m.Checkpoint.Regressor.Spec().Arch != "temporal_value" || m.Checkpoint.State.Step != cfg.Train.Steps {
		t.Fatalf("loaded model: value %v, arch %s, step %d", m.IsValue(), m.Checkpoint.Regressor.Spec().Arch, m.Checkpoint.State.Step)
	}
	x := []float64{0.1, -0.4, 0.7, 0.3, 0.9, -0.8, -0.2, 0.5, 0.05, 1.1, -0.3, 0.2, 0.6, -0.9, 0.4, 0.0, 0.8, -0.6}
	const tt = 0.37
	vals, grad := make([]float64, 2), make([]float64, len(x))
	if err := m.ValueGradient(vals, grad, x, tt); err != nil {
		t.Fatal(err)
	}
	late := make([]float64, 2)
	if err := m.ValueGradient(late, make([]float64, len(x)), x, 0.9); err != nil || late[0] == vals[0] {
		t.Fatalf("J at t = 0.9: %v (%v), at t = %v: %v; the time must reach the network", late, err, tt, vals)
	}
	checkValueGradient(t, m, x, tt, grad)
}

// U-Net value runs that cannot work are refused before training, with the reason; a temporal_value is no
// network of objective kind regression.
func TestUnetValueConfigurationsThatCannotWorkAreRefused(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "returns.arrow")
	writeReturnEpisodes(t, data, 10, [][]float64{{1, 0, 2, 0, 3}, {0, 1, 0, 1}})
	cases := []configEdit{
		{"horizon", func(c *Config) { c.Network.TemporalValue.Horizon = 4 }, "data.horizon"},
		{"transition", func(c *Config) { c.Network.TemporalValue.Transition = 2 }, "transition 3"},
		{"outputs", func(c *Config) { c.Network.TemporalValue.Out = 2 }, "out 1"},
		{"configuration", func(c *Config) { c.Network.TemporalValue = nil }, "[network.temporal_value]"},
		{"groups", func(c *Config) { c.Network.TemporalValue.Groups = 3 }, "groups"},
		{"regression", func(c *Config) {
			c.Objective = ObjectiveConfig{Kind: ObjectiveRegression}
			c.Data.Inputs, c.Data.Targets, c.Data.ReturnsScale, c.Data.Discount = []string{"0:0"}, []string{"0:1"}, 0, 0
		}, "objective kind \"value\""},
	}
	checkRefused(t, func() Config { return unetValueConfig(dir, data) }, cases)
}

// configs/diffuser-umaze-value-unet-small.toml is the MLP value configuration with Diffuser's U-Net value
// model: the same data section (windows, columns, normaliser, discount, returns scale), objective and
// seed, and a temporal_value of maze2d's windows (128 steps of actions 2 + observations 4) that builds.
func TestUnetValueConfigDiffersFromTheMLPValueConfigOnlyInItsNetwork(t *testing.T) {
	unet, err := LoadConfig(filepath.Join("..", "configs", "diffuser-umaze-value-unet-small.toml"))
	if err != nil {
		t.Fatal(err)
	}
	mlp, err := LoadConfig(filepath.Join("..", "configs", "diffuser-umaze-value-small.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(unet.Data) != fmt.Sprint(mlp.Data) || unet.Objective != mlp.Objective || unet.Train.Seed != mlp.Train.Seed {
		t.Errorf("data %+v, objective %+v, seed %d; the MLP value config has %+v, %+v, %d",
			unet.Data, unet.Objective, unet.Train.Seed, mlp.Data, mlp.Objective, mlp.Train.Seed)
	}
	if err := checkValueNetwork(unet.Network, unet.Data.Horizon, 6); err != nil {
		t.Fatal(err)
	}
	net, err := unet.Network.NewRegressor(tensor.Float32, unet.Train.Seed)
	if err != nil {
		t.Fatal(err)
	}
	if net.In() != 128*6+1 || net.Out() != 1 {
		t.Errorf("network %d -> %d, want 769 -> 1", net.In(), net.Out())
	}
}

package train

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// forwardDynamicsConfig is a forward model of the synthetic system (dynamicsStep): windows of 2 steps of
// [action, x, v], inputs (a, x, v) at step 0, targets (x, v) at step 1, fitted as increments over step 0's
// (x, v) when relative.
func forwardDynamicsConfig(t testing.TB, dir string, relative bool) Config {
	cfg := regressionConfig(t, dir)
	cfg.Data.Inputs, cfg.Data.Targets = []string{"0:0", "0:1", "0:2"}, []string{"1:1", "1:2"}
	if relative {
		cfg.Data.RelativeTo = []string{"0:1", "0:2"}
	}
	cfg.Network.Regressor.In, cfg.Network.Regressor.Out = 3, 2
	return cfg
}

// A target fitted relative to an input is predicted as the base plus the standardised output: the
// checkpoint's Mean and Scale are the mean and standard deviation of the normalised increments over the
// source's first batches (recomputed here from the batches), and Predict equals the base plus Mean plus
// Scale times the raw network output, unnormalised, to rounding.
func TestIncrementTargetsArePredictedAsBasePlusScaledOutput(t *testing.T) {
	dir := t.TempDir()
	cfg := forwardDynamicsConfig(t, dir, true)
	cfg.Train.Steps = 50
	tr, ds, err := cfg.Trainer()
	if err != nil {
		t.Fatal(err)
	}
	B, D := cfg.Train.Batch, tr.Source.Dim()
	var sum, sq [2]float64
	x0 := make([]float64, B*D)
	for step := 0; step < incrementBatches; step++ {
		if err := tr.Source.Batch(step, x0, nil); err != nil {
			t.Fatal(err)
		}
		for b := 0; b < B; b++ {
			for j, k := range tr.Targets {
				d := x0[b*D+k] - x0[b*D+tr.Bases[j]]
				sum[j] += d
				sq[j] += d * d
			}
		}
	}
	ds.Close()
	if _, err := runConfig(t, cfg, context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	m, err := Load(cfg.Out, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	inc := m.Checkpoint.State.Increments
	if len(inc) != 2 {
		t.Fatalf("checkpoint increments %+v, want two", inc)
	}
	n := float64(incrementBatches * B)
	for j := range inc {
		mean := sum[j] / n
		sd := math.Sqrt(sq[j]/n - mean*mean)
		if inc[j].Base != tr.Bases[j] || math.Abs(inc[j].Mean-mean) > 1e-12 || math.Abs(inc[j].Scale-sd) > 1e-12 {
			t.Errorf("target %d: increment %+v, want base %d mean %v scale %v", j, inc[j], tr.Bases[j], mean, sd)
		}
	}

	rng := rand.New(rand.NewPCG(5, 6))
	var in [][]float64
	for range 7 {
		in = append(in, []float64{2*rng.Float64() - 1, 3 * rng.NormFloat64(), rng.NormFloat64()})
	}
	got, err := m.Predict(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range in {
		x := []float64{m.normalizeValue(0, v[0]), m.normalizeValue(1, v[1]), m.normalizeValue(2, v[2])}
		raw := make([]float64, 2)
		if err := m.Checkpoint.RegressorPredictor.Predict(raw, x); err != nil {
			t.Fatal(err)
		}
		y := []float64{x[1] + inc[0].Mean + inc[0].Scale*raw[0], x[2] + inc[1].Mean + inc[1].Scale*raw[1]}
		want := m.unnormalizeTargets(y)
		for j := range want {
			if math.Abs(got[i][j]-want[j]) > 1e-9*(1+math.Abs(want[j])) {
				t.Errorf("input %d target %d: Predict %v, base + mean + scale*output %v", i, j, got[i][j], want[j])
			}
		}
	}
}

// On the synthetic system, whose next state is the current one plus a small change, a forward model fitted
// on increments predicts the next state far better than the same network, budget and seed fitted on the
// next state itself: the absolute fit must reproduce x to well below a step, the increment fit only the change.
func TestIncrementTargetsFitADynamicsModelBetter(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	var in [][]float64
	var next [][2]float64
	step := 0.0
	for range 200 {
		x, v, a := 3*rng.NormFloat64(), rng.NormFloat64(), 2*rng.Float64()-1
		x1, v1 := dynamicsStep(x, v, a)
		in = append(in, []float64{a, x, v})
		next = append(next, [2]float64{x1, v1})
		step += math.Abs(x1-x) / 200
	}
	rmse := map[bool]float64{}
	for _, relative := range []bool{false, true} {
		dir := t.TempDir()
		cfg := forwardDynamicsConfig(t, dir, relative)
		if _, err := runConfig(t, cfg, context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		m, err := Load(cfg.Out, LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		pred, err := m.Predict(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		var se float64
		for i, p := range pred {
			se += (p[0] - next[i][0]) * (p[0] - next[i][0])
		}
		rmse[relative] = math.Sqrt(se / float64(len(pred)))
	}
	t.Logf("next-x RMSE: absolute targets %.4g, increments %.4g (mean |x' - x| %.3g)", rmse[false], rmse[true], step)
	if !(rmse[true] < 0.5*rmse[false]) {
		t.Errorf("next-x RMSE with increments %v, without %v: want less than half", rmse[true], rmse[false])
	}
}

// data.relative_to that cannot be honoured fails with a clear error before training.
func TestIncrementTargetsConfigErrors(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, want string
		rel        []string
	}{
		{"one per target", "one per target", []string{"0:1"}},
		{"not an input", "not in data.inputs", []string{"1:2", "0:2"}},
		{"another component", "another component", []string{"0:2", "0:1"}},
		{"nothing named", "names no base", []string{"", ""}},
		{"syntax", "STEP:COMPONENT", []string{"x", ""}},
	}
	for _, tc := range cases {
		cfg := forwardDynamicsConfig(t, dir, true)
		cfg.Data.RelativeTo = tc.rel
		_, ds, err := cfg.Trainer()
		if ds != nil {
			ds.Close()
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one mentioning %q", tc.name, err, tc.want)
		}
	}
	// Through the Go API: a base outside the inputs is refused.
	cfg := forwardDynamicsConfig(t, dir, true)
	tr, ds, err := cfg.Trainer()
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	tr.Bases[0] = tr.Targets[1]
	if _, err := tr.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "not one of the inputs") {
		t.Errorf("a Trainer with a base outside its inputs: %v, want an error", err)
	}
}

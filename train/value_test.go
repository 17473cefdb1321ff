package train

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/nn"
)

// valueConfig is a value run on writeReturnEpisodes data: windows of 3 steps of observations (2) and
// actions (1), discount 1/2, returns scale 2.
func valueConfig(dir, data string) Config {
	cfg := Config{
		Out: filepath.Join(dir, "value"),
		Data: DataConfig{Path: data, Horizon: 3, Columns: []string{"observations", "actions"}, Normalizer: "limits", NoPadding: true,
			ReturnsScale: 2, Discount: 0.5},
		Network:   nn.Spec{Arch: "regressor", Regressor: &nn.RegressorConfig{In: 9 + ValueTimeFeatures, Out: 1, Hidden: []int{16}, Activation: "mish"}},
		Objective: ObjectiveConfig{Kind: ObjectiveValue, Process: "vp-cosine"},
		Train:     DefaultOptions(),
	}
	cfg.Train.Batch, cfg.Train.Steps, cfg.Train.CheckpointEvery, cfg.Train.Warmup = 8, 20, 0, 0
	return cfg
}

// A value example is the window noised by the process at the time its features encode, and the window's
// scaled discounted return from its first step: over many examples (x_t - alpha(t) x0)/sigma(t) has mean
// 0 and variance 1, and the target is R(t0)/2 as computed by hand.
func TestValueExamplesAreNoisedWindowsAndTheirReturn(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "returns.arrow")
	writeReturnEpisodes(t, data, 10, [][]float64{{1, 0, 2, 0, 3}, {0, 1, 0, 1}})
	want := map[int]float64{0: 1.6875, 1: 1.375, 2: 2.75, 10: 0.625, 11: 1.25} // R(t0) by hand, keyed by stride*e + t0
	cfg := valueConfig(dir, data)
	tr, ds, err := cfg.Trainer()
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	vs := tr.Source.(*valueSource)
	W, D, B := 9, tr.Source.Dim(), cfg.Train.Batch
	if D != W+ValueTimeFeatures+1 || len(tr.Inputs) != W+ValueTimeFeatures || tr.Targets[0] != W+ValueTimeFeatures {
		t.Fatalf("example of %d values, inputs %d, target %v", D, len(tr.Inputs), tr.Targets)
	}
	p := vs.process
	var sum, sq float64
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
			u := math.Atan2(row[W+1], row[W]) / math.Pi
			tt := p.TMin() + u*(p.TMax()-p.TMin())
			a, s := p.Alpha(tt), p.Sigma(tt)
			for i := 0; i < W; i++ {
				e := (row[i] - a*x0[i]) / s
				sum, sq, n = sum+e, sq+e*e, n+1
			}
			id := int(math.Round((x0[0] + 1) / 2 * 13)) // observation 0 under the limits normaliser over [0, 13]
			if r, ok := want[id]; !ok || math.Abs(row[D-1]-r/2) > 1e-12 {
				t.Fatalf("step %d example %d (window %d): target %v, want R(t0)/2 = %v", step, b, id, row[D-1], r/2)
			}
		}
	}
	mean, variance := sum/float64(n), sq/float64(n)-(sum/float64(n))*(sum/float64(n))
	if math.Abs(mean) > 4/math.Sqrt(float64(n)) || math.Abs(variance-1) > 0.05 {
		t.Fatalf("recovered noise has mean %v and variance %v over %d values, want 0 and 1", mean, variance, n)
	}
}

// A trained value model's ValueGradient is the derivative of its values: central differences of J at
// every entry of two windows agree with the gradient (float64 weights), and J is the same through a
// batch of one.
func TestValueGradientIsTheDerivativeOfTheValue(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "returns.arrow")
	writeReturnEpisodes(t, data, 10, [][]float64{{1, 0, 2, 0, 3}, {0, 1, 0, 1}})
	cfg := valueConfig(dir, data)
	m := trainValueFloat64(t, cfg)
	if !m.IsValue() || m.ValueProcess() == nil || m.ValueProcess().Name() != "vp-cosine" {
		t.Fatalf("loaded model: value %v, process %v", m.IsValue(), m.ValueProcess())
	}
	x := []float64{0.1, -0.4, 0.7, 0.3, 0.9, -0.8, -0.2, 0.5, 0.05, 1.1, -0.3, 0.2, 0.6, -0.9, 0.4, 0.0, 0.8, -0.6}
	const tt = 0.37
	vals, grad := make([]float64, 2), make([]float64, len(x))
	if err := m.ValueGradient(vals, grad, x, tt); err != nil {
		t.Fatal(err)
	}
	one := make([]float64, 1)
	if err := m.ValueGradient(one, make([]float64, 9), x[9:], tt); err != nil || math.Abs(one[0]-vals[1]) > 1e-12 {
		t.Fatalf("window 1 alone: %v (%v), in the batch %v", one[0], err, vals[1])
	}
	checkValueGradient(t, m, x, tt, grad)
	if _, err := m.Sample(context.Background(), SampleRequest{N: 1}); err == nil || !strings.Contains(err.Error(), "value model") {
		t.Fatalf("Sample on a value model: %v", err)
	}
	if _, err := m.Predict(context.Background(), [][]float64{x[:9]}); err == nil || !strings.Contains(err.Error(), "value model") {
		t.Fatalf("Predict on a value model: %v", err)
	}
	if err := m.ValueGradient(vals, grad, x, math.NaN()); err == nil {
		t.Fatal("a NaN time was accepted")
	}
	if err := m.ValueGradient(vals, grad[:5], x, tt); err == nil {
		t.Fatal("a short gradient buffer was accepted")
	}
}

// Value runs that cannot work are refused before training, with the reason.
func TestValueConfigurationsThatCannotWorkAreRefused(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "returns.arrow")
	writeReturnEpisodes(t, data, 10, [][]float64{{1, 0, 2, 0, 3}, {0, 1, 0, 1}})
	cases := []configEdit{
		{"network size", func(c *Config) { c.Network.Regressor.In = 9 }, "time features"},
		{"inputs", func(c *Config) { c.Data.Inputs = []string{"0:0"} }, "do not apply"},
		{"inpaint", func(c *Config) { c.Data.Inpaint = []string{"0:0"} }, "do not apply"},
		{"time", func(c *Config) { c.Objective.Time = "lognormal" }, "uniformly"},
		{"prediction", func(c *Config) { c.Objective.Prediction = "x0" }, "process"},
		{"scale", func(c *Config) { c.Data.ReturnsScale = 0 }, "returns_scale"},
	}
	checkRefused(t, func() Config { return valueConfig(dir, data) }, cases)
}

// trainValueFloat64 trains the value run cfg with float64 weights and loads it.
func trainValueFloat64(t *testing.T, cfg Config) *Model {
	t.Helper()
	tr, ds, err := cfg.Trainer()
	if err != nil {
		t.Fatal(err)
	}
	tr.DType = tensor.Float64
	if _, err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	ds.Close()
	m, err := Load(cfg.Out, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// checkValueGradient compares grad, m's ValueGradient at the two 9-value windows x and time tt, with
// central differences of J at every entry.
func checkValueGradient(t *testing.T, m *Model, x []float64, tt float64, grad []float64) {
	t.Helper()
	const h = 1e-6
	up, dn := make([]float64, 2), make([]float64, 2)
	for i := range x {
		old := x[i]
		x[i] = old + h
		if err := m.ValueGradient(up, make([]float64, len(x)), x, tt); err != nil {
			t.Fatal(err)
		}
		x[i] = old - h
		if err := m.ValueGradient(dn, make([]float64, len(x)), x, tt); err != nil {
			t.Fatal(err)
		}
		x[i] = old
		num := (up[i/9] - dn[i/9]) / (2 * h)
		if math.Abs(num-grad[i]) > 1e-6*(1+math.Abs(num)) {
			t.Fatalf("entry %d: gradient %v, central difference %v", i, grad[i], num)
		}
	}
}

// configEdit is a change to a working configuration and what the error refusing it must mention.
type configEdit struct {
	name string
	edit func(c *Config)
	want string
}

// checkRefused applies every edit to a fresh base configuration and requires Trainer to refuse it with an
// error that mentions the edit's want.
func checkRefused(t *testing.T, base func() Config, edits []configEdit) {
	t.Helper()
	for _, c := range edits {
		cfg := base()
		c.edit(&cfg)
		_, ds, err := cfg.Trainer()
		if err == nil {
			ds.Close()
			t.Errorf("%s: accepted", c.name)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %q, want it to mention %q", c.name, err, c.want)
		}
	}
}

// SampleRequest.CorrectX0 runs after ClipX0 on every x0-prediction, for the N windows at once in training
// units, and the solver uses what it leaves: with DDIM, whose last step returns its x0-prediction, a
// correction that sets every prediction to 0.25 gives windows of 0.25 (normaliser "none") except the
// clamped entries.
func TestSampleCorrectX0SeesClippedPredictionsAndSteersTheSolver(t *testing.T) {
	cfg := windowRun(t, t.TempDir(), func(c *Config) { c.Data.Normalizer = "none" })
	m, err := Load(cfg.Out, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	calls, outside := 0, 0
	req := SampleRequest{N: 3, Seed: 3, Fixed: fixedEnds(3), ClipX0: true, Solver: "ddim", Steps: 4,
		CorrectX0: func(x0, x []float64, tt float64) error {
			calls++
			if len(x0) != 3*8*3 || len(x) != len(x0) {
				return fmt.Errorf("x0 of %d and x of %d values", len(x0), len(x))
			}
			for i, v := range x0 {
				if v < -1 || v > 1 {
					outside++
				}
				x0[i] = 0.25
			}
			return nil
		}}
	s, err := m.Sample(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if calls != 4 || outside != 0 {
		t.Fatalf("%d corrections for 4 steps, %d predictions outside [-1, 1] after clipping", calls, outside)
	}
	for i := 0; i < s.N; i++ {
		for st, row := range s.Window(i) {
			for c, v := range row {
				if c == 1 && (st == 0 || st == s.Horizon-1) {
					continue // clamped
				}
				if math.Abs(v-0.25) > 1e-6 {
					t.Fatalf("window %d step %d component %d: %v, want the corrected 0.25", i, st, c, v)
				}
			}
		}
	}
}

package train

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/nn"
)

// dynamicsStep is the synthetic system of the regression tests: observation (x, v), action a in [-1, 1],
// v' = 0.9 v + 0.5 a, x' = x + v'; its inverse dynamics is a = (v' - 0.9 v) / 0.5.
func dynamicsStep(x, v, a float64) (float64, float64) {
	v = 0.9*v + 0.5*a
	return x + v, v
}

// writeDynamics writes episodes of the synthetic system with random actions.
func writeDynamics(t testing.TB, path string, episodes int, seed uint64) {
	t.Helper()
	w, err := datasets.CreateEpisodes(path, datasets.EpisodeSpec{ObservationDim: 2, ActionDim: 1}, datasets.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	for e := 0; e < episodes; e++ {
		var ep datasets.Episode
		x, v := rng.NormFloat64(), 0.0
		for s := 0; s < 40; s++ {
			a := 2*rng.Float64() - 1
			ep.Observations = append(ep.Observations, x, v)
			ep.Actions = append(ep.Actions, a)
			ep.Rewards = append(ep.Rewards, 0)
			x, v = dynamicsStep(x, v, a)
		}
		if err := w.Write(ep); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// regressionConfig is an inverse-dynamics run on the synthetic system: windows of 2 steps of
// [action, x, v], inputs (x, v) at steps 0 and 1, target the action at step 0.
func regressionConfig(t testing.TB, dir string) Config {
	t.Helper()
	data := filepath.Join(dir, "dynamics.arrow")
	if _, err := os.Stat(data); err != nil {
		writeDynamics(t, data, 20, 3)
	}
	cfg := Config{
		Out: filepath.Join(dir, "run"),
		Data: DataConfig{Path: data, Horizon: 2, Columns: []string{"actions", "observations"}, NoPadding: true,
			Inputs: []string{"0:1", "0:2", "1:1", "1:2"}, Targets: []string{"0:0"}},
		Network:   nn.Spec{Arch: "regressor", Regressor: &nn.RegressorConfig{In: 4, Out: 1, Hidden: []int{32, 32}}},
		Objective: ObjectiveConfig{Kind: ObjectiveRegression},
		Train:     DefaultOptions(),
	}
	o := &cfg.Train
	o.Steps, o.Batch, o.LR, o.MinLR, o.Warmup, o.EMADecay, o.Seed, o.CheckpointEvery, o.LogEvery = 400, 32, 3e-3, 3e-4, 20, 0.9, 9, 100, 10
	return cfg
}

func runConfig(t testing.TB, cfg Config, ctx context.Context, progress func(Status)) (*Result, error) {
	t.Helper()
	tr, ds, err := cfg.Trainer()
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	tr.Resume, tr.Progress = true, progress
	return tr.Run(ctx)
}

// Inverse dynamics of the synthetic system is learnt through Config.Trainer: the loss falls, metrics.jsonl
// has its lines, and the loaded model predicts held-out actions in the data's units far better than their
// mean does.
func TestRegressionLearnsInverseDynamics(t *testing.T) {
	dir := t.TempDir()
	cfg := regressionConfig(t, dir)
	var first, last float64
	res, err := runConfig(t, cfg, context.Background(), func(s Status) {
		if s.Step == 1 {
			first = s.Loss
		}
		last = s.Loss
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Regressor == nil || res.EMARegressor == nil || res.Net != nil {
		t.Fatalf("result %+v: want the regressor and its EMA", res)
	}
	if !(last < 0.05*first) {
		t.Errorf("loss %v -> %v, want a large decrease", first, last)
	}
	b, err := os.ReadFile(filepath.Join(cfg.Out, metricsFile))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), "\n"); n != 40 {
		t.Errorf("metrics.jsonl has %d lines, want 40 (every 10 of 400 steps)", n)
	}
	m, err := Load(cfg.Out, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !m.IsRegression() || !m.Checkpoint.EMA {
		t.Errorf("regression %v, EMA %v: want a regression model with the EMA weights", m.IsRegression(), m.Checkpoint.EMA)
	}
	if got, want := m.Inputs(), []WindowEntry{{0, 1}, {0, 2}, {1, 1}, {1, 2}}; !slices.Equal(got, want) {
		t.Errorf("inputs %v, want %v", got, want)
	}
	if got, want := m.Targets(), []WindowEntry{{0, 0}}; !slices.Equal(got, want) {
		t.Errorf("targets %v, want %v", got, want)
	}
	if got, want := m.InputNames(), []string{"0:observations[0]", "0:observations[1]", "1:observations[0]", "1:observations[1]"}; !slices.Equal(got, want) {
		t.Errorf("input names %v, want %v", got, want)
	}
	if got := m.TargetNames(); !slices.Equal(got, []string{"0:actions[0]"}) {
		t.Errorf("target names %v", got)
	}
	// Held-out transitions of the same system (the training data's range: the limits normaliser).
	rng := rand.New(rand.NewPCG(77, 1))
	var in [][]float64
	var want []float64
	for len(in) < 500 {
		x, v, a := 2*rng.Float64()-1, 0.6*(2*rng.Float64()-1), 2*rng.Float64()-1
		x1, v1 := dynamicsStep(x, v, a)
		in, want = append(in, []float64{x, v, x1, v1}), append(want, a)
	}
	out, err := m.Predict(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	var mse, mean, vr float64
	for _, a := range want {
		mean += a / float64(len(want))
	}
	for i, a := range want {
		mse += (out[i][0] - a) * (out[i][0] - a) / float64(len(want))
		vr += (a - mean) * (a - mean) / float64(len(want))
	}
	t.Logf("held-out action MSE %.4g (mean-action baseline %.4g)", mse, vr)
	if mse > 0.05*vr {
		t.Errorf("held-out action MSE %v, want well below the mean baseline %v", mse, vr)
	}
	// The raw weights differ from the EMA weights and are chosen by LoadOptions.
	raw, err := Load(cfg.Out, LoadOptions{Weights: RawWeights})
	if err != nil {
		t.Fatal(err)
	}
	if raw.Checkpoint.EMA {
		t.Error("RawWeights loaded the EMA weights")
	}
	if got, _ := raw.Predict(context.Background(), in[:1]); got[0][0] == out[0][0] {
		t.Error("raw and EMA weights predict the same value")
	}
}

// An interrupted regression run resumes bit for bit: a run cancelled at step 27 (checkpoint written at
// cancel), and a run "killed" after step 27 whose latest checkpoint is step 20 (the step-27 checkpoint
// removed, metrics lines beyond 20 left behind), both resume to the weights, EMA and metrics of an
// uninterrupted run.
func TestRegressionResumeIsBitIdentical(t *testing.T) {
	t.Run("inverse dynamics", func(t *testing.T) { checkRegressionResume(t, regressionConfig(t, t.TempDir())) })
	t.Run("forward dynamics, increments", func(t *testing.T) { checkRegressionResume(t, forwardDynamicsConfig(t, t.TempDir(), true)) })
}

// checkRegressionResume runs cfg uninterrupted, then cancelled at step 27 (and killed after the
// checkpoint of step 20) and resumed, and requires the same weights, EMA and metrics.
func checkRegressionResume(t *testing.T, cfg Config) {
	base := filepath.Dir(cfg.Out)
	o := &cfg.Train
	o.Steps, o.CheckpointEvery, o.LogEvery, o.KeepCheckpoints = 60, 10, 1, 5
	cfg.Out = filepath.Join(base, "want")
	want, err := runConfig(t, cfg, context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, kill := range []bool{false, true} {
		cfg.Out = filepath.Join(base, "cancel")
		if kill {
			cfg.Out = filepath.Join(base, "kill")
		}
		ctx, cancel := context.WithCancel(context.Background())
		_, err := runConfig(t, cfg, ctx, func(s Status) {
			if s.Step == 27 {
				cancel()
			}
		})
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("interrupted run: %v, want context.Canceled", err)
		}
		resumeAt := 27
		if kill {
			resumeAt = 20
			if err := os.RemoveAll(filepath.Join(cfg.Out, stepDir(27))); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(cfg.Out, latestFile), []byte(stepDir(20)+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got, err := runConfig(t, cfg, context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if got.Resumed != resumeAt {
			t.Errorf("kill %v: resumed at %d, want %d", kill, got.Resumed, resumeAt)
		}
		if !sameParams(regParams(got.Regressor), regParams(want.Regressor)) || !sameParams(regParams(got.EMARegressor), regParams(want.EMARegressor)) {
			t.Errorf("kill %v: the resumed run's weights or EMA differ from the uninterrupted run's", kill)
		}
		if g, w := metricLosses(t, cfg.Out), metricLosses(t, filepath.Join(base, "want")); !slices.Equal(g, w) {
			i := 0
			for i < min(len(g), len(w)) && g[i] == w[i] {
				i++
			}
			t.Errorf("kill %v: metrics.jsonl has %d lines, the uninterrupted run %d; first difference at line %d", kill, len(g), len(w), i+1)
		}
	}
}

func regParams(r nn.Regressor) [][]float32 {
	var out [][]float32
	for _, p := range r.Params().All() {
		out = append(out, slices.Clone(p.Float32s()))
	}
	return out
}

// metricLosses reads the (step, loss, lr, grad_norm) of every line of a run's metrics.jsonl.
func metricLosses(t *testing.T, dir string) []Metric {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, metricsFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []Metric
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m Metric
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		m.StepsPerSec, m.Time = 0, ""
		out = append(out, m)
	}
	return out
}

// Configurations that cannot be a regression fail with a clear error before training.
func TestRegressionConfigErrors(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, want string
		edit       func(*Config)
	}{
		{"denoising network", `arch "regressor"`, func(c *Config) {
			c.Network = nn.Spec{Arch: "mlp", MLP: &nn.MLPConfig{Dim: 6, Hidden: []int{8}, TimeDim: 4}}
		}},
		{"wrong in", "in = 4, out = 1", func(c *Config) { c.Network.Regressor.In = 3 }},
		{"wrong out", "in = 4, out = 1", func(c *Config) { c.Network.Regressor.Out = 2 }},
		{"entry outside", "outside a window", func(c *Config) { c.Data.Inputs[3] = "2:1" }},
		{"twice", "listed twice", func(c *Config) { c.Data.Targets = []string{"0:1"} }},
		{"bad entry", "STEP:COMPONENT", func(c *Config) { c.Data.Targets = []string{"x"} }},
		{"no targets", "data.inputs and data.targets", func(c *Config) { c.Data.Targets = nil; c.Network.Regressor.Out = 0 }},
		{"inputs without regression", "belong to objective kind regression", func(c *Config) { c.Objective = ObjectiveConfig{} }},
		{"diffusion keys", "no diffusion settings", func(c *Config) { c.Objective.Process = "vp-cosine" }},
		{"condition", "data.condition", func(c *Config) { c.Data.Condition = []string{"0:1"} }},
	}
	for _, tc := range cases {
		cfg := regressionConfig(t, dir)
		tc.edit(&cfg)
		_, ds, err := cfg.Trainer()
		if ds != nil {
			ds.Close()
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one mentioning %q", tc.name, err, tc.want)
		}
	}
	// Through the Go API: positions to regress with a denoising objective are refused, not ignored.
	tr := smallTrainer(t, "", 5)
	tr.Inputs, tr.Targets = []int{0}, []int{1}
	if _, err := tr.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "objective kind regression") {
		t.Errorf("a denoising Trainer with Inputs and Targets: %v, want an error", err)
	}
}

// Predict and Sample refuse the other kind of model, and Predict checks its inputs, with ErrBadRequest;
// LoadCheckpoint refuses a regressor.
func TestRegressionBadRequests(t *testing.T) {
	dir := t.TempDir()
	cfg := regressionConfig(t, dir)
	cfg.Train.Steps = 5
	if _, err := runConfig(t, cfg, context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	m, err := Load(cfg.Out, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := m.Sample(ctx, SampleRequest{N: 1}); !errors.Is(err, ErrBadRequest) {
		t.Errorf("Sample on a regressor: %v, want ErrBadRequest", err)
	}
	for _, in := range [][][]float64{nil, {{1, 2, 3}}, {{0, 0, 0, math.NaN()}}, {{0, 0, 0, 0}, {math.Inf(1), 0, 0, 0}}} {
		if _, err := m.Predict(ctx, in); !errors.Is(err, ErrBadRequest) {
			t.Errorf("Predict(%v): %v, want ErrBadRequest", in, err)
		}
	}
	if out, err := m.Predict(ctx, [][]float64{{0, 0, 0, 0}, {0.1, 0.2, 0.3, 0.4}}); err != nil || len(out) != 2 || len(out[0]) != 1 {
		t.Errorf("Predict: %v, %v", out, err)
	}
	if _, err := LoadCheckpoint(cfg.Out, LoadOptions{}); err == nil || !strings.Contains(err.Error(), "regressor") {
		t.Errorf("LoadCheckpoint of a regressor: %v, want an error", err)
	}
	den, err := Load(windowRun(t, t.TempDir(), nil).Out, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := den.Predict(ctx, [][]float64{{0}}); !errors.Is(err, ErrBadRequest) {
		t.Errorf("Predict on a denoiser: %v, want ErrBadRequest", err)
	}
	if den.IsRegression() || den.Inputs() != nil || den.Targets() != nil {
		t.Error("a denoising model reports regression inputs or targets")
	}
}

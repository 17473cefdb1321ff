package train

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/nn"
)

// writeReturnEpisodes writes episodes with known rewards; observation 0 is stride e + t (episode e, step t),
// which identifies a window's start, and observation 1 is 0.
func writeReturnEpisodes(t testing.TB, path string, stride int, rewards [][]float64) {
	t.Helper()
	w, err := datasets.CreateEpisodes(path, datasets.EpisodeSpec{ObservationDim: 2, ActionDim: 1}, datasets.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for e, rs := range rewards {
		var ep datasets.Episode
		for s, r := range rs {
			ep.Observations = append(ep.Observations, float64(stride*e+s), 0)
			ep.Actions = append(ep.Actions, 0.1*float64(s))
			ep.Rewards = append(ep.Rewards, r)
		}
		if err := w.Write(ep); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// "returns" and "returns@STEP" in a regression's inputs and targets are the discounted return-to-go at the
// window's steps divided by data.returns_scale, as computed by hand for two episodes (discount 1/2, scale
// 2), and 0 past the end of an episode in a padded window. The source's batches (every window, over six
// steps) are checked value by value.
func TestRegressionReturnsAreTheScaledDiscountedReturnToGo(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "returns.arrow")
	writeReturnEpisodes(t, data, 10, [][]float64{{1, 0, 2, 0, 3}, {0, 1, 0, 1}})
	// By hand, R(t) = r_t + R(t+1)/2:
	//   episode 0: R4 = 3, R3 = 1.5, R2 = 2.75, R1 = 1.375, R0 = 1.6875
	//   episode 1: R3 = 1, R2 = 0.5, R1 = 1.25, R0 = 0.625
	want := [][]float64{{1.6875, 1.375, 2.75, 1.5, 3}, {0.625, 1.25, 0.5, 1}}
	for _, padded := range []bool{false, true} {
		cfg := Config{
			Out: filepath.Join(dir, "run"),
			Data: DataConfig{Path: data, Horizon: 3, Columns: []string{"observations"}, NoPadding: !padded, MaxPathLength: 10,
				Inputs: []string{"0:0", "returns@-1"}, Targets: []string{"returns", "returns@1"}, ReturnsScale: 2, Discount: 0.5},
			Network:   nn.Spec{Arch: "regressor", Regressor: &nn.RegressorConfig{In: 2, Out: 2, Hidden: []int{4}}},
			Objective: ObjectiveConfig{Kind: ObjectiveRegression},
			Train:     DefaultOptions(),
		}
		cfg.Train.Batch, cfg.Train.Steps = 4, 10
		tr, ds, err := cfg.Trainer()
		if err != nil {
			t.Fatal(err)
		}
		// The example is the window (3 steps of 2 observations) followed by the 3 steps' returns-to-go.
		if !slices.Equal(tr.Inputs, []int{0, 8}) || !slices.Equal(tr.Targets, []int{6, 7}) || tr.Source.Dim() != 9 {
			t.Fatalf("inputs %v targets %v dim %d, want [0 8], [6 7], 9", tr.Inputs, tr.Targets, tr.Source.Dim())
		}
		B, D := cfg.Train.Batch, tr.Source.Dim()
		seen := map[[2]int]bool{}
		for step := 0; step < 6; step++ {
			x0 := make([]float64, B*D)
			if err := tr.Source.Batch(step, x0, nil); err != nil {
				t.Fatal(err)
			}
			for b := 0; b < B; b++ {
				row := x0[b*D : (b+1)*D]
				id := int(math.Round((row[0] + 1) / 2 * 13)) // limits normaliser over [0, 13]
				e, s := id/10, id%10
				seen[[2]int{e, s}] = true
				for k := 0; k < 3; k++ {
					r := 0.0
					if s+k < len(want[e]) {
						r = want[e][s+k]
					}
					if got := row[6+k]; math.Abs(got-r/2) > 1e-12 {
						t.Errorf("padded %v, episode %d start %d: returns@%d = %v, want %v / 2", padded, e, s, k, got, r)
					}
				}
			}
		}
		// Diffuser's starts range(max_start): max_start = min(L - H, ...) without padding (starts 0, 1 and 0),
		// min(L - 1, max_path_length - H) with it (0..3 and 0..2, start 3 of episode 0 reaching past its end).
		if n := len(seen); (!padded && n != 3) || (padded && (n != 7 || !seen[[2]int{0, 3}])) {
			t.Errorf("padded %v: saw %d distinct windows %v", padded, n, seen)
		}
		ds.Close()
	}
}

// A critic trained on returns-to-go through Config.Trainer: Load names the entries, Predict takes and gives
// returns in the data's units (scaled back by returns_scale), and fits a return that depends on the state.
func TestRegressionCriticPredictsReturnsInDataUnits(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "returns.arrow")
	// Reward 1 at every step of episodes of 30 steps: R(t) = (1 - 0.9^(30-t)) / 0.1, a function of
	// observation 0 = 100 e + t for each episode e.
	rewards := make([][]float64, 2)
	for e := range rewards {
		rewards[e] = slices.Repeat([]float64{1}, 30)
	}
	writeReturnEpisodes(t, data, 100, rewards)
	cfg := Config{
		Out: filepath.Join(dir, "run"),
		Data: DataConfig{Path: data, Horizon: 1, Columns: []string{"actions", "observations"},
			Inputs: []string{"0:1", "0:2"}, Targets: []string{"returns"}, ReturnsScale: 10, Discount: 0.9},
		Network:   nn.Spec{Arch: "regressor", Regressor: &nn.RegressorConfig{In: 2, Out: 1, Hidden: []int{32, 32}}},
		Objective: ObjectiveConfig{Kind: ObjectiveRegression},
		Train:     DefaultOptions(),
	}
	o := &cfg.Train
	o.Steps, o.Batch, o.LR, o.MinLR, o.Warmup, o.EMADecay, o.Seed, o.CheckpointEvery, o.LogEvery = 1500, 16, 3e-3, 3e-4, 20, 0, 4, 1500, 100
	if _, err := runConfig(t, cfg, context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	m, err := Load(cfg.Out, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Targets(); len(got) != 1 || !got[0].IsReturns() || got[0].T != 0 {
		t.Errorf("targets %v, want the return-to-go at step 0", got)
	}
	if got, want := m.TargetNames(), []string{"returns@0"}; !slices.Equal(got, want) {
		t.Errorf("target names %v, want %v", got, want)
	}
	if got, want := m.InputNames(), []string{"0:observations[0]", "0:observations[1]"}; !slices.Equal(got, want) {
		t.Errorf("input names %v, want %v", got, want)
	}
	var in [][]float64
	var truth []float64
	for e := 0; e < 2; e++ {
		for s := 0; s < 30; s++ {
			in = append(in, []float64{float64(100*e + s), 0})
			truth = append(truth, (1-math.Pow(0.9, float64(30-s)))/0.1)
		}
	}
	pred, err := m.Predict(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	var mse, mean, vr float64
	for _, v := range truth {
		mean += v / float64(len(truth))
	}
	for i, v := range truth {
		mse += (pred[i][0] - v) * (pred[i][0] - v) / float64(len(truth))
		vr += (v - mean) * (v - mean) / float64(len(truth))
	}
	t.Logf("critic MSE %.4g (data units), mean-return baseline %.4g", mse, vr)
	if !(mse < 0.05*vr) {
		t.Errorf("critic MSE %v, variance of the returns %v: want a fit in the data's units", mse, vr)
	}
}

// Configurations with returns-to-go that cannot be trained fail with a clear error before training.
func TestRegressionReturnsConfigErrors(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, want string
		edit       func(*Config)
	}{
		{"no scale", "returns_scale > 0", func(c *Config) { c.Data.ReturnsScale = 0 }},
		{"scale without returns", "belong to a \"returns\" item", func(c *Config) { c.Data.Targets = []string{"0:0"} }},
		{"bad discount", "data.discount", func(c *Config) { c.Data.Discount = 1.5 }},
		{"outside", "returns@2 outside", func(c *Config) { c.Data.Targets = []string{"returns@2"} }},
		{"twice", "returns@0 is listed twice", func(c *Config) { c.Data.Inputs = append(c.Data.Inputs[:3], "returns@0") }},
		{"syntax", "returns@STEP", func(c *Config) { c.Data.Targets = []string{"returns@x"} }},
	}
	for _, tc := range cases {
		cfg := regressionConfig(t, dir)
		cfg.Data.Targets, cfg.Data.ReturnsScale = []string{"returns"}, 10
		tc.edit(&cfg)
		_, ds, err := cfg.Trainer()
		if ds != nil {
			ds.Close()
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one mentioning %q", tc.name, err, tc.want)
		}
	}
	if e, err := ParseRegressionEntry("returns@-1"); err != nil || e != (WindowEntry{T: -1, C: ReturnsComponent}) {
		t.Errorf("returns@-1: %v, %v", e, err)
	}
}

// A seq_regressor run on (observation, return-to-go) tokens, interrupted and resumed, ends bit for bit as
// the uninterrupted run: the returns-to-go source serves the same batches at every step.
func TestSeqRegressorReturnsResumeIsBitIdentical(t *testing.T) {
	base := t.TempDir()
	data := filepath.Join(base, "returns.arrow")
	rewards := make([][]float64, 3)
	for e := range rewards {
		for s := 0; s < 25; s++ {
			rewards[e] = append(rewards[e], float64((s*7+e)%3%2))
		}
	}
	writeReturnEpisodes(t, data, 100, rewards)
	cfg := Config{
		Data: DataConfig{Path: data, Horizon: 3, Columns: []string{"observations"}, NoPadding: true, ReturnsScale: 5,
			Inputs:  []string{"0:0", "0:1", "returns@0", "1:0", "1:1", "returns@1"},
			Targets: []string{"2:0", "returns@2"}},
		Network: nn.Spec{Arch: "seq_regressor", SeqRegressor: &nn.SeqRegressorConfig{Tokens: 2, TokenDim: 3, Out: 2,
			Width: 8, Depth: 1, Heads: 2}},
		Objective: ObjectiveConfig{Kind: ObjectiveRegression},
		Train:     DefaultOptions(),
	}
	o := &cfg.Train
	o.Steps, o.Batch, o.LR, o.Warmup, o.EMADecay, o.Seed, o.CheckpointEvery, o.LogEvery = 30, 8, 1e-3, 5, 0.9, 3, 10, 1
	cfg.Out = filepath.Join(base, "want")
	want, err := runConfig(t, cfg, context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Out = filepath.Join(base, "resumed")
	ctx, cancel := context.WithCancel(context.Background())
	_, err = runConfig(t, cfg, ctx, func(s Status) {
		if s.Step == 13 {
			cancel()
		}
	})
	cancel()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: %v, want context.Canceled", err)
	}
	got, err := runConfig(t, cfg, context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.Resumed != 13 {
		t.Errorf("resumed at %d, want 13", got.Resumed)
	}
	if !sameParams(regParams(got.Regressor), regParams(want.Regressor)) || !sameParams(regParams(got.EMARegressor), regParams(want.EMARegressor)) {
		t.Error("the resumed run's weights or EMA differ from the uninterrupted run's")
	}
	if g, w := metricLosses(t, cfg.Out), metricLosses(t, filepath.Join(base, "want")); !slices.Equal(g, w) {
		t.Errorf("metrics.jsonl differs from the uninterrupted run's")
	}
}

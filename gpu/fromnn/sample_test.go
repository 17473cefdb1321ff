package fromnn

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/train"
)

// windowModel trains a tiny network through train.Config.Trainer on windows of 8 steps (2 observations and
// 1 action per step) of a synthetic episodes dataset and loads it as a train.Model; edit sets the network,
// objective and data options. The episodes carry two infos for episode-derived conditions, as the
// goal-conditioned planners' data do: "goal" (2 values, one per episode) and "goal_return" (1, per step).
func windowModel(t testing.TB, edit func(*train.Config)) *train.Model {
	t.Helper()
	dir := t.TempDir()
	data := filepath.Join(dir, "episodes.arrow")
	spec := datasets.EpisodeSpec{ObservationDim: 2, ActionDim: 1, Infos: []datasets.InfoSpec{{Name: "goal", Dim: 2}, {Name: "goal_return", Dim: 1}}}
	w, err := datasets.CreateEpisodes(data, spec, datasets.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for e := 0; e < 6; e++ {
		ep := datasets.Episode{Infos: map[string][]float64{}}
		for s := 0; s < 20; s++ {
			x := 0.3*float64(e) + 0.1*float64(s)
			ep.Observations = append(ep.Observations, x, math.Sin(3*x))
			ep.Actions = append(ep.Actions, math.Cos(3*x))
			ep.Rewards = append(ep.Rewards, 0)
			ep.Infos["goal"] = append(ep.Infos["goal"], float64(e), 2-0.5*float64(e))
			ep.Infos["goal_return"] = append(ep.Infos["goal_return"], float64(20-s)/4+float64(e))
		}
		if err := w.Write(ep); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	cfg := train.Config{
		Out:       filepath.Join(dir, "run"),
		Data:      train.DataConfig{Path: data, Horizon: 8, NoPadding: true},
		Network:   nn.Spec{Arch: "mlp", MLP: &nn.MLPConfig{Dim: 24, Hidden: []int{32, 32}, TimeDim: 8}},
		Objective: train.ObjectiveConfig{Process: "vp-cosine", Prediction: "eps"},
		Train:     train.DefaultOptions(),
		Sample:    train.SampleConfig{Solver: "dpmpp-2m", Steps: 5},
	}
	o := &cfg.Train
	o.Steps, o.Batch, o.LR, o.MinLR, o.Warmup, o.EMADecay, o.Seed, o.CheckpointEvery = 20, 8, 3e-3, 3e-4, 0, 0.9, 5, 0
	if edit != nil {
		edit(&cfg)
	}
	tr, ds, err := cfg.Trainer()
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	if _, err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	m, err := train.Load(cfg.Out, train.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// conditionalMLP conditions on the first and last observations[0], which sampling fixes.
func conditionalMLP(c *train.Config) {
	c.Data.Condition = []string{"0:1", "-1:1"}
	c.Network.MLP.CondDim = 2
	c.Objective.Prediction = "x0"
}

// ends fixes the first and last observations[0] of n windows: the same values for all (one each) or
// different ones per window.
func ends(n int, perWindow bool) []train.Fixed {
	first, last := []float64{0.4}, []float64{1.6}
	if perWindow {
		first, last = make([]float64, n), make([]float64, n)
		for i := range first {
			first[i], last[i] = 0.2*float64(i), 1.5+0.1*float64(i)
		}
	}
	return []train.Fixed{{WindowEntry: train.WindowEntry{T: 0, C: 1}, Values: first}, {WindowEntry: train.WindowEntry{T: -1, C: 1}, Values: last}}
}

// What the device cannot run is refused, with the reason, before a device is opened: a host-side x0
// correction and a bad request (train.ErrBadRequest: a free conditioning entry, guidance on a model trained without
// condition dropout, a warm start without its time); per-window conditions, guidance and warm starts are
// laid out for the device.
func TestDeviceSamplingRefusesWhatItCannotRun(t *testing.T) {
	m := windowModel(t, conditionalMLP)
	for _, c := range []struct {
		name string
		req  train.SampleRequest
		want string
	}{
		{"x0 correction", train.SampleRequest{N: 2, Fixed: ends(2, false), CorrectX0: func(_, _ []float64, _ float64) error { return nil }}, "CorrectX0"},
		{"free conditioning entry", train.SampleRequest{N: 2}, "fix it"},
		{"guidance without cond_dropout", train.SampleRequest{N: 2, Fixed: ends(2, false), Guidance: 1.2}, "cond_dropout"},
		{"warm start without a time", train.SampleRequest{N: 1, Fixed: ends(1, false), Init: make([]float64, 24)}, "StartTime"},
		{"a host network", train.SampleRequest{N: 1, Fixed: ends(1, false), Network: m.Checkpoint.Denoiser}, "Network"},
	} {
		_, err := prepare(m, c.req)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", c.name, err, c.want)
		}
		if c.name != "x0 correction" && c.name != "a host network" && !errors.Is(err, train.ErrBadRequest) {
			t.Errorf("%s: %v is not a train.ErrBadRequest", c.name, err)
		}
	}
	// NetworkDenoiser serves host samplers: their x0 corrections and network stay with them, and only
	// requests whose windows share one condition row are served.
	host := train.SampleRequest{N: 2, Fixed: ends(2, false), CorrectX0: func(_, _ []float64, _ float64) error { return nil }, Network: m.Checkpoint.Denoiser}
	if _, err := networkProblem(m, host, 2); err != nil {
		t.Errorf("a host sampler's request: %v", err)
	}
	if _, err := networkProblem(m, train.SampleRequest{N: 2, Fixed: ends(2, true)}, 2); err == nil || !strings.Contains(err.Error(), "different conditions") {
		t.Errorf("per-window conditions for a host network: %v", err)
	}
	if _, err := networkProblem(m, train.SampleRequest{N: 1, Fixed: ends(1, false)}, 0); err == nil {
		t.Error("a host network for 0 points was accepted")
	}
	if _, err := prepare(m, train.SampleRequest{N: 2, Fixed: ends(2, false), IsolateFailures: true}); err != nil {
		t.Errorf("isolated failures: %v (the device isolates diverging windows)", err)
	}
	dp, err := prepare(m, train.SampleRequest{N: 3, Fixed: ends(3, true)})
	if err != nil {
		t.Fatal(err)
	}
	if dp.cond != nil || len(dp.rows) != 3*2 || dp.rows[0] == dp.rows[2] {
		t.Errorf("per-window conditions: shared %v, rows %v; want 3 different rows of 2", dp.cond, dp.rows)
	}
	// A warm start without Renoise starts from alpha(t0) Init whatever the seed; with it, from noise.
	warm := func(seed uint64, renoise bool) []float64 {
		dp, err := prepare(m, train.SampleRequest{N: 1, Seed: seed, Fixed: ends(1, false), Init: make([]float64, 24), StartTime: 0.5, Steps: 2, Renoise: renoise})
		if err != nil {
			t.Fatal(err)
		}
		if len(dp.pr.Noise) != 24 || dp.pr.Plan.NFE != 2 {
			t.Errorf("warm start: %d initial values, %d NFE; want 24 and 2", len(dp.pr.Noise), dp.pr.Plan.NFE)
		}
		return dp.pr.Noise
	}
	if a, b := warm(1, false), warm(2, false); a[7] != b[7] {
		t.Errorf("warm start without Renoise depends on the seed: %v vs %v", a[7], b[7])
	}
	if a, b := warm(1, true), warm(2, true); a[7] == b[7] {
		t.Errorf("warm start with Renoise does not depend on the seed: %v", a[7])
	}
	dp, err = prepare(m, train.SampleRequest{N: 3, Fixed: ends(3, false)})
	if err != nil {
		t.Fatal(err)
	}
	if len(dp.cond) != 2 || dp.rows != nil || dp.fixed == nil || len(dp.fixed.Values) != 3*24 {
		t.Errorf("shared condition %v, fixed entries %v; want 2 condition values and 3 rows of fixed values", dp.cond, dp.fixed)
	}
	if _, err := prepare(nil, train.SampleRequest{N: 1}); err == nil {
		t.Error("a nil model was accepted")
	}
}

// Identical rows become the one shared condition; rows that differ anywhere are kept, one per window.
func TestWindowConditionsShareIdenticalRows(t *testing.T) {
	c, rows, err := windowConditions([]float64{0.5, -1, 0.5, -1, 0.5, -1}, 3)
	if err != nil || len(c) != 2 || c[0] != 0.5 || c[1] != -1 || rows != nil {
		t.Fatalf("identical rows: %v, %v, %v", c, rows, err)
	}
	c, rows, err = windowConditions([]float64{0.5, -1, 0.5, -1.5}, 2)
	if err != nil || c != nil || len(rows) != 4 || rows[3] != -1.5 {
		t.Errorf("rows differing in the last value: shared %v, rows %v, %v", c, rows, err)
	}
	if c, rows, err := windowConditions(nil, 4); c != nil || rows != nil || err != nil {
		t.Errorf("no condition: %v, %v, %v", c, rows, err)
	}
	if _, _, err := windowConditions([]float64{1, 2, 3}, 2); err == nil {
		t.Error("3 values for 2 windows were accepted")
	}
}

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
// objective and data options.
func windowModel(t testing.TB, edit func(*train.Config)) *train.Model {
	t.Helper()
	dir := t.TempDir()
	data := filepath.Join(dir, "episodes.arrow")
	w, err := datasets.CreateEpisodes(data, datasets.EpisodeSpec{ObservationDim: 2, ActionDim: 1}, datasets.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for e := 0; e < 6; e++ {
		var ep datasets.Episode
		for s := 0; s < 20; s++ {
			x := 0.3*float64(e) + 0.1*float64(s)
			ep.Observations = append(ep.Observations, x, math.Sin(3*x))
			ep.Actions = append(ep.Actions, math.Cos(3*x))
			ep.Rewards = append(ep.Rewards, 0)
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

// What the device cannot run is refused, with the reason, before a device is opened: guidance, isolated
// failures, warm starts (the sampling problem's refusal), a bad request (train.ErrBadRequest), and
// per-window conditions of a conditional network (the device networks share one condition per call).
func TestDeviceSamplingRefusesWhatItCannotRun(t *testing.T) {
	m := windowModel(t, conditionalMLP)
	for _, c := range []struct {
		name string
		req  train.SampleRequest
		want string
	}{
		{"guidance", train.SampleRequest{N: 2, Fixed: ends(2, false), Guidance: 1.2}, "guidance"},
		{"isolated failures", train.SampleRequest{N: 2, Fixed: ends(2, false), IsolateFailures: true}, "diverging"},
		{"warm start", train.SampleRequest{N: 1, Fixed: ends(1, false), Init: make([]float64, 24), StartTime: 0.5}, "warm start"},
		{"per-window conditions", train.SampleRequest{N: 3, Fixed: ends(3, true)}, "same condition"},
		{"free conditioning entry", train.SampleRequest{N: 2}, ""},
	} {
		_, err := prepare(m, c.req)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", c.name, err, c.want)
		}
		if c.name == "free conditioning entry" && !errors.Is(err, train.ErrBadRequest) {
			t.Errorf("%s: %v is not a train.ErrBadRequest", c.name, err)
		}
	}
	dp, err := prepare(m, train.SampleRequest{N: 3, Fixed: ends(3, false)})
	if err != nil {
		t.Fatal(err)
	}
	if len(dp.cond) != 2 || dp.fixed == nil || len(dp.fixed.Values) != 3*24 {
		t.Errorf("shared condition %v, fixed entries %v; want 2 condition values and 3 rows of fixed values", dp.cond, dp.fixed)
	}
	if _, err := prepare(nil, train.SampleRequest{N: 1}); err == nil {
		t.Error("a nil model was accepted")
	}
}

// The one shared condition is read from identical rows, and rows that differ anywhere are refused.
func TestSharedConditionNeedsIdenticalRows(t *testing.T) {
	c, err := sharedCondition([]float64{0.5, -1, 0.5, -1, 0.5, -1}, 3)
	if err != nil || len(c) != 2 || c[0] != 0.5 || c[1] != -1 {
		t.Fatalf("identical rows: %v, %v", c, err)
	}
	if _, err := sharedCondition([]float64{0.5, -1, 0.5, -1.0000001}, 2); err == nil {
		t.Error("rows differing in the last value were accepted")
	}
	if c, err := sharedCondition(nil, 4); c != nil || err != nil {
		t.Errorf("no condition: %v, %v", c, err)
	}
}

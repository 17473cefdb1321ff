package trajdiffuser_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/rl"
	td "github.com/trajdiff/trajdiff/rl/trajdiffuser"
	"github.com/trajdiff/trajdiff/train"
)

// sharedDir holds the tiny models all tests share; TestMain removes it.
var sharedDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "trajdiff-td-")
	if err != nil {
		panic(err)
	}
	sharedDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func run(cfg train.Config, steps int) (string, error) {
	o := &cfg.Train
	o.Steps, o.Batch, o.LR, o.MinLR, o.Warmup, o.EMADecay, o.Seed, o.CheckpointEvery = steps, 16, 3e-3, 3e-4, 0, 0.9, 1, 0
	tr, ds, err := cfg.Trainer()
	if err != nil {
		return "", err
	}
	defer ds.Close()
	if _, err := tr.Run(context.Background()); err != nil {
		return "", err
	}
	return cfg.Out, nil
}

// runs trains the four tiny models once: a 2-token draft, a states-only model of 8 steps conditioned on
// returns, inverse dynamics and a critic, all on 4000 steps of U-Maze data.
var runs = sync.OnceValues(func() (map[string]string, error) {
	data := filepath.Join(sharedDir, "umaze.arrow")
	_, err := rl.WriteDataset(context.Background(), data, rl.WriteConfig{Recipe: rl.DatasetConfig{Layout: "umaze", Steps: 4000, ChunkSteps: 4000,
		Seed: 1, Segments: rl.SegmentsGoal}}, datasets.WriteOptions{Overwrite: true})
	if err != nil {
		return nil, err
	}
	win := func(h int, cols ...string) train.DataConfig {
		return train.DataConfig{Path: data, Horizon: h, Columns: cols, Normalizer: "limits", NoPadding: true}
	}
	out := map[string]string{}
	var cfgs []train.Config
	draft := win(3, "observations")
	draft.ReturnsScale = 40
	for k := range 2 {
		for c := range 4 {
			draft.Inputs = append(draft.Inputs, fmt.Sprintf("%d:%d", k, c))
		}
		draft.Inputs = append(draft.Inputs, fmt.Sprintf("returns@%d", k))
	}
	draft.Targets = []string{"2:0", "2:1", "2:2", "2:3", "returns@2"}
	cfgs = append(cfgs, train.Config{Out: filepath.Join(sharedDir, "draft"), Data: draft, Objective: train.ObjectiveConfig{Kind: "regression"},
		Network: nn.Spec{Arch: "seq_regressor", SeqRegressor: &nn.SeqRegressorConfig{Tokens: 2, TokenDim: 5, Out: 5, Width: 8, Depth: 1, Heads: 2}}})
	states := win(8, "observations")
	states.Condition, states.ReturnsScale, states.Inpaint = []string{"returns"}, 40, []string{"0:0", "0:1", "0:2", "0:3"}
	cfgs = append(cfgs, train.Config{Out: filepath.Join(sharedDir, "states"), Data: states, Objective: train.ObjectiveConfig{Process: "vp-cosine", Prediction: "eps"},
		Network: nn.Spec{Arch: "mlp", MLP: &nn.MLPConfig{Dim: 32, Hidden: []int{32}, TimeDim: 8, CondDim: 1}},
		Sample:  train.SampleConfig{ClipX0: true}})
	inv := win(2, "actions", "observations")
	inv.Inputs, inv.Targets = []string{"0:2", "0:3", "0:4", "0:5", "1:2", "1:3", "1:4", "1:5"}, []string{"0:0", "0:1"}
	cfgs = append(cfgs, train.Config{Out: filepath.Join(sharedDir, "invdyn"), Data: inv, Objective: train.ObjectiveConfig{Kind: "regression"},
		Network: nn.Spec{Arch: "regressor", Regressor: &nn.RegressorConfig{In: 8, Out: 2, Hidden: []int{16}}}})
	critic := win(1, "actions", "observations")
	critic.Inputs, critic.Targets, critic.ReturnsScale = []string{"0:0", "0:1", "0:2", "0:3", "0:4", "0:5"}, []string{"returns"}, 40
	cfgs = append(cfgs, train.Config{Out: filepath.Join(sharedDir, "critic"), Data: critic, Objective: train.ObjectiveConfig{Kind: "regression"},
		Network: nn.Spec{Arch: "regressor", Regressor: &nn.RegressorConfig{In: 6, Out: 1, Hidden: []int{16}}}})
	return trainAll(cfgs, out)
})

// trainAll trains each configuration for 20 steps (the diffusion models with condition dropout 0.25) and
// records its run directory under its name in out.
func trainAll(cfgs []train.Config, out map[string]string) (map[string]string, error) {
	for _, c := range cfgs {
		c.Train = train.DefaultOptions()
		if c.Objective.Kind != "regression" {
			c.Train.CondDropout = 0.25
		}
		r, err := run(c, 20)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Base(c.Out), err)
		}
		out[filepath.Base(c.Out)] = r
	}
	return out, nil
}

// loadRun loads the run trained under name.
func loadRun(t testing.TB, r map[string]string, name string) *train.Model {
	t.Helper()
	m, err := train.Load(r[name], train.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func loadModels(t testing.TB) td.Models {
	t.Helper()
	r, err := runs()
	if err != nil {
		t.Fatal(err)
	}
	return td.Models{Draft: loadRun(t, r, "draft"), States: loadRun(t, r, "states"), Inverse: loadRun(t, r, "invdyn"), Critic: loadRun(t, r, "critic")}
}

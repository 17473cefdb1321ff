package decisiondiffuser_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/rl"
	"github.com/trajdiff/trajdiff/train"
)

// writeMaze writes 4000 steps of a layout's recipe, re-cut at the goal, under dir.
func writeMaze(dir, layout string) (string, error) {
	data := filepath.Join(dir, layout+".arrow")
	_, err := rl.WriteDataset(context.Background(), data, rl.WriteConfig{Recipe: rl.DatasetConfig{Layout: layout, Steps: 4000, ChunkSteps: 4000,
		Seed: 1, Segments: rl.SegmentsGoal}}, datasets.WriteOptions{Overwrite: true})
	return data, err
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

// trainStates trains a tiny states-only MLP on windows of 8 states conditioned on the return-to-go with
// condition dropout, and returns the run directory.
func trainStates(dir, data string, steps int) (string, error) {
	cfg := train.Config{
		Out: filepath.Join(dir, "states"),
		Data: train.DataConfig{Path: data, Horizon: 8, Columns: []string{"observations"}, Normalizer: "limits", NoPadding: true,
			Condition: []string{"returns"}, ReturnsScale: 40, Inpaint: []string{"0:0", "0:1", "0:2", "0:3"}},
		Network:   nn.Spec{Arch: "mlp", MLP: &nn.MLPConfig{Dim: 8 * 4, Hidden: []int{32, 32}, TimeDim: 8, CondDim: 1}},
		Objective: train.ObjectiveConfig{Process: "vp-cosine", Prediction: "eps"},
		Train:     train.DefaultOptions(),
		Sample:    train.SampleConfig{Solver: "dpmpp-2m", Steps: 4, ClipX0: true},
	}
	cfg.Train.CondDropout = 0.25
	return run(cfg, steps)
}

// trainInverse trains a tiny inverse-dynamics regressor (s_t, s_t+1) -> a_t.
func trainInverse(dir, data string, steps int) (string, error) {
	cfg := train.Config{
		Out: filepath.Join(dir, "invdyn"),
		Data: train.DataConfig{Path: data, Horizon: 2, Columns: []string{"actions", "observations"}, Normalizer: "limits", NoPadding: true,
			Inputs: []string{"0:2", "0:3", "0:4", "0:5", "1:2", "1:3", "1:4", "1:5"}, Targets: []string{"0:0", "0:1"}},
		Network:   nn.Spec{Arch: "regressor", Regressor: &nn.RegressorConfig{In: 8, Out: 2, Hidden: []int{32}}},
		Objective: train.ObjectiveConfig{Kind: "regression"},
		Train:     train.DefaultOptions(),
	}
	return run(cfg, steps)
}

// sharedDir holds the models all tests share (models); TestMain removes it.
var sharedDir string

func tempDir() (string, error) { return sharedDir, nil }

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "trajdiff-dd-")
	if err != nil {
		panic(err)
	}
	sharedDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

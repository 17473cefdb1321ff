package planmodel_test

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"testing"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/rl"
	"github.com/trajdiff/trajdiff/rl/planmodel"
	"github.com/trajdiff/trajdiff/train"
)

func regression(t *testing.T, dir, data, name string, horizon int, inputs, targets []string) *train.Model {
	t.Helper()
	cfg := train.Config{Out: filepath.Join(dir, name), Objective: train.ObjectiveConfig{Kind: "regression"},
		Data: train.DataConfig{Path: data, Horizon: horizon, Columns: []string{"actions", "observations"}, Normalizer: "limits", NoPadding: true,
			Inputs: inputs, Targets: targets, ReturnsScale: 40},
		Network: nn.Spec{Arch: "regressor", Regressor: &nn.RegressorConfig{In: len(inputs), Out: len(targets), Hidden: []int{8}}},
		Train:   train.DefaultOptions()}
	if len(targets) != 1 {
		cfg.Data.ReturnsScale = 0
	}
	cfg.Train.Steps, cfg.Train.Batch, cfg.Train.CheckpointEvery = 5, 8, 0
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

// The inverse dynamics and the critic are recognised by their inputs and targets, refused in each other's
// role and in another maze, and answer in the data's units for each pair.
func TestModelsAreCheckedByTheirRolesAndMaze(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "umaze.arrow")
	if _, err := rl.WriteDataset(context.Background(), data, rl.WriteConfig{Recipe: rl.DatasetConfig{Layout: "umaze", Steps: 3000, ChunkSteps: 3000, Seed: 1}},
		datasets.WriteOptions{Overwrite: true}); err != nil {
		t.Fatal(err)
	}
	inv := regression(t, dir, data, "inv", 2, []string{"0:2", "0:3", "0:4", "0:5", "1:2", "1:3", "1:4", "1:5"}, []string{"0:0", "0:1"})
	critic := regression(t, dir, data, "critic", 1, []string{"0:0", "0:1", "0:2", "0:3", "0:4", "0:5"}, []string{"returns"})
	umaze, _ := rl.LayoutByName("umaze")
	large, _ := rl.LayoutByName("large")
	f, err := planmodel.NewInverseDynamics(inv, umaze)
	if err != nil {
		t.Fatal(err)
	}
	q, err := planmodel.NewCritic(critic, umaze)
	if err != nil {
		t.Fatal(err)
	}
	s := [][4]float64{{3, 1, 0, 0}, {1, 3, 0.5, -0.5}}
	a, err := f.Actions(context.Background(), s, [][4]float64{{3.01, 1, 1, 0}, {1, 2.99, 0, -1}})
	if err != nil || len(a) != 2 {
		t.Fatalf("actions %v: %v", a, err)
	}
	v, err := q.Values(context.Background(), s, a)
	if err != nil || len(v) != 2 || math.IsNaN(v[0]) || math.IsNaN(v[1]) {
		t.Fatalf("values %v: %v", v, err)
	}
	for name, err := range map[string]error{
		"critic as inverse dynamics": func() error { _, err := planmodel.NewInverseDynamics(critic, umaze); return err }(),
		"inverse dynamics as critic": func() error { _, err := planmodel.NewCritic(inv, umaze); return err }(),
		"nil inverse dynamics":       func() error { _, err := planmodel.NewInverseDynamics(nil, umaze); return err }(),
		"U-Maze critic in Large":     func() error { _, err := planmodel.NewCritic(critic, large); return err }(),
		"U-Maze model in Large":      planmodel.CheckMaze(inv, large, "model"),
	} {
		if !errors.Is(err, planmodel.ErrMismatch) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

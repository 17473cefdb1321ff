package diffuser_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/rl"
	"github.com/trajdiff/trajdiff/train"
)

// trainTiny writes 4000 steps of the U-Maze recipe under dir and trains a small unconditional MLP on
// windows of 8 steps of columns (default: actions then observations) for steps steps; it returns the run
// directory. It takes about a second.
func trainTiny(dir string, columns []string, steps int) (string, error) {
	return trainTinyOn(dir, "umaze", columns, steps)
}

// tinyUMazeModel is trainTiny's default model trained for steps steps, loaded, with the U-Maze layout.
func tinyUMazeModel(t *testing.T, steps int) (*train.Model, *rl.Layout) {
	t.Helper()
	m := trainTinyModel(t, t.TempDir(), steps)
	l, err := rl.LayoutByName("umaze")
	if err != nil {
		t.Fatal(err)
	}
	return m, l
}

// trainTinyModel is trainTiny's default model trained under dir for steps steps and loaded.
func trainTinyModel(tb testing.TB, dir string, steps int) *train.Model {
	tb.Helper()
	run, err := trainTiny(dir, nil, steps)
	if err != nil {
		tb.Fatal(err)
	}
	m, err := train.Load(run, train.LoadOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// trainTinyOn is trainTiny on another layout's data.
func trainTinyOn(dir, layout string, columns []string, steps int) (string, error) {
	data := filepath.Join(dir, layout+".arrow")
	_, err := rl.WriteDataset(context.Background(), data, rl.WriteConfig{Recipe: rl.DatasetConfig{Layout: layout, Steps: 4000, ChunkSteps: 4000, Seed: 1}},
		datasets.WriteOptions{Overwrite: true})
	if err != nil {
		return "", err
	}
	cfg := train.Config{
		Out:       filepath.Join(dir, "run"),
		Data:      train.DataConfig{Path: data, Horizon: 8, Columns: columns, Normalizer: "limits", NoPadding: true},
		Network:   nn.Spec{Arch: "mlp", MLP: &nn.MLPConfig{Dim: 8 * 6, Hidden: []int{32, 32}, TimeDim: 8}},
		Objective: train.ObjectiveConfig{Process: "vp-cosine", Prediction: "x0"},
		Train:     train.DefaultOptions(),
		Sample:    train.SampleConfig{Solver: "dpmpp-2m", Steps: 4, ClipX0: true},
	}
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

// evalCounter counts the points evaluated through it.
type evalCounter struct {
	diffusion.Denoiser
	points int
}

func (c *evalCounter) Denoise(dst, x []float64, t float64) error {
	c.points += len(x) / c.Dim()
	return c.Denoiser.Denoise(dst, x, t)
}

// cpuNetwork is an Options.Network that gives the model's own network as the request evaluates it, through
// c: the denoiser of the request's sampling problem, whose fixed entries and clipping the sampler applies
// again, which changes nothing.
func cpuNetwork(c *evalCounter) func(*train.Model, train.SampleRequest, int) (diffusion.Denoiser, error) {
	return func(m *train.Model, req train.SampleRequest, _ int) (diffusion.Denoiser, error) {
		req.Network, req.CorrectX0 = nil, nil
		pr, err := m.SamplingProblem(req)
		if err != nil {
			return nil, err
		}
		c.Denoiser = pr.Denoiser
		return c, nil
	}
}

package geotdm_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/geometry"
	"github.com/trajdiff/trajdiff/geometry/geotdm"
	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/train"
)

// Train a (deliberately tiny, mlp) forecaster of charged particles on a geometric layout, then forecast
// and evaluate it against constant velocity. A real run uses the egtn network of
// configs/geotdm-charged-small.toml and `trajdiff train`.
func Example() {
	dir, err := os.MkdirTemp("", "geotdm-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	sys, run := geometry.NewCharged(5), geometry.Run{Steps: 1000, SampleFreq: 100, MaxFrames: 6}
	for split, n := range map[string]int{"train": 16, "test": 4} {
		cfg := geometry.WriteConfig{Seed: 43, Split: geometry.Split{Name: split, Count: n}, Run: run, Workers: 1}
		if _, _, err := geometry.WriteSplit(ctx, filepath.Join(dir, split+".arrow"), sys, cfg, datasets.WriteOptions{}); err != nil {
			panic(err)
		}
	}

	// Frames 0..2 condition frames 3..5; charges as node features, q_i q_j as edge attributes.
	layout := nn.EGTNConfig{Nodes: 5, SpatialDim: 3, CondFrames: []int{0, 1, 2}, TargetFrames: []int{3, 4, 5}, NodeFeatures: 1, EdgeFeatures: 1}
	cfg := train.Config{
		Out:       filepath.Join(dir, "run"),
		Data:      train.DataConfig{Path: filepath.Join(dir, "train.arrow"), Kind: "geometric", EdgeAttr: "product", Layout: &layout},
		Network:   nn.Spec{Arch: "mlp", MLP: &nn.MLPConfig{Dim: layout.Dim(), CondDim: layout.CondDim(), Hidden: []int{32}, TimeDim: 8}},
		Objective: train.ObjectiveConfig{Process: "vp-discrete", Steps: 100, Time: "discrete"},
		Train:     train.DefaultOptions(),
	}
	cfg.Train.Steps, cfg.Train.Batch, cfg.Train.Warmup = 20, 8, 0
	tr, ds, err := cfg.Trainer()
	if err != nil {
		panic(err)
	}
	defer ds.Close()
	if _, err := tr.Run(ctx); err != nil {
		panic(err)
	}

	m, err := geotdm.Load(cfg.Out)
	if err != nil {
		panic(err)
	}
	test, err := datasets.Open(filepath.Join(dir, "test.arrow"))
	if err != nil {
		panic(err)
	}
	defer test.Close()
	v, err := test.Trajectory(0)
	if err != nil {
		panic(err)
	}
	samples, err := m.Forecast(ctx, []datasets.GeometricView{v}, geotdm.Options{K: 5, Solver: "ddim", Steps: 4, Seed: 1})
	if err != nil {
		panic(err)
	}
	fmt.Println(len(samples[0]), "samples of", len(samples[0][0]), "coordinates")

	rep, err := geotdm.Evaluate(ctx, m, test, geotdm.EvalOptions{K: 5, Solver: "ddim", Steps: 4})
	if err != nil {
		panic(err)
	}
	for _, r := range rep.Methods {
		fmt.Println(r.Name, r.Systems, "systems,", r.K, "samples each,", r.NFE, "NFE")
	}
	// Output:
	// 5 samples of 45 coordinates
	// model 4 systems, 5 samples each, 4 NFE
	// constant-velocity 4 systems, 1 samples each, 0 NFE
}

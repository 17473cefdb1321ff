package train_test

import (
	"context"
	"fmt"
	"log"
	"math"
	"os"
	"path/filepath"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/train"
)

// A run trains on windows of an episodes dataset; train.Load reads its latest checkpoint back with the
// configuration and the dataset's normalisers, and Model.Sample draws windows in the data's units with any
// solver, here clamping the first and last observation of every window.
func Example() {
	dir, err := os.MkdirTemp("", "trajdiff-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	// A dataset of 4 episodes of 24 steps: a 1-D action and a 2-D observation per step.
	data := filepath.Join(dir, "episodes.arrow")
	w, err := datasets.CreateEpisodes(data, datasets.EpisodeSpec{ObservationDim: 2, ActionDim: 1}, datasets.WriteOptions{})
	if err != nil {
		log.Fatal(err)
	}
	for e := 0; e < 4; e++ {
		var ep datasets.Episode
		for t := 0; t < 24; t++ {
			x := float64(e) + 0.1*float64(t)
			ep.Observations = append(ep.Observations, x, math.Sin(x))
			ep.Actions = append(ep.Actions, 0.1*math.Cos(x))
			ep.Rewards = append(ep.Rewards, 0)
		}
		if err := w.Write(ep); err != nil {
			log.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}

	// Train a small MLP on windows of 8 steps (3 values each) for a few steps.
	cfg := train.Config{
		Out:       filepath.Join(dir, "run"),
		Data:      train.DataConfig{Path: data, Horizon: 8, NoPadding: true},
		Network:   nn.Spec{Arch: "mlp", MLP: &nn.MLPConfig{Dim: 8 * 3, Hidden: []int{32}, TimeDim: 8}},
		Objective: train.ObjectiveConfig{Process: "vp-cosine", Prediction: "x0"},
		Train:     train.DefaultOptions(),
	}
	cfg.Train.Steps, cfg.Train.Batch, cfg.Train.Warmup, cfg.Train.LogEvery = 20, 8, 0, 20
	tr, ds, err := cfg.Trainer()
	if err != nil {
		log.Fatal(err)
	}
	_, err = tr.Run(context.Background())
	ds.Close()
	if err != nil {
		log.Fatal(err)
	}

	// Load the run (EMA weights, as the configuration does not say otherwise) and sample.
	m, err := train.Load(cfg.Out, train.LoadOptions{})
	if err != nil {
		log.Fatal(err)
	}
	s, err := m.Sample(context.Background(), train.SampleRequest{
		N: 2, Solver: "dpmpp-2m", Steps: 5, Seed: 1,
		Fixed: []train.Fixed{
			{WindowEntry: train.WindowEntry{T: 0, C: 1}, Values: []float64{0.5}},       // first observations[0]
			{WindowEntry: train.WindowEntry{T: -1, C: 1}, Values: []float64{1.2, 2.5}}, // last, one per window
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("components:", s.Components)
	fmt.Printf("%d windows of %d x %d, %s with %d NFE, EMA weights: %v\n", s.N, s.Horizon, s.Transition, s.Solver, s.NFE, s.EMA)
	for i := 0; i < s.N; i++ {
		win := s.Window(i)
		fmt.Printf("window %d: observations[0] from %.3f to %.3f\n", i, win[0][1], win[s.Horizon-1][1])
	}
	// Output:
	// components: [actions[0] observations[0] observations[1]]
	// 2 windows of 8 x 3, dpmpp-2m with 5 NFE, EMA weights: true
	// window 0: observations[0] from 0.500 to 1.200
	// window 1: observations[0] from 0.500 to 2.500
}

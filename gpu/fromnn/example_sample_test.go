package fromnn_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"math"
	"os"
	"path/filepath"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/gpu"
	"github.com/trajdiff/trajdiff/gpu/fromnn"
	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/train"
)

// Sample draws a trained model's windows on the GPU with the request Model.Sample takes; a build without
// GPU support (gpu.ErrNoCUDA) falls back to the CPU here. The fixed entries come back at their values.
func ExampleSample() {
	dir, err := os.MkdirTemp("", "fromnn-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	m := trainedPlanner(dir)
	req := train.SampleRequest{N: 4, Seed: 1, Fixed: []train.Fixed{
		{WindowEntry: train.WindowEntry{T: 0, C: 1}, Values: []float64{0.1, 0.2, 0.3, 0.4}}, // a start per window
		{WindowEntry: train.WindowEntry{T: -1, C: 1}, Values: []float64{0.5}},               // one goal for all
	}}
	s, _, err := fromnn.Sample(context.Background(), m, req, fromnn.SampleOptions{})
	if errors.Is(err, gpu.ErrNoCUDA) {
		s, err = m.Sample(context.Background(), req)
	}
	if err != nil {
		log.Fatal(err)
	}
	w := s.Window(2)
	fmt.Printf("%d windows of %d x %d (%s, %d steps); window 2 starts at %.4f, ends at %.4f\n",
		s.N, s.Horizon, s.Transition, s.Solver, s.Steps, w[0][1], w[len(w)-1][1])
	// Output:
	// 4 windows of 8 x 3 (dpmpp-2m, 5 steps); window 2 starts at 0.3000, ends at 0.5000
}

// trainedPlanner trains a tiny temporal U-Net for a few steps on synthetic windows of 2 observations and an
// action, with the first and last observations[0] inpainted, and loads it.
func trainedPlanner(dir string) *train.Model { return trainPlanner(dir, nil) }

// trainedGuidedPlanner is trainedPlanner conditioned on its inpainted entries (a 2-value condition) and
// trained with condition dropout, so that it can be guided.
func trainedGuidedPlanner(dir string) *train.Model {
	return trainPlanner(dir, func(c *train.Config) {
		c.Data.Condition = []string{"0:1", "-1:1"}
		c.Network.TemporalUnet.CondDim = 2
		c.Train.CondDropout = 0.3
	})
}

// trainPlanner trains trainedPlanner's network with edit applied to its configuration.
func trainPlanner(dir string, edit func(*train.Config)) *train.Model {
	data := filepath.Join(dir, "episodes.arrow")
	w, err := datasets.CreateEpisodes(data, datasets.EpisodeSpec{ObservationDim: 2, ActionDim: 1}, datasets.WriteOptions{})
	if err != nil {
		log.Fatal(err)
	}
	for e := 0; e < 4; e++ {
		var ep datasets.Episode
		for s := 0; s < 16; s++ {
			x := 0.4*float64(e) + 0.1*float64(s)
			ep.Observations = append(ep.Observations, math.Sin(x), math.Cos(2*x))
			ep.Actions = append(ep.Actions, math.Cos(x))
			ep.Rewards = append(ep.Rewards, 0)
		}
		if err := w.Write(ep); err != nil {
			log.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}
	cfg := train.Config{Out: filepath.Join(dir, "run"),
		Data:      train.DataConfig{Path: data, Horizon: 8, NoPadding: true, Inpaint: []string{"0:1", "-1:1"}},
		Network:   nn.Spec{Arch: "temporal_unet", TemporalUnet: &nn.TemporalUnetConfig{Horizon: 8, Transition: 3, Dim: 8, DimMults: []int{1, 2}, Groups: 4}},
		Objective: train.ObjectiveConfig{Process: "vp-cosine", Prediction: "x0"},
		Train:     train.DefaultOptions(),
		Sample:    train.SampleConfig{Solver: "dpmpp-2m", Steps: 5, ClipX0: true}}
	cfg.Train.Steps, cfg.Train.Batch, cfg.Train.Warmup, cfg.Train.CheckpointEvery, cfg.Train.LogEvery = 5, 8, 0, 0, 0
	if edit != nil {
		edit(&cfg)
	}
	tr, ds, err := cfg.Trainer()
	if err != nil {
		log.Fatal(err)
	}
	defer ds.Close()
	if _, err := tr.Run(context.Background()); err != nil {
		log.Fatal(err)
	}
	m, err := train.Load(cfg.Out, train.LoadOptions{})
	if err != nil {
		log.Fatal(err)
	}
	return m
}

// A Sampler keeps the device open for many requests, here a guided one with a condition per window (the
// model conditions on the fixed first and last observations[0] and was trained with condition dropout);
// without GPU support it cannot open one, and Model.Sample draws the same request on the CPU.
func ExampleSampler() {
	dir, err := os.MkdirTemp("", "fromnn-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	m := trainedGuidedPlanner(dir)
	req := train.SampleRequest{N: 3, Seed: 2, Guidance: 1.5, Fixed: []train.Fixed{
		{WindowEntry: train.WindowEntry{T: 0, C: 1}, Values: []float64{0.1, 0.2, 0.3}},  // each window's condition differs
		{WindowEntry: train.WindowEntry{T: -1, C: 1}, Values: []float64{0.7, 0.8, 0.9}}, // ...
	}}
	draw := m.Sample
	if s, err := fromnn.NewSampler(fromnn.SampleOptions{}); err == nil {
		defer s.Close()
		draw = func(ctx context.Context, req train.SampleRequest) (*train.Samples, error) {
			return s.Sample(ctx, m, req)
		}
	} else if !errors.Is(err, gpu.ErrNoCUDA) {
		log.Fatal(err)
	}
	s, err := draw(context.Background(), req)
	if err != nil {
		log.Fatal(err)
	}
	for i := 0; i < s.N; i++ {
		w := s.Window(i)
		fmt.Printf("window %d: %.4f -> %.4f\n", i, w[0][1], w[len(w)-1][1])
	}
	fmt.Printf("%d NFE (two passes per evaluation)\n", s.NFE)
	// Output:
	// window 0: 0.1000 -> 0.7000
	// window 1: 0.2000 -> 0.8000
	// window 2: 0.3000 -> 0.9000
	// 10 NFE (two passes per evaluation)
}

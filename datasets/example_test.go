package datasets_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/trajdiff/trajdiff/datasets"
)

// Write a small episodes dataset, read an episode back and draw a normalised batch of windows.
func Example() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "maze.arrow")

	spec := datasets.EpisodeSpec{ObservationDim: 2, ActionDim: 1}
	w, err := datasets.CreateEpisodes(path, spec, datasets.WriteOptions{
		Generator: datasets.Generator{Name: "example", Version: "1", Seed: 7},
	})
	if err != nil {
		log.Fatal(err)
	}
	for e := 0; e < 3; e++ {
		T := 4 + e
		ep := datasets.Episode{Observations: make([]float64, 2*T), Actions: make([]float64, T), Rewards: make([]float64, T)}
		for t := 0; t < T; t++ {
			ep.Observations[2*t], ep.Observations[2*t+1] = float64(t), float64(e)
			ep.Actions[t] = 0.5
			ep.Rewards[t] = 1
		}
		ep.Timeouts = make([]bool, T)
		ep.Timeouts[T-1] = true
		if err := w.Write(ep); err != nil {
			log.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}

	d, err := datasets.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer d.Close()
	ep, _ := d.Episode(2)
	fmt.Println("episodes:", d.Len(), "steps of episode 2:", ep.Len, "observation shape:", ep.Observations.Shape)

	s, err := datasets.NewSegmentSampler(d, datasets.SamplerConfig{Horizon: 3, Normalizer: datasets.NormMinMax})
	if err != nil {
		log.Fatal(err)
	}
	it, _ := s.Batches(datasets.BatchConfig{BatchSize: 2, Seed: 1})
	idx, _ := it.Next()
	var b datasets.Batch
	if err := s.Fill(&b, idx); err != nil {
		log.Fatal(err)
	}
	fmt.Println("windows:", s.Len(), "batch shape:", b.Size, b.Horizon, b.Dim)
	// Output:
	// episodes: 3 steps of episode 2: 6 observation shape: [6 2]
	// windows: 9 batch shape: 2 3 3
}

package rl_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/rl"
)

// Drive the U-maze with the D4RL expert for one evaluation episode.
func Example() {
	m, err := rl.NewMaze(rl.MazeConfig{Layout: "umaze"})
	if err != nil {
		panic(err)
	}
	policy := rl.NewControllerPolicy(m, rl.StreamRNG(0, "example", 0))
	ret, steps, err := rl.Rollout(m, 1, policy)
	if err != nil {
		panic(err)
	}
	fmt.Println(steps, ret > 100, m.Layout().NormalizedScore(ret) > 50)
	// Output: 300 true true
}

// Generate a slice of the D4RL maze2d-umaze dataset and count its segments.
func ExampleGenerateDataset() {
	cfg := rl.DatasetConfig{Layout: "umaze", Steps: 10000, Seed: 1}
	episodes, steps := 0, 0
	err := rl.GenerateDataset(context.Background(), cfg, func(ep *rl.Episode) error {
		episodes++
		steps += ep.Len()
		return nil
	})
	fmt.Println(err, steps, episodes > 50)
	// Output: <nil> 10000 true
}

// Write shard 1 of 2 of a 4000-step U-maze dataset as one task of a job array would, and count its
// episodes.
func ExampleWriteDataset() {
	dir, err := os.MkdirTemp("", "rl-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "umaze-1.arrow")
	recipe := rl.DatasetConfig{Layout: "umaze", Steps: 4000, ChunkSteps: 1000, Seed: 1}
	st, err := rl.WriteDataset(context.Background(), path, rl.WriteConfig{Recipe: recipe, Shard: 1, Shards: 2}, datasets.WriteOptions{})
	if err != nil {
		panic(err)
	}
	d, err := datasets.Open(path)
	if err != nil {
		panic(err)
	}
	defer d.Close()
	fmt.Println(st.Steps, d.NumRows(), d.Len() == st.Episodes, d.Metadata().Generator.Params["first_chunk"])
	// Output: 2000 2000 true 2
}

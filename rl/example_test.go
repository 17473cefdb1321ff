package rl_test

import (
	"context"
	"fmt"

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

package rl

import (
	"context"

	"testing"
)

// BenchmarkVecMaze steps 1024 mazes with random actions through Vec on all cores and reports
// environment steps per second; scripts/rl/maze_reference.py bench times the vectorised NumPy
// implementation of the same step (docs/benchmarks-geometry-rl.md).
func BenchmarkVecMaze(b *testing.B) {
	const n = 1024
	for _, name := range LayoutNames() {
		b.Run(name, func(b *testing.B) {
			v, err := NewVecMaze(MazeConfig{Layout: name, MaxEpisodeSteps: -1}, n, 0)
			if err != nil {
				b.Fatal(err)
			}
			seeds := make([]uint64, n)
			for i := range seeds {
				seeds[i] = uint64(i)
			}
			obs := make([]float64, 4*n)
			if err := v.Reset(seeds, obs); err != nil {
				b.Fatal(err)
			}
			rng := StreamRNG(0, "bench", 0)
			const batches = 16 // precomputed action batches, cycled
			acts := make([][]float64, batches)
			for k := range acts {
				acts[k] = make([]float64, 2*n)
				for i := range acts[k] {
					acts[k][i] = 2*rng.Float64() - 1
				}
			}
			tr := make([]Transition, n)
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if err := v.Step(acts[i%batches], obs, tr); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "env-steps/s")
		})
	}
}

// BenchmarkMazeStep is one environment step on one core (free flight and wall contacts mixed).
func BenchmarkMazeStep(b *testing.B) {
	m, err := NewMaze(MazeConfig{Layout: "large", MaxEpisodeSteps: -1})
	if err != nil {
		b.Fatal(err)
	}
	obs := make([]float64, 4)
	if err := m.Reset(1, obs); err != nil {
		b.Fatal(err)
	}
	act := []float64{0.7, -0.9}
	for i := 0; b.Loop(); i++ {
		if i%64 == 0 {
			act[0], act[1] = -act[1], act[0]
		}
		if _, err := m.Step(act, obs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
}

// BenchmarkDataset generates 100k steps of the D4RL recipe (expert controller, planner, physics)
// and reports dataset steps per second on all cores.
func BenchmarkDataset(b *testing.B) {
	for _, name := range LayoutNames() {
		b.Run(name, func(b *testing.B) {
			cfg := DatasetConfig{Layout: name, Steps: 100_000, ChunkSteps: 25_000}
			for b.Loop() {
				if err := GenerateDataset(context.Background(), cfg, func(*Episode) error { return nil }); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cfg.Steps)*float64(b.N)/b.Elapsed().Seconds(), "steps/s")
		})
	}
}

package geometry

import (
	"context"
	"testing"
)

// BenchmarkSimulate times one published trajectory (5000 steps, every 100th saved) per iteration and
// reports simulated steps per second on one core; scripts/geometry/nbody_reference.py bench times
// the NumPy generator on the same runs (docs/benchmarks-geometry-rl.md).
func BenchmarkSimulate(b *testing.B) {
	for _, sys := range []System{NewCharged(5), NewSprings(5), NewGravity(10)} {
		b.Run(sys.Name(), func(b *testing.B) {
			s, p := sys.Sample(StreamRNG(0, "bench", 0))
			run := Run{Steps: 5000, SampleFreq: 100}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := sys.Simulate(s, p, run); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(run.Steps)*float64(b.N)/b.Elapsed().Seconds(), "steps/s")
		})
	}
}

// BenchmarkGenerate times the dataset generator on all cores (64 trajectories of the default run,
// 30 frames = 3000 steps each) and reports trajectories per second.
func BenchmarkGenerate(b *testing.B) {
	sys := NewCharged(5)
	cfg := GenerateConfig{Seed: 1, Split: "train", Count: 64, Run: DefaultRun()}
	for b.Loop() {
		if err := Generate(context.Background(), sys, cfg, func(int, *Trajectory) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cfg.Count)*float64(b.N)/b.Elapsed().Seconds(), "trajectories/s")
}

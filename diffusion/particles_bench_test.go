package diffusion

import (
	"context"
	"testing"
)

// BenchmarkParticleSearch runs each method at 40 evaluations per output on 64 outputs of a 16-D mixture
// (the search's own work, resampling and the rollover interpreter, next to the exact denoiser's).
func BenchmarkParticleSearch(b *testing.B) {
	g, err := RandomMixture(1, 16, 4)
	if err != nil {
		b.Fatal(err)
	}
	p := NewVPLinear()
	for _, s := range []ParticleSearch{
		{Method: BestOfN},
		{Method: ParticleResample, Temperature: 0.5},
		{Method: ParticleRollover},
	} {
		s.Process, s.Steps, s.Budget = p, 10, 40
		b.Run(string(s.Method), func(b *testing.B) {
			d := g.Denoiser(p)
			for i := 0; i < b.N; i++ {
				if _, err := s.Sample(context.Background(), d, particleFirstCoordinate(16), 64, ParticleOptions{Seed: uint64(i)}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(64*s.Budget*b.N)/b.Elapsed().Seconds(), "evals/s")
		})
	}
}

package diffusion_test

import (
	"context"
	"fmt"

	"github.com/trajdiff/trajdiff/diffusion"
)

// Inference-time scaling on a two-mode mixture whose rarer mode (weight 0.1, at x = 1.5) the reward
// prefers: at 40 evaluations per output, best-of-4 DDPM samples, resampling 4 particles by reward and
// rollover budget forcing, each over 200 outputs.
func ExampleParticleSearch() {
	g, _ := diffusion.NewGaussianMixture([]float64{0.9, 0.1}, [][]float64{{-1, 0}, {1.5, 0}},
		[][][]float64{{{0.1, 0}, {0, 0.1}}, {{0.1, 0}, {0, 0.1}}})
	p := diffusion.NewVPLinear()
	reward := func(r, x0 []float64) error { // the first coordinate
		for i := range r {
			r[i] = x0[2*i]
		}
		return nil
	}
	for _, s := range []diffusion.ParticleSearch{
		{Method: diffusion.BestOfN},
		{Method: diffusion.ParticleResample, TopK: 1},
		{Method: diffusion.ParticleRollover},
	} {
		s.Process, s.Steps, s.Budget = p, 10, 40
		res, err := s.Sample(context.Background(), g.Denoiser(p), reward, 200, diffusion.ParticleOptions{Seed: 1})
		if err != nil {
			panic(err)
		}
		right, mean := 0, 0.0
		for o, r := range res.Rewards {
			mean += r / 200
			if res.X[2*o] > 0 {
				right++
			}
		}
		fmt.Printf("%-9s K=%d  %d evaluations  mean reward %5.2f  rewarded mode %3.0f%%\n", s.Method, res.K, res.NFE/200, mean, float64(right)/2)
	}
	// Output:
	// best-of-n K=4  40 evaluations  mean reward -0.25  rewarded mode  24%
	// resample  K=4  40 evaluations  mean reward  1.40  rewarded mode  89%
	// rollover  K=1  40 evaluations  mean reward  1.27  rewarded mode  94%
}

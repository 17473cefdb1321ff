package diffusion_test

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/trajdiff/trajdiff/diffusion"
)

// Estimate DPM-Solver-v3's statistics for a denoiser (here the exact one of a 2-D mixture) and sample with
// 6 evaluations.
func ExampleDPMSolverV3() {
	g, _ := diffusion.NewGaussianMixture([]float64{0.5, 0.5}, [][]float64{{-1, 0}, {1, 0.5}},
		[][][]float64{{{0.1, 0}, {0, 0.2}}, {{0.2, 0.05}, {0.05, 0.1}}})
	p := diffusion.NewVPLinear()
	ctx := context.Background()
	ems, err := diffusion.MixtureEMS(ctx, g, p, 128, diffusion.EMSOptions{Steps: 60, Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	times, _ := diffusion.UniformLogSNR{}.Times(p, 6)
	plan, err := diffusion.DPMSolverV3{Stats: ems, Order: 3}.Plan(p, times)
	if err != nil {
		fmt.Println(err)
		return
	}
	x := g.Noise(rand.New(rand.NewPCG(1, 2)), p, p.TMax(), 4)
	if err := diffusion.Sample(ctx, plan, g.Denoiser(p), x, diffusion.RunOptions{}); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(plan.NFE, "evaluations, statistics on", len(ems.Lambda), "log-SNRs")
	// Output: 6 evaluations, statistics on 61 log-SNRs
}

package diffusion_test

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/trajdiff/trajdiff/diffusion"
)

// Sample a two-component Gaussian mixture with DPM-Solver++(2M) in 10 steps of EDM's schedule and compare
// with the adaptive reference solution of the same probability-flow ODE.
func Example() {
	g, _ := diffusion.NewGaussianMixture(
		[]float64{0.3, 0.7},
		[][]float64{{-1, 0}, {2, 1}},
		[][][]float64{{{0.2, 0}, {0, 0.2}}, {{0.5, 0.1}, {0.1, 0.3}}})
	p := diffusion.NewEDM()
	times, _ := diffusion.Karras{Rho: 7}.Times(p, 10)
	solver, _ := diffusion.NewSolver("dpmpp-2m")
	plan, _ := solver.Plan(p, times)

	x := g.Noise(rand.New(rand.NewPCG(1, 2)), p, p.TMax(), 4) // 4 points at sigma = 80
	ref := append([]float64(nil), x...)
	if err := diffusion.Sample(context.Background(), plan, g.Denoiser(p), x, diffusion.RunOptions{}); err != nil {
		panic(err)
	}
	diffusion.ReferenceSample(context.Background(), p, g.Denoiser(p), ref, p.TMax(), p.TMin(), 1e-10)
	worst := 0.0
	for i := range x {
		worst = max(worst, abs(x[i]-ref[i]))
	}
	fmt.Printf("%d steps, %d evaluations, max error %.1e\n", plan.Steps(), plan.NFE, worst)
	// Output: 10 steps, 10 evaluations, max error 4.3e-01
}

// Convert an eps prediction to x0 and to the flow-matching velocity at one time of the VP process.
func ExampleConvert() {
	p := diffusion.NewVPLinear()
	c := diffusion.CoefficientsAt(p, 0.5)
	x0, eps := 0.8, -0.3
	x := []float64{c.Alpha*x0 + c.Sigma*eps}
	out := make([]float64, 1)
	diffusion.Convert(out, x, []float64{eps}, diffusion.PredEps, diffusion.PredX0, c)
	fmt.Printf("x0 %.6f\n", out[0])
	// Output: x0 0.800000
}

// Karras et al.'s noise levels for 5 steps, followed by the final 0.
func ExampleKarras() {
	times, _ := diffusion.Karras{Rho: 7}.Times(diffusion.NewEDM(), 5)
	fmt.Printf("%.4g\n", times)
	// Output: [80 17.53 2.515 0.1698 0.002 0]
}

// An objective gives the trainer its (input, target, weight): here EDM's preconditioned loss.
func ExampleEDMObjective() {
	o := diffusion.NewEDMObjective()
	x0 := []float64{0.5, -0.5}
	in, target := make([]float64, 2), make([]float64, 2)
	ex, _ := o.Sample(rand.New(rand.NewPCG(3, 4)), x0, in, target)
	fmt.Printf("sigma %.3f, weight %v\n", ex.T, ex.Weight)
	// Output: sigma 0.776, weight 1
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// A stochastic interpolant between two Gaussians, carried by its probability-flow ODE with the exact
// fields: the mean of x0's law arrives at the mean of x1's.
func ExampleInterpolantSampler() {
	coupling := &diffusion.GaussianCoupling{
		M0: []float64{0}, S0: []float64{0.25},
		M1: []float64{3}, S1: []float64{1},
	}
	p := diffusion.LinearInterpolant{A: 1}
	field, err := coupling.Field(p)
	if err != nil {
		fmt.Println(err)
		return
	}
	x := []float64{0} // the mean of x0
	s := diffusion.InterpolantSampler{Interpolant: p, Steps: 50}
	nfe, err := s.Sample(context.Background(), field, x)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("x1 = %.4f after %d evaluations\n", x[0], nfe)
	// Output: x1 = 3.0000 after 100 evaluations
}

package diffusion_test

import (
	"context"
	"fmt"

	"github.com/trajdiff/trajdiff/diffusion"
)

// Two networks of one interpolant process, one giving the drift and one the denoiser (here both the exact
// x0-predictor of the target N(2, 0.25)), carry the base x_r + Base zeta around the reference x_r = -1 to
// the target: the SDE with Eps = 1, 100 steps, on 20000 points.
func ExampleInterpolantProcessFields() {
	p, _ := diffusion.NewInterpolantProcess(0.5, 1)
	target, _ := diffusion.NewGaussianMixture([]float64{1}, [][]float64{{2}}, [][][]float64{{{0.25}}})
	const n = 20000
	ref := make([]float64, n)
	for i := range ref {
		ref[i] = -1
	}
	f := &diffusion.InterpolantProcessFields{Process: p, Drift: target.Denoiser(p), Denoiser: target.Denoiser(p),
		DriftRef: ref, DenoiserRef: ref}
	x := make([]float64, n)
	diffusion.NewPhilox(1).FillNormal(x, 0, 0) // standard normal draws; Sample scales them
	nfe, err := f.Sample(context.Background(), f.Sampler(100, 1, 2), x)
	if err != nil {
		fmt.Println(err)
		return
	}
	var mean, sq float64
	for _, v := range x {
		mean += v / n
	}
	for _, v := range x {
		sq += (v - mean) * (v - mean) / (n - 1)
	}
	fmt.Printf("%d network evaluations, mean %.1f, variance %.2f\n", nfe, mean, sq)
	// Output: 201 network evaluations, mean 2.0, variance 0.25
}

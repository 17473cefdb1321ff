package diffusion_test

import (
	"context"
	"fmt"

	"github.com/trajdiff/trajdiff/diffusion"
)

// Recover a 2-D point from a measurement of its first coordinate with RED-Diff, under a Gaussian prior whose
// coordinates are strongly correlated: the prior's exact denoiser fills in the unmeasured coordinate.
func ExampleREDDiff() {
	prior, _ := diffusion.NewGaussianMixture([]float64{1}, [][]float64{{0, 0}},
		[][][]float64{{{1, 0.9}, {0.9, 1}}})
	p := diffusion.NewVPCosine()
	H, _ := diffusion.NewSelection(2, []int{0}) // sense x_0 only
	opt := diffusion.DefaultREDDiffOptions()
	opt.Steps, opt.Average, opt.Seed = 1000, 200, 1
	res, err := diffusion.REDDiff(context.Background(), p, prior.Denoiser(p), H, []float64{1.5}, opt)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("x = (%.2f, %.2f) after %d evaluations, residual %.2f\n", res.X[0], res.X[1], res.NFE, res.Residual[0])
	// Output: x = (1.49, 1.28) after 1000 evaluations, residual 0.01
}

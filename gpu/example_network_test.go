package gpu_test

import (
	"fmt"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/gpu"
)

// Every network denoiser the device runs is D(x, t) = p x + q F(s x, tau): an eps-predicting network under
// the cosine VP process is evaluated at the process's time and its output rescaled, EDM's preconditioning
// scales the input and feeds the network c_noise instead of t.
func ExampleParameterization_Affine() {
	vp, _ := diffusion.NewProcess("vp-cosine")
	for _, c := range []struct {
		name string
		pz   gpu.Parameterization
		t    float64
	}{
		{"eps, vp-cosine", gpu.Parameterization{Prediction: diffusion.PredEps, Process: vp}, 0.5},
		{"edm precond", gpu.Parameterization{SigmaData: 0.5}, 1},
	} {
		s, tau, p, q, err := c.pz.Affine(c.t)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%-15s t = %v: s = %.4f, tau = %.4f, p = %.4f, q = %.4f\n", c.name, c.t, s, tau, p, q)
	}
	// Output:
	// eps, vp-cosine  t = 0.5: s = 1.0000, tau = 0.5000, p = 1.4230, q = -1.0124
	// edm precond     t = 1: s = 0.8944, tau = 0.0000, p = 0.2000, q = 0.4472
}

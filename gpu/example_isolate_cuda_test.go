//go:build cuda || trajdiff_cuda

package gpu_test

import (
	"context"
	"fmt"
	"log"
	"math"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/gpu"
)

// diverging is a denoiser whose output for one example is NaN: a network diverging on one input.
type diverging struct {
	gpu.Denoiser
	example int
}

func (v diverging) Denoise(s *gpu.Stream, dst, x gpu.Buffer, t float64) error {
	if err := v.Denoiser.Denoise(s, dst, x, t); err != nil {
		return err
	}
	d := v.Dim()
	return s.Fill(dst.Slice(v.example*d, (v.example+1)*d), math.NaN())
}

// RunOptions.NonFinite isolates a diverging example as diffusion.RunOptions.NonFinite does on the CPU: the
// run succeeds, the example is reported once with the time of its first non-finite output and comes back
// NaN, and the other examples are those of a run without it.
func ExampleRunOptions_nonFinite() {
	dev, err := gpu.Open(0)
	if err != nil {
		log.Fatal(err)
	}
	defer dev.Close()
	target, _ := diffusion.RandomMixture(4, 4, 2)
	p := diffusion.NewEDM()
	mix, err := gpu.NewMixture(dev, target, p)
	if err != nil {
		log.Fatal(err)
	}
	defer mix.Close()
	sol, _ := diffusion.NewSolver("dpmpp-2m")
	plan, _ := diffusion.PlanForNFE(sol, p, diffusion.Karras{Rho: 7}, 8)
	exec, err := gpu.NewExecutor(dev, plan, 3*4) // 3 examples of 4 values
	if err != nil {
		log.Fatal(err)
	}
	defer exec.Close()
	noise := func() []float32 {
		x := make([]float32, 3*4)
		for i := range x {
			x[i] = float32(80 * math.Sin(float64(i)))
		}
		return x
	}
	clean, x := noise(), noise()
	if err := exec.Run(context.Background(), mix, clean, gpu.RunOptions{Seed: 1, Graph: true}); err != nil {
		log.Fatal(err)
	}
	opt := gpu.RunOptions{Seed: 1, Graph: true, NonFinite: func(j int, t float64) { fmt.Printf("example %d diverged at t = %g\n", j, t) }}
	if err := exec.Run(context.Background(), diverging{mix, 1}, x, opt); err != nil {
		log.Fatal(err)
	}
	for j := 0; j < 3; j++ {
		row, same := x[4*j:4*j+4], true
		for i, v := range row {
			same = same && v == clean[4*j+i]
		}
		fmt.Printf("example %d: NaN %v, as without the diverging one %v\n", j, math.IsNaN(float64(row[0])), same)
	}
	// Output:
	// example 1 diverged at t = 80
	// example 0: NaN false, as without the diverging one true
	// example 1: NaN true, as without the diverging one false
	// example 2: NaN false, as without the diverging one true
}

//go:build cuda || trajdiff_cuda

package gpu_test

import (
	"context"
	"fmt"
	"log"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/gpu"
)

// A whole sampler on the GPU with the exact denoiser of a Gaussian mixture: 4096 points of a 64-D mixture,
// DPM-Solver++(2M) with 20 evaluations, each step replayed as a CUDA graph. (Compiled everywhere, run only on
// a GPU machine.)
func ExampleExecutor() {
	dev, err := gpu.Open(0)
	if err != nil {
		log.Fatal(err)
	}
	defer dev.Close()
	target, _ := diffusion.RandomMixture(64, 64, 4)
	p := diffusion.NewEDM()
	den, err := gpu.NewMixture(dev, target, p)
	if err != nil {
		log.Fatal(err)
	}
	defer den.Close()
	sol, _ := diffusion.NewSolver("dpmpp-2m")
	plan, _ := diffusion.PlanForNFE(sol, p, diffusion.Karras{Rho: 7}, 20)
	exec, err := gpu.NewExecutor(dev, plan, 4096*64)
	if err != nil {
		log.Fatal(err)
	}
	defer exec.Close()
	// Initial noise N(0, sigma_max^2 I), drawn on the device with the CPU's Philox stream.
	if err := exec.Stream().Normal(exec.State(), 1, 0); err != nil {
		log.Fatal(err)
	}
	if err := exec.Stream().Combine(exec.State(), gpu.Term{Coef: p.Sigma(p.TMax()), Buf: exec.State()}); err != nil {
		log.Fatal(err)
	}
	if err := exec.RunDevice(context.Background(), den, gpu.RunOptions{Seed: 2, Graph: true}); err != nil {
		log.Fatal(err)
	}
	st, err := exec.Stream().Stats(exec.State())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("sample mean %.3f, RMS %.3f\n", st.Mean(), st.RMS())
}

// A network on the GPU as the sampler's denoiser: an MLP's weights are uploaded once, its activations sized
// for 1024 points, and a 10-NFE DPM-Solver++(2M) run replays each step, network included, as a CUDA graph.
// (gpu/fromnn builds the MLP and its parameterization from a trained checkpoint; compiled everywhere, run only
// on a GPU machine.)
func ExamplePredictor() {
	dev, err := gpu.Open(0)
	if err != nil {
		log.Fatal(err)
	}
	defer dev.Close()
	p, _ := diffusion.NewProcess("vp-cosine")
	net := &gpu.MLP{Dim: 2, TimeDim: 4, Act: gpu.ActMish,
		Weights: [][]float32{make([]float32, 8*6), make([]float32, 2*8)}, Biases: [][]float32{make([]float32, 8), {0.5, -0.5}}}
	den, err := gpu.NewPredictor(dev, net, gpu.Parameterization{Prediction: diffusion.PredX0, Process: p}, 1024, gpu.PredictorOptions{})
	if err != nil {
		log.Fatal(err)
	}
	defer den.Close()
	sol, _ := diffusion.NewSolver("dpmpp-2m")
	plan, _ := diffusion.PlanForNFE(sol, p, diffusion.DefaultSchedule(p), 10)
	exec, err := gpu.NewExecutor(dev, plan, 1024*2)
	if err != nil {
		log.Fatal(err)
	}
	defer exec.Close()
	x := make([]float32, 1024*2) // start from zero noise: the sample is the network's constant prediction
	if err := exec.Run(context.Background(), den, x, gpu.RunOptions{Seed: 1, Graph: true}); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("first point %.2f %.2f\n", x[0], x[1])
}

package fromnn

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/gpu"
	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/train"
)

// RunPlan runs a sampling loop given directly, pde/wdno's: a 2-D U-Net (WDNO's network) samples two images
// whose first two entries are known, set after every step and in every x0 prediction, the rest of each
// prediction clamped to [-1, 1]. Without GPU support the same loop runs on the CPU.
func ExampleSampler_RunPlan() {
	dir, err := os.MkdirTemp("", "fromnn-runplan")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	cfg := nn.Unet2DConfig{Height: 4, Width: 4, Channels: 2, Dim: 8, DimMults: []int{1, 2}, AttnHeads: 2, AttnDimHead: 4}
	opts := train.DefaultOptions()
	opts.Steps, opts.Batch, opts.Warmup, opts.CheckpointEvery, opts.LogEvery = 5, 8, 0, 5, 5
	tr := &train.Trainer{Spec: nn.Spec{Arch: "unet2d", Unet2D: &cfg}, Objective: train.ObjectiveConfig{Process: "vp-cosine"},
		Source: mixtureSource{2 * 4 * 4}, Options: opts, Dir: dir}
	if _, err := tr.Run(context.Background()); err != nil {
		log.Fatal(err)
	}
	c, err := train.LoadCheckpoint(dir, train.LoadOptions{})
	if err != nil {
		log.Fatal(err)
	}
	D := c.Net.Dim()
	mask := make([]bool, D)
	mask[0], mask[1] = true, true
	values := make([]float64, 2*D) // one row per image; only the known entries matter
	values[0], values[1], values[D], values[D+1] = 0.25, -0.5, 0.75, 0
	solver, _ := diffusion.NewSolver("ddim")
	plan, err := diffusion.PlanForNFE(solver, c.Process, diffusion.DefaultSchedule(c.Process), 4)
	if err != nil {
		log.Fatal(err)
	}
	x := make([]float64, 2*D)
	diffusion.NewPhilox(1).FillNormal(x, 0, 0)
	p := PlanProblem{Checkpoint: c, Plan: plan, X: x, Mask: mask, Values: values, ClipX0: true, FixX0: true, Seed: 1}

	var out []float64
	if s, err := NewSampler(SampleOptions{}); err == nil {
		defer s.Close()
		if out, err = s.RunPlan(context.Background(), p); err != nil {
			log.Fatal(err)
		}
	} else if errors.Is(err, gpu.ErrNoCUDA) {
		out = append([]float64(nil), x...)
		fix := func(x0, _ []float64, _ float64) error {
			for i := range x0 {
				if mask[i%D] {
					x0[i] = values[i]
				} else {
					x0[i] = min(1, max(-1, x0[i]))
				}
			}
			return nil
		}
		err := diffusion.Sample(context.Background(), plan, c.Denoiser, out, diffusion.RunOptions{Seed: 1,
			Condition: &diffusion.Inpaint{Mask: mask, Values: values}, CorrectX0: fix})
		if err != nil {
			log.Fatal(err)
		}
	} else {
		log.Fatal(err)
	}
	for j := 0; j < 2; j++ {
		fmt.Printf("image %d: known entries %.2f %.2f\n", j, out[j*D], out[j*D+1])
	}
	// Output:
	// image 0: known entries 0.25 -0.50
	// image 1: known entries 0.75 0.00
}

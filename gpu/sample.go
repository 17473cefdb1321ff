//go:build cuda || trajdiff_cuda

package gpu

import (
	"context"
	"fmt"

	"github.com/trajdiff/trajdiff/diffusion"
)

// SampleMixture runs plan on GPU `ordinal` with the exact denoiser of g under p, in one call: it opens the
// device, uploads x (points of g.Dim() values at the plan's first time, float64 rounded to float32), runs the
// plan with CUDA graphs, writes the sample back into x and releases everything. seed keys the noise as in
// diffusion.RunOptions; progress, if set, is called after each step. It returns the device it ran on. This is
// what `trajdiff solve --device gpu` calls; programs that sample repeatedly keep a Device, a Mixture and an
// Executor instead.
func SampleMixture(ctx context.Context, ordinal int, plan *diffusion.Plan, g *diffusion.GaussianMixture, p diffusion.Process,
	x []float64, seed uint64, progress func(done, total int)) (Info, error) {
	if g == nil || plan == nil || p == nil {
		return Info{}, fmt.Errorf("gpu: SampleMixture needs a plan, a mixture and a process")
	}
	if len(x) == 0 || len(x)%g.Dim() != 0 {
		return Info{}, fmt.Errorf("gpu: %d values are not a whole number of %d-dimensional points", len(x), g.Dim())
	}
	d, err := Open(ordinal)
	if err != nil {
		return Info{}, err
	}
	defer d.Close()
	m, err := NewMixture(d, g, p)
	if err != nil {
		return d.Info(), err
	}
	defer m.Close()
	return d.Info(), runPlanOnce(ctx, d, plan, m, x, seed, progress)
}

// runPlanOnce runs plan on device d with denoiser den over x (float64, rounded to float32 on the way in),
// each step replayed as a CUDA graph, and writes the sample back into x: the body of the one-call helpers.
func runPlanOnce(ctx context.Context, d *Device, plan *diffusion.Plan, den Denoiser, x []float64, seed uint64, progress func(done, total int)) error {
	e, err := NewExecutor(d, plan, len(x))
	if err != nil {
		return err
	}
	defer e.Close()
	x32 := make([]float32, len(x))
	for i, v := range x {
		x32[i] = float32(v)
	}
	if err := e.Run(ctx, den, x32, RunOptions{Seed: seed, Progress: progress, Graph: true}); err != nil {
		return err
	}
	for i, v := range x32 {
		x[i] = float64(v)
	}
	return nil
}

//go:build cuda || trajdiff_cuda

package gpu

import (
	"context"
	"fmt"

	"github.com/trajdiff/trajdiff/diffusion"
)

// SampleNetwork runs plan on GPU `ordinal` with the network net as its denoiser (pz converts its output to
// x0), in one call, as SampleMixture does for the mixture: it opens the device, uploads the weights and x
// (points of net.Dim values, rounded to float32), runs the plan with each step replayed as a CUDA graph
// (network included), writes the sample back into x and releases everything. It returns the device it ran
// on. Programs that sample repeatedly keep a Device, a Predictor and an Executor instead.
func SampleNetwork(ctx context.Context, ordinal int, plan *diffusion.Plan, net *MLP, pz Parameterization, x []float64, seed uint64,
	opt PredictorOptions, progress func(done, total int)) (Info, error) {
	if plan == nil || net == nil {
		return Info{}, fmt.Errorf("gpu: SampleNetwork needs a plan and a network")
	}
	if err := net.Validate(); err != nil {
		return Info{}, err
	}
	if len(x) == 0 || len(x)%net.Dim != 0 {
		return Info{}, fmt.Errorf("gpu: %d values are not a whole number of %d-dimensional points", len(x), net.Dim)
	}
	d, err := Open(ordinal)
	if err != nil {
		return Info{}, err
	}
	defer d.Close()
	p, err := NewPredictor(d, net, pz, len(x)/net.Dim, opt)
	if err != nil {
		return d.Info(), err
	}
	defer p.Close()
	return d.Info(), runPlanOnce(ctx, d, plan, p, x, seed, progress)
}

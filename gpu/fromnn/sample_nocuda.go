//go:build !cuda && !trajdiff_cuda

package fromnn

import (
	"context"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/gpu"
	"github.com/trajdiff/trajdiff/train"
)

// Sample checks req as the device build does, then returns gpu.ErrNoCUDA: this build has no GPU support.
func Sample(ctx context.Context, m *train.Model, req train.SampleRequest, opt SampleOptions) (*train.Samples, gpu.Info, error) {
	if _, err := prepare(m, req); err != nil {
		return nil, gpu.Info{}, err
	}
	return nil, gpu.Info{}, gpu.ErrNoCUDA
}

// NewSampler returns gpu.ErrNoCUDA: this build has no GPU support.
func NewSampler(opt SampleOptions) (*Sampler, error) { return nil, gpu.ErrNoCUDA }

// Sample checks req as the device build does, then returns gpu.ErrNoCUDA.
func (s *Sampler) Sample(ctx context.Context, m *train.Model, req train.SampleRequest) (*train.Samples, error) {
	if _, err := prepare(m, req); err != nil {
		return nil, err
	}
	return nil, gpu.ErrNoCUDA
}

// SampleGuided checks req and g as the device build does, then returns gpu.ErrNoCUDA.
func (s *Sampler) SampleGuided(ctx context.Context, m *train.Model, req train.SampleRequest, g ValueGuide) (*train.Samples, error) {
	if _, err := prepare(m, req); err != nil {
		return nil, err
	}
	if _, err := g.config(m, req.N); err != nil {
		return nil, err
	}
	return nil, gpu.ErrNoCUDA
}

// Info describes no device in this build.
func (s *Sampler) Info() gpu.Info { return gpu.Info{} }

// Close does nothing in this build.
func (s *Sampler) Close() error { return nil }

// keptRun holds nothing in this build.
type keptRun struct{}

// Forget does nothing in this build.
func (s *Sampler) Forget() error { return nil }

// RunPlan checks p as the device build does, then returns gpu.ErrNoCUDA.
func (s *Sampler) RunPlan(ctx context.Context, p PlanProblem) ([]float64, error) {
	if _, err := p.check(); err != nil {
		return nil, err
	}
	return nil, gpu.ErrNoCUDA
}

// Denoiser checks c as the device build does, then returns gpu.ErrNoCUDA.
func (s *Sampler) Denoiser(c *train.Checkpoint, points int) (diffusion.Denoiser, error) {
	if err := checkHostNetwork(c, points); err != nil {
		return nil, err
	}
	return nil, gpu.ErrNoCUDA
}

// NetworkDenoiser checks m and req as the device build does, then returns gpu.ErrNoCUDA.
func (s *Sampler) NetworkDenoiser(m *train.Model, req train.SampleRequest, points int) (diffusion.Denoiser, error) {
	if _, err := networkProblem(m, req, points); err != nil {
		return nil, err
	}
	return nil, gpu.ErrNoCUDA
}

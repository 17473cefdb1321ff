//go:build cuda || trajdiff_cuda

package fromnn

import (
	"context"
	"fmt"

	"github.com/trajdiff/trajdiff/gpu"
	"github.com/trajdiff/trajdiff/train"
)

// Sample draws req.N windows from m as m.Sample does, on GPU opt.Ordinal: the request is prepared on the
// host exactly as the CPU prepares it (train.Model.SamplingProblem: plan, initial noise, fixed entries in
// training units, condition), then the weights, the state, the fixed entries (one row of values per window)
// and the condition are uploaded once, the plan runs with each step replayed as a CUDA graph (the network,
// the inpainting kernel after every step and the x0 clamp included), and only the final state comes back,
// to be unnormalised on the host. The device state is float32, so samples agree with the CPU's to the
// tolerance gpu/doc.go (Network inference) states; the fixed entries come back exactly (the normalised value
// rounded to float32, then unnormalised). Not supported on the device (refused with an error before any
// device work): isolated failures and geometric models. Per-window conditions (conditioning entries fixed
// to different values per window), classifier-free guidance (two network passes per evaluation) and warm
// starts (Init at StartTime, with or without Renoise) run as Model.Sample runs them.
func Sample(ctx context.Context, m *train.Model, req train.SampleRequest, opt SampleOptions) (*train.Samples, gpu.Info, error) {
	dp, err := prepare(m, req)
	if err != nil {
		return nil, gpu.Info{}, err
	}
	d, err := gpu.Open(opt.Ordinal)
	if err != nil {
		return nil, gpu.Info{}, err
	}
	defer d.Close()
	s, err := sampleOn(ctx, d, dp, opt.Precision)
	return s, d.Info(), err
}

// NewSampler opens GPU opt.Ordinal for many Sample calls (Sampler).
func NewSampler(opt SampleOptions) (*Sampler, error) {
	d, err := gpu.Open(opt.Ordinal)
	if err != nil {
		return nil, err
	}
	return &Sampler{d: d, opt: opt}, nil
}

// Sample is the package's Sample on the sampler's open device.
func (s *Sampler) Sample(ctx context.Context, m *train.Model, req train.SampleRequest) (*train.Samples, error) {
	if s.d == nil {
		return nil, fmt.Errorf("fromnn: the sampler is closed")
	}
	dp, err := prepare(m, req)
	if err != nil {
		return nil, err
	}
	return sampleOn(ctx, s.d, dp, s.opt.Precision)
}

// Info describes the sampler's device.
func (s *Sampler) Info() gpu.Info {
	if s.d == nil {
		return gpu.Info{}
	}
	return s.d.Info()
}

// Close releases the device.
func (s *Sampler) Close() error {
	if s.d == nil {
		return nil
	}
	err := s.d.Close()
	s.d = nil
	return err
}

// sampleOn runs a prepared request on d: the weights, state, fixed entries and conditions uploaded, the plan
// run with graph replay, the final state back and unnormalised. Everything it allocates it frees.
func sampleOn(ctx context.Context, d *gpu.Device, dp *deviceProblem, prec gpu.Precision) (*train.Samples, error) {
	info := d.Info()
	m, req := dp.m, dp.req
	n := len(dp.pr.Noise)
	p, err := NewPredictor(d, m.Checkpoint.Net, dp.pz, req.N, dp.options(prec))
	if err != nil {
		return nil, err
	}
	defer p.Close()
	e, err := gpu.NewExecutor(d, dp.pr.Plan, n)
	if err != nil {
		return nil, err
	}
	defer e.Close()
	ro := gpu.RunOptions{Seed: req.Seed, Progress: req.Progress, Graph: true}
	if dp.fixed != nil {
		in, err := gpu.NewInpaint(d, dp.fixed.Mask, dp.fixed.Values)
		if err != nil {
			return nil, err
		}
		defer in.Close()
		ro.Condition = in
	}
	if dp.pr.ClipX0 {
		ro.CorrectX0 = gpu.ClipX0{Lo: -1, Hi: 1}
	}
	x32 := make([]float32, n)
	for i, v := range dp.pr.Noise {
		x32[i] = float32(v)
	}
	if err := e.Run(ctx, p, x32, ro); err != nil {
		return nil, fmt.Errorf("fromnn: sampling with %s on %s: %w", dp.pr.Solver, info, err)
	}
	x := make([]float64, n)
	for i, v := range x32 {
		x[i] = float64(v)
	}
	return dp.samples(x), nil
}

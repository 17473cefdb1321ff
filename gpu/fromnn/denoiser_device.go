//go:build cuda || trajdiff_cuda

package fromnn

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/gpu"
	"github.com/trajdiff/trajdiff/train"
)

// Denoiser returns c's network on the sampler's device as a diffusion.Denoiser on host slices
// (gpu.HostDenoiser), for sampling loops that must come back to the host every step: pde/wdno's search by
// control cost, whose candidates are re-simulated by the CPU solver (`trajdiff pde evaluate --device gpu
// --particle-method`), its physical-space guidance and its estimation methods clamp, guided and reddiff. The network's output becomes x0 as the checkpoint's objective says (Parameterization),
// in the sampler's precision; each call runs at most points points at once on the device and serves larger
// batches in chunks. Unconditional networks only (WDNO's; NetworkDenoiser takes a request's condition). The
// sampler keeps it: a second call for the same checkpoint and network with at most as many points returns
// the same one; Forget and Close release it, after which it returns an error.
func (s *Sampler) Denoiser(c *train.Checkpoint, points int) (diffusion.Denoiser, error) {
	if s.d == nil {
		return nil, fmt.Errorf("fromnn: the sampler is closed")
	}
	if err := checkHostNetwork(c, points); err != nil {
		return nil, err
	}
	pz, err := Parameterization(c)
	if err != nil {
		return nil, err
	}
	return s.host(hostNetwork{ckpt: c, net: c.Net, points: points}, pz)
}

// NetworkDenoiser returns m's network as the request req evaluates it (its one condition row shared by all
// windows, its classifier-free guidance weight, the x0 conversion of its objective), on the sampler's device
// as a diffusion.Denoiser on host slices of any batch, without the fixed entries and the clipping of the
// request: given as the request's train.SampleRequest.Network, the host's sampler adds those, so that a loop
// that must come back to the host every step runs its network here. rl/diffuser's particle search and
// free-space projection are such loops (`trajdiff plan evaluate --device gpu --particle-method` or
// `--wall-clearance`): each step's particles are scored, or its x0-predictions projected, on the host. The
// sampler keeps one such network per checkpoint: a call with another condition or guidance releases the
// previous one (a planner's next plan), and Forget and Close release it.
func (s *Sampler) NetworkDenoiser(m *train.Model, req train.SampleRequest, points int) (diffusion.Denoiser, error) {
	if s.d == nil {
		return nil, fmt.Errorf("fromnn: the sampler is closed")
	}
	dp, err := networkProblem(m, req, points)
	if err != nil {
		return nil, err
	}
	c := m.Checkpoint
	return s.host(hostNetwork{ckpt: c, net: c.Net, points: points, cond: dp.cond, guidance: req.Guidance}, dp.pz)
}

// host returns the kept host network that serves want (same checkpoint, network, condition and guidance,
// at least as many points), else builds one, first releasing the kept ones of the same checkpoint that
// differ only in their condition or guidance.
func (s *Sampler) host(want hostNetwork, pz gpu.Parameterization) (diffusion.Denoiser, error) {
	var kept []hostNetwork
	var errs []error
	for _, h := range s.hosts {
		same := h.ckpt == want.ckpt && sameNet(h.net, want.net)
		switch {
		case same && sameBits(h.cond, want.cond) && math.Float64bits(h.guidance) == math.Float64bits(want.guidance) && want.points <= h.points:
			return h.h, nil
		case same && (!sameBits(h.cond, want.cond) || math.Float64bits(h.guidance) != math.Float64bits(want.guidance)):
			errs = append(errs, h.h.Close())
		default:
			kept = append(kept, h)
		}
	}
	s.hosts = kept
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("fromnn: releasing a host network: %w", err)
	}
	opt := gpu.PredictorOptions{Precision: s.opt.Precision, Cond: slices.Clone(want.cond), Guidance: want.guidance}
	p, err := NewPredictor(s.d, want.ckpt.Net, pz, want.points, opt)
	if err != nil {
		return nil, err
	}
	h, err := gpu.NewHostDenoiser(s.d, p, want.points)
	if err != nil {
		return nil, errors.Join(err, p.Close())
	}
	want.cond, want.h = slices.Clone(want.cond), h
	s.hosts = append(s.hosts, want)
	return h, nil
}

// forgetHosts releases the networks Denoiser and NetworkDenoiser handed out.
func (s *Sampler) forgetHosts() error {
	var errs []error
	for _, h := range s.hosts {
		errs = append(errs, h.h.Close())
	}
	s.hosts = nil
	return errors.Join(errs...)
}

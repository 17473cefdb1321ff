//go:build cuda || trajdiff_cuda

package fromnn

import (
	"errors"
	"fmt"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/gpu"
	"github.com/trajdiff/trajdiff/train"
)

// Denoiser returns c's network on the sampler's device as a diffusion.Denoiser on host slices
// (gpu.HostDenoiser), for sampling loops that must come back to the host every step: pde/wdno's search by
// control cost, whose candidates are re-simulated by the CPU solver (`trajdiff pde evaluate --device gpu
// --particle-method`). The network's output becomes x0 as the checkpoint's objective says (Parameterization),
// in the sampler's precision; each call runs at most points points at once on the device and serves larger
// batches in chunks. Unconditional networks only (WDNO's). The sampler keeps it: a second call for the same
// checkpoint and network with at most as many points returns the same one; Forget and Close release it, after
// which it returns an error.
func (s *Sampler) Denoiser(c *train.Checkpoint, points int) (diffusion.Denoiser, error) {
	if s.d == nil {
		return nil, fmt.Errorf("fromnn: the sampler is closed")
	}
	if err := checkHostNetwork(c, points); err != nil {
		return nil, err
	}
	for _, h := range s.hosts {
		if h.ckpt == c && sameNet(h.net, c.Net) && points <= h.points {
			return h.h, nil
		}
	}
	pz, err := Parameterization(c)
	if err != nil {
		return nil, err
	}
	p, err := NewPredictor(s.d, c.Net, pz, points, gpu.PredictorOptions{Precision: s.opt.Precision})
	if err != nil {
		return nil, err
	}
	h, err := gpu.NewHostDenoiser(s.d, p, points)
	if err != nil {
		return nil, errors.Join(err, p.Close())
	}
	s.hosts = append(s.hosts, hostNetwork{ckpt: c, net: c.Net, points: points, h: h})
	return h, nil
}

// forgetHosts releases the networks Denoiser handed out.
func (s *Sampler) forgetHosts() error {
	var errs []error
	for _, h := range s.hosts {
		errs = append(errs, h.h.Close())
	}
	s.hosts = nil
	return errors.Join(errs...)
}

//go:build cuda || trajdiff_cuda

package gpu

import (
	"fmt"
	"math"
)

// GroupNormActGrad enqueues the backward pass of GroupNormAct to its input: gx = (dy/dx)^T gy for
// y = act(GroupNorm(x) gamma + beta) over channels-last x [batch, positions, channels] in groups groups
// (group_norm_act_grad_f32: the statistics recomputed from x in double as the forward pass computes them,
// the normalisation's Jacobian applied per group). gx may be gy.
func (s *Stream) GroupNormActGrad(gx, gy, x, gamma, beta Buffer, batch, positions, channels, groups int, eps float64, act Activation) error {
	if batch < 1 || positions < 1 || channels < 1 || groups < 1 || channels%groups != 0 || batch > 65535 {
		return fmt.Errorf("gpu: group norm gradient of [%d, %d, %d] in %d groups", batch, positions, channels, groups)
	}
	if !(eps > 0) || math.IsInf(eps, 0) || act < ActIdentity || act > ActReLU {
		return fmt.Errorf("gpu: group norm gradient with eps %v, activation %v", eps, act)
	}
	n := batch * positions * channels
	if x.n != n || gx.n != n || gy.n != n || gamma.n != channels || beta.n != channels {
		return fmt.Errorf("gpu: group norm gradient of [%d, %d, %d]: gx %d, gy %d, x %d, gamma %d, beta %d values",
			batch, positions, channels, gx.n, gy.n, x.n, gamma.n, beta.n)
	}
	return s.d.do(func() error {
		return s.launch(kGroupNormGrad, groups, batch, 256, 0, pArg(gx.ptr), pArg(gy.ptr), pArg(x.ptr), pArg(gamma.ptr), pArg(beta.ptr),
			iArg(int64(positions)), iArg(int64(channels)), iArg(int64(groups)), fArg(eps), iArg(int64(act)))
	})
}

package wdno

import (
	"cmp"
	"fmt"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/nn"
)

// Where the control objective's gradient is taken (Request.GuideThrough).
const (
	// GuideX0 moves each x0 prediction by dJ/dx0 (WDNO's guidance; the reference's smoke/inference_2d.py):
	// coordinates J does not read are never moved directly.
	GuideX0 = "x0"
	// GuideDenoiser pulls dJ/dx0 back through the denoiser to the noisy state, alpha (dx0/dx_t)^T dJ/dx0
	// (diffusion posterior sampling, Chung et al. 2023; forward universal guidance, Bansal et al. 2023),
	// and moves x0 by that instead. The network couples the coordinates J reads to the others, so the
	// gradient reaches them: smoke's J reads only s and d(0), and through the denoiser it reaches the
	// control bands. The factor alpha makes both rules agree for a network that ignores its input
	// (then dx0/dx_t = I/alpha), so one weight means the same step size in both. It costs one backward pass
	// of the network per step.
	GuideDenoiser = "denoiser"
)

// pullback computes alpha(t) (dx0/dx_t)^T g for the denoiser x0(x_t) = P x_t + Q net(x_t, t) of a
// prediction kind: alpha (P g + (dnet/dx_t)^T (Q g)).
type pullback struct {
	vjp          *nn.NetVJP
	kind         diffusion.Prediction
	p            diffusion.Process
	v, y, jt, xs []float64
	bad          [pullbackChunk]bool // the chunk's examples that enter the pass as zeros
}

// newPullback is the pullback through m's network, or an error for a checkpoint whose denoiser is not a
// prediction conversion of a plain network (EDM's preconditioning).
func (m *Model) newPullback() (*pullback, error) {
	ck := m.Checkpoint
	obj := ck.State.Objective
	if obj.Kind == "edm" {
		return nil, fmt.Errorf("wdno: guidance through the denoiser needs a prediction-parameterised objective, not edm")
	}
	kind, err := diffusion.ParsePrediction(cmp.Or(obj.Prediction, "eps"))
	if err != nil {
		return nil, fmt.Errorf("wdno: %w", err)
	}
	return &pullback{vjp: nn.NewNetVJP(ck.Net), kind: kind, p: ck.Process}, nil
}

// pullbackChunk bounds the examples of one reverse pass: the tape keeps every activation of the batch, about
// 1.2 GB per example for the reduced smoke U-Net, so a batch of 25 cases in one pass would not fit in memory.
const pullbackChunk = 4

// apply overwrites g (a batch of dJ/dx0, zero at known entries) with alpha (dx0/dx_t)^T g at the states x.
func (b *pullback) apply(g, x []float64, t float64) error {
	c := diffusion.CoefficientsAt(b.p, t)
	P, Q, err := diffusion.ConversionCoefficients(b.kind, diffusion.PredX0, c)
	if err != nil {
		return fmt.Errorf("wdno: guidance through the denoiser: %w", err)
	}
	D := b.vjp.Net().Dim()
	n := len(g) / D
	for lo := 0; lo < n; lo += pullbackChunk {
		hi := min(n, lo+pullbackChunk)
		gc, xc := g[lo*D:hi*D], x[lo*D:hi*D]
		if len(b.v) < len(gc) {
			b.v, b.y, b.jt, b.xs = make([]float64, len(gc)), make([]float64, len(gc)), make([]float64, len(gc)), make([]float64, len(gc))
		}
		v, y, jt, xs := b.v[:len(gc)], b.y[:len(gc)], b.jt[:len(gc)], b.xs[:len(gc)]
		copy(xs, xc)
		for i, gi := range gc {
			v[i] = Q * gi
		}
		// An example whose prediction diverged (NaN in its gradient) or whose state is not finite enters the
		// pass as zeros and keeps its gradient as it was: the sampler isolates it (RunOptions.NonFinite), and
		// the others are guided as they would be without it.
		bad := b.bad[:hi-lo]
		for j := range bad {
			bad[j] = false
			if !finite(gc[j*D:(j+1)*D]) || !finite(xc[j*D:(j+1)*D]) {
				bad[j] = true
				clear(v[j*D : (j+1)*D])
				clear(xs[j*D : (j+1)*D])
			}
		}
		if err := b.vjp.VJP(y, jt, xs, []float64{t}, nil, v); err != nil {
			return fmt.Errorf("wdno: guidance through the denoiser: %w", err)
		}
		for i := range gc {
			if !bad[i/D] {
				gc[i] = c.Alpha * (P*gc[i] + jt[i])
			}
		}
	}
	return nil
}

// guidePullback resolves req.GuideThrough: nil for GuideX0 or no guidance, the network's pullback for
// GuideDenoiser.
func (m *Model) guidePullback(req Request, guidance float64) (*pullback, error) {
	switch req.GuideThrough {
	case "", GuideX0:
		return nil, nil
	case GuideDenoiser:
		if guidance == 0 || m.Task != Control {
			return nil, nil
		}
		return m.newPullback()
	}
	return nil, fmt.Errorf("wdno: guide through %q: want %q or %q", req.GuideThrough, GuideX0, GuideDenoiser)
}

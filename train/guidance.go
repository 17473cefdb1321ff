package train

import (
	"fmt"
	"math"

	"github.com/trajdiff/trajdiff/diffusion"
)

// guided is classifier-free guidance (Ho & Salimans 2022) on the network's own outputs: with out_c the
// prediction with the condition kept and out_u the one with it dropped (keep mask 0, the unconditional model
// that training's cond_dropout fits),
//
//	out = out_u + w (out_c - out_u),   computed as out_c + (w - 1)(out_c - out_u)
//
// (the same number, and exactly out_c at w = 1). Combining in the network's parameterisation is the same as
// combining the x0-predictions (diffusion.Guided): every parameterisation (eps, x0, v, EDM's F) is affine in
// the others, x0 = a(t) x + b(t) out with a and b the same for both passes, and the weights (1 - w) and w sum
// to 1, so the x-terms cancel out of the combination. The two passes are two calls of N windows. It is not
// safe for concurrent use (Model.Sample builds one per call).
type guided struct {
	cond, uncond diffusion.Network
	w            float64
	u            []float64
}

func (g *guided) Dim() int { return g.cond.Dim() }

func (g *guided) Predict(dst, x []float64, t float64) error {
	if err := g.cond.Predict(dst, x, t); err != nil {
		return fmt.Errorf("conditional pass: %w", err)
	}
	if cap(g.u) < len(x) {
		g.u = make([]float64, len(x))
	}
	u := g.u[:len(x)]
	if err := g.uncond.Predict(u, x, t); err != nil {
		return fmt.Errorf("unconditional pass: %w", err)
	}
	for i, c := range dst {
		dst[i] = c + (g.w-1)*(c-u[i])
	}
	return nil
}

// prepareGuidance checks a request's guidance weight: finite and non-negative, and only for a conditional
// model trained with condition dropout (otherwise its unconditional model was never trained).
func (m *Model) prepareGuidance(req SampleRequest, sp *sampler) error {
	w := req.Guidance
	if w == 0 {
		return nil
	}
	if math.IsNaN(w) || math.IsInf(w, 0) || w < 0 {
		return badRequest("Guidance must be a finite weight >= 0 (0: no guidance), got %v", w)
	}
	if m.Checkpoint.Net.CondDim() == 0 {
		return badRequest("Guidance %v on an unconditional model: there is no condition to guide towards", w)
	}
	if m.Config.Train.CondDropout <= 0 {
		return badRequest("Guidance %v on a model trained without train.cond_dropout: its unconditional model (the condition dropped) was never trained", w)
	}
	sp.guidance = w
	return nil
}

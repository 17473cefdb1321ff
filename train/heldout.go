package train

import (
	"context"
	"fmt"

	"github.com/trajdiff/trajdiff/internal/stream"
)

// HeldOutLoss is the training objective's loss of a checkpoint's network (ck, from LoadCheckpoint) on the
// batches the Trainer's Source serves at steps first, ..., first+batches-1 (steps beyond the run's own are
// examples training never drew), with independent noise and times from a stream keyed by seed:
//
//	L = mean over all examples of w ||net(in, t, c) - y||^2 / D
//
// with the inpainted entries clean in the input, as in training, and the condition always kept. It never
// uses immiscible noise: a run trained with it logs losses on assigned noise, this loss compares it with
// one trained without.
func (t *Trainer) HeldOutLoss(ctx context.Context, ck *Checkpoint, first, batches int, seed uint64) (float64, error) {
	if ck == nil || ck.Predictor == nil {
		return 0, fmt.Errorf("train: held-out loss needs a denoising checkpoint")
	}
	if batches < 1 || first < 0 {
		return 0, fmt.Errorf("train: held-out loss over %d batches from step %d; want at least one batch from a step >= 0", batches, first)
	}
	obj, _, err := ck.State.Objective.Build()
	if err != nil {
		return 0, err
	}
	D, C, B := ck.Net.Dim(), ck.Net.CondDim(), t.Options.Batch
	if D != t.Source.Dim() || C != t.Source.CondDim() || B < 1 {
		return 0, fmt.Errorf("train: checkpoint %s takes %d values and %d condition values, the source gives %d and %d (batch %d)",
			ck.Path, D, C, t.Source.Dim(), t.Source.CondDim(), B)
	}
	zeroTarget := ck.State.Objective.Kind == "denoising" && ck.State.Objective.Prediction == "eps"
	x0, in, tgt, out := make([]float64, B*D), make([]float64, B*D), make([]float64, B*D), make([]float64, B*D)
	times, w := make([]float64, B), make([]float64, B)
	var cond []float64
	if C > 0 {
		cond = make([]float64, B*C)
	}
	sum := 0.0
	for k := 0; k < batches; k++ {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		step := first + k
		if err := t.Source.Batch(step, x0, cond); err != nil {
			return 0, fmt.Errorf("train: held-out step %d: source: %w", step, err)
		}
		rng := stream.RNG(seed, "train/heldout", uint64(step), "train")
		for b := 0; b < B; b++ {
			lo, hi := b*D, (b+1)*D
			ex, err := obj.Sample(rng, x0[lo:hi], in[lo:hi], tgt[lo:hi])
			if err != nil {
				return 0, err
			}
			for _, i := range ck.State.Inpaint {
				in[lo+i] = x0[lo+i]
				if zeroTarget {
					tgt[lo+i] = 0
				}
			}
			times[b], w[b] = ex.NetTime, ex.Weight
		}
		if err := ck.Predictor.PredictBatch(out, in, times, cond); err != nil {
			return 0, err
		}
		for b := 0; b < B; b++ {
			s := 0.0
			for i := b * D; i < (b+1)*D; i++ {
				r := out[i] - tgt[i]
				s += r * r
			}
			sum += w[b] * s / float64(D)
		}
	}
	return sum / float64(batches*B), nil
}

package diffusion

import (
	"context"
	"fmt"
	"math"

	"github.com/trajdiff/trajdiff/internal/stream"
)

// rollover runs Rollover Budget Forcing for each output in turn (outputs are independent: output o draws
// only from a Philox generator keyed by (seed, o), so it does not depend on how many outputs are asked for).
func (s ParticleSearch) rollover(ctx context.Context, plan *Plan, d Denoiser, r Reward, outputs int, opt ParticleOptions) (*ParticleResult, error) {
	steps, err := stepEvals(plan, true)
	if err != nil {
		return nil, err
	}
	dim := d.Dim()
	res := &ParticleResult{Method: s.Method, K: 1, Plan: plan, X: make([]float64, outputs*dim), Rewards: make([]float64, outputs)}
	rb := &rolloverState{s: s, plan: plan, steps: steps, d: d, r: r, dim: dim, opt: opt, total: outputs * s.Budget}
	for _, st := range steps {
		rb.noise = max(rb.noise, noiseOps(st.tail))
	}
	rb.bufs = make([][]float64, plan.Buffers)
	for i := range rb.bufs {
		rb.bufs[i] = make([]float64, dim)
	}
	for o := 0; o < outputs; o++ {
		reward, err := rb.output(ctx, o, res.X[o*dim:(o+1)*dim])
		if err != nil {
			return nil, err
		}
		res.Rewards[o] = reward
	}
	res.NFE = rb.done
	res.Particles, res.ParticleRewards = res.X, res.Rewards
	return res, nil
}

// rolloverState holds one search's state.
type rolloverState struct {
	s     ParticleSearch
	plan  *Plan
	steps []stepProgram
	d     Denoiser
	r     Reward
	dim   int
	opt   ParticleOptions
	noise int // noise draws per candidate (the most of any step's tail)
	bufs  [][]float64
	done  int // evaluations so far
	total int
}

// evaluate writes D(x, t) (corrected) into dst for the points of x and counts them.
func (rb *rolloverState) evaluate(ctx context.Context, dst, x []float64, t float64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := rb.d.Denoise(dst, x, t); err != nil {
		return fmt.Errorf("diffusion: particle search: denoiser at t = %v: %w", t, err)
	}
	if rb.opt.CorrectX0 != nil {
		if err := rb.opt.CorrectX0(dst, x, t); err != nil {
			return fmt.Errorf("diffusion: particle search: x0 correction: %w", err)
		}
	}
	if err := checkFinite("denoiser output", dst); err != nil {
		return fmt.Errorf("diffusion: particle search at t = %v: %w", t, err)
	}
	rb.done += len(x) / rb.dim
	if rb.opt.Progress != nil {
		rb.opt.Progress(rb.done, rb.total)
	}
	return nil
}

// output searches one output o and writes its sample into out, returning its reward. With N0 initial
// particles and S steps, the other S-1 steps (the last, to t = 0, is the free data step) get a quota of
// q = floor((Budget-N0)/(S-1)) candidates plus what the previous step left; the last of them spends all
// that remain, so exactly Budget evaluations are used.
func (rb *rolloverState) output(ctx context.Context, o int, out []float64) (float64, error) {
	s, dim, times := rb.s, rb.dim, rb.plan.Times
	rng := NewPhilox(stream.RNG(rb.opt.Seed, "diffusion/particles", uint64(o), "rollover").Uint64())
	n0 := s.initialParticles()
	// Initial noises, scored by the reward of their predictions at TMax.
	xs, ds, rw := make([]float64, n0*dim), make([]float64, n0*dim), make([]float64, n0)
	rng.FillNormal(xs, 0, 0)
	for i := range xs {
		xs[i] *= s.Process.Sigma(times[0])
	}
	if c := rb.opt.Condition; c != nil {
		if err := c.Condition(xs, times[0], s.Process.Alpha(times[0]), s.Process.Sigma(times[0])); err != nil {
			return 0, fmt.Errorf("diffusion: particle search: condition: %w", err)
		}
	}
	if err := rb.evaluate(ctx, ds, xs, times[0]); err != nil {
		return 0, err
	}
	if err := scoreRewards(rb.r, rw, ds); err != nil {
		return 0, err
	}
	b := firstArgmax(rw)
	x, d := append([]float64(nil), xs[b*dim:(b+1)*dim]...), append([]float64(nil), ds[b*dim:(b+1)*dim]...)
	best := rw[b]
	left := s.Budget - n0
	quota := 0
	if len(rb.steps) > 1 {
		quota = left / (len(rb.steps) - 1)
	}
	carry := 0
	cand, candD, one := make([]float64, dim), make([]float64, dim), make([]float64, 1)
	stepX, stepD := make([]float64, dim), make([]float64, dim)
	var drawn uint32 // candidates drawn so far: candidate c uses noise streams 1 + c*noise, ...
	last := len(rb.steps) - 1
	for i := 0; i < last; i++ {
		// Each later step keeps at least one candidate; the last spends the rest.
		q := min(quota+carry, left-(last-1-i))
		if i == last-1 {
			q = left
		}
		stepBest := math.Inf(-1)
		accepted := false
		for c := 0; c < q; c++ {
			copy(rb.bufs[StateBuffer], x)
			copy(rb.bufs[rb.steps[i].eval], d)
			if err := runStepTail(rb.steps[i].tail, rb.bufs, rng, 1+drawn*uint32(rb.noise), rb.opt.Condition); err != nil {
				return 0, err
			}
			drawn++
			copy(cand, rb.bufs[StateBuffer])
			if err := rb.evaluate(ctx, candD, cand, times[i+1]); err != nil {
				return 0, err
			}
			left--
			if err := scoreRewards(rb.r, one, candD); err != nil {
				return 0, err
			}
			if c == 0 || one[0] > stepBest {
				stepBest = one[0]
				copy(stepX, cand)
				copy(stepD, candD)
			}
			// A candidate better than every earlier one ends the step; the quota's rest rolls over.
			if one[0] > best && i < last-1 {
				best, carry, accepted = one[0], q-c-1, true
				break
			}
		}
		if !accepted {
			carry = 0
		}
		copy(x, stepX)
		copy(d, stepD)
	}
	// The last step (to t = 0) needs no evaluation: it maps (x, D) to the sample.
	copy(rb.bufs[StateBuffer], x)
	copy(rb.bufs[rb.steps[last].eval], d)
	if err := runStepTail(rb.steps[last].tail, rb.bufs, rng, 1+drawn*uint32(rb.noise), rb.opt.Condition); err != nil {
		return 0, err
	}
	copy(out, rb.bufs[StateBuffer])
	if err := checkFinite("sample", out); err != nil {
		return 0, fmt.Errorf("diffusion: particle search: %w", err)
	}
	if err := scoreRewards(rb.r, one, out); err != nil {
		return 0, err
	}
	return one[0], nil
}

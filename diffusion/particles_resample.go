package diffusion

import (
	"context"
	"fmt"
	"math"
	"sort"

	"github.com/trajdiff/trajdiff/internal/stream"
)

// population runs BestOfN and ParticleResample: outputs x K particles through one Executor run of the plan,
// the resampling (if any) hooked in after the evaluation of the state at each chosen step, where the
// particles' states and predictions are the only live buffers (stepEvals); then each output keeps its
// final particle of highest reward.
func (s ParticleSearch) population(ctx context.Context, plan *Plan, d Denoiser, r Reward, outputs int, opt ParticleOptions) (*ParticleResult, error) {
	dim, k := d.Dim(), s.Budget/plan.NFE
	n := outputs * k
	x := make([]float64, n*dim)
	particleInitialNoise(x, s.Process, plan.Times[0], opt.Seed)
	res := &ParticleResult{Method: s.Method, K: k, NFE: outputs * s.Budget, Plan: plan}
	run := RunOptions{Seed: opt.Seed, Condition: opt.Condition}
	if opt.Progress != nil {
		run.Progress = func(done, total int) { opt.Progress(done*n*plan.NFE/total, n*plan.NFE) }
	}
	rs := &particleResampler{s: s, r: r, dim: dim, k: k, seed: opt.Seed, rewards: make([]float64, n)}
	every := max(s.ResampleEvery, 1)
	step := 0
	run.CorrectX0 = func(x0, xs []float64, t float64) error {
		if opt.CorrectX0 != nil {
			if err := opt.CorrectX0(x0, xs, t); err != nil {
				return err
			}
		}
		if &xs[0] != &x[0] {
			return nil // an inner evaluation (Heun's corrector), not the state's
		}
		i := step
		step++
		if s.Method != ParticleResample || i%every != 0 {
			return nil
		}
		return rs.resample(i, xs, x0)
	}
	if err := NewExecutor(plan, len(x)).Run(ctx, d, x, run); err != nil {
		return nil, fmt.Errorf("diffusion: particle search: %w", err)
	}
	if err := scoreRewards(r, rs.rewards, x); err != nil {
		return nil, err
	}
	res.Particles, res.ParticleRewards = x, rs.rewards
	res.X, res.Rewards = make([]float64, outputs*dim), make([]float64, outputs)
	for o := 0; o < outputs; o++ {
		b := o*k + firstArgmax(rs.rewards[o*k:(o+1)*k])
		copy(res.X[o*dim:(o+1)*dim], x[b*dim:(b+1)*dim])
		res.Rewards[o] = rs.rewards[b]
	}
	return res, nil
}

// particleResampler replaces each output's K particles by K draws among them by reward.
type particleResampler struct {
	s       ParticleSearch
	r       Reward
	dim, k  int
	seed    uint64
	rewards []float64
	anc     []int
	scratch []float64
}

// resample scores the predictions x0 of the particles xs at step i and overwrites both with the chosen
// ancestors' rows, output by output.
func (rs *particleResampler) resample(i int, xs, x0 []float64) error {
	if err := scoreRewards(rs.r, rs.rewards, x0); err != nil {
		return err
	}
	rng := stream.RNG(rs.seed, "diffusion/particles", uint64(i), "resample")
	k := rs.k
	if cap(rs.anc) < len(rs.rewards) {
		rs.anc = make([]int, len(rs.rewards))
		rs.scratch = make([]float64, len(xs))
	}
	anc := rs.anc[:len(rs.rewards)]
	for o := 0; o < len(rs.rewards)/k; o++ {
		g := anc[o*k : (o+1)*k]
		rw := rs.rewards[o*k : (o+1)*k]
		if rs.s.TopK > 0 {
			resampleTopK(g, rw, rs.s.TopK)
		} else {
			resampleMultinomial(g, rw, rs.s.Temperature, rng.Float64)
		}
		for j := range g {
			g[j] += o * k
		}
	}
	for _, buf := range [][]float64{xs, x0} {
		tmp := rs.scratch[:len(buf)]
		copy(tmp, buf)
		for j, a := range anc {
			copy(buf[j*rs.dim:(j+1)*rs.dim], tmp[a*rs.dim:(a+1)*rs.dim])
		}
	}
	return nil
}

// resampleMultinomial draws len(anc) ancestors with probabilities softmax(r/temperature), by inversion of the
// cumulative weights with uniforms from u. All -Inf rewards give uniform weights.
func resampleMultinomial(anc []int, r []float64, temperature float64, u func() float64) {
	top := r[firstArgmax(r)]
	w := make([]float64, len(r))
	total := 0.0
	for i, v := range r {
		if !math.IsInf(top, -1) {
			w[i] = math.Exp((v - top) / temperature)
		} else {
			w[i] = 1
		}
		total += w[i]
	}
	for j := range anc {
		target, acc := u()*total, 0.0
		anc[j] = len(r) - 1
		for i, wi := range w {
			if acc += wi; target < acc {
				anc[j] = i
				break
			}
		}
	}
}

// resampleTopK keeps the keep particles of highest reward (ties by index) and fills the population with copies of
// them in rank order: survivor m gets ceil or floor of K/keep copies, the better ones the extra copies.
func resampleTopK(anc []int, r []float64, keep int) {
	idx := make([]int, len(r))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return r[idx[a]] > r[idx[b]] })
	for j := range anc {
		anc[j] = idx[j%keep]
	}
	sort.Ints(anc)
}

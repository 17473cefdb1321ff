package diffusion

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync"
)

// RunOptions configures one execution of a Plan.
type RunOptions struct {
	// Seed keys the Philox noise streams; the same seed gives the same sample on any number of workers.
	Seed uint64
	// Condition, if set, is applied to the state at the start and after every step (OpCondition), e.g.
	// Inpaint to clamp known entries as Diffuser does with start and goal states.
	Condition Conditioner
	// CorrectX0, if set, is applied to every denoiser output (dst holds D(x, t) for state x) before the
	// solver uses it: clipping, thresholding or a projection onto constraints.
	CorrectX0 func(x0, x []float64, t float64) error
	// Progress, if set, is called after each completed step with (done, total) steps.
	Progress func(done, total int)
	// Workers bounds the goroutines used for linear combinations and noise; 0 means GOMAXPROCS.
	Workers int
	// NonFinite, if set, isolates a diverging example instead of failing the run: when the denoiser output
	// of example j (values [j d, (j+1) d) for the denoiser's dimension d) has a NaN or Inf, NonFinite(j, t)
	// is called once, that example's denoiser outputs are zero from then on and its final state is NaN.
	// Every executor op acts element-wise, so the other examples come out exactly as in a run without it.
	NonFinite func(example int, t float64)
}

// Conditioner modifies the state in place at time t (alpha, sigma at t are given).
type Conditioner interface {
	Condition(x []float64, t, alpha, sigma float64) error
}

// Executor runs Plans on the CPU. It owns the plan's buffers for a batch of a fixed size, so repeated runs
// allocate nothing.
type Executor struct {
	plan *Plan
	n    int
	bufs [][]float64
	wg   sync.WaitGroup
	jobs chan job // work for the helper goroutines of the current Run
}

// job is a chunk [lo, hi) of a combine or noise op.
type job struct {
	op     *Op
	lo, hi int
}

// parallelMin is the buffer length above which combinations are split across goroutines.
const parallelMin = 1 << 15

// NewExecutor allocates the buffers to run plan on batches of n values (points x dimension).
func NewExecutor(plan *Plan, n int) *Executor {
	e := &Executor{plan: plan, n: n, bufs: make([][]float64, plan.Buffers)}
	for i := 1; i < plan.Buffers; i++ {
		e.bufs[i] = make([]float64, n)
	}
	return e
}

// Sample runs plan with denoiser d on the batch x (initial noise in, sample out) in place.
func Sample(ctx context.Context, plan *Plan, d Denoiser, x []float64, opt RunOptions) error {
	return NewExecutor(plan, len(x)).Run(ctx, d, x, opt)
}

// Run executes the plan on x in place. It checks ctx between ops and stops with ctx.Err().
func (e *Executor) Run(ctx context.Context, d Denoiser, x []float64, opt RunOptions) error {
	if len(x) != e.n {
		return fmt.Errorf("diffusion: executor built for %d values, got %d", e.n, len(x))
	}
	if dim := d.Dim(); dim <= 0 || len(x)%dim != 0 {
		return fmt.Errorf("diffusion: batch of %d values is not a multiple of the denoiser's dimension %d", len(x), d.Dim())
	}
	if err := e.plan.CheckDim(d.Dim()); err != nil {
		return err
	}
	if err := checkFinite("initial state", x); err != nil {
		return err
	}
	e.bufs[StateBuffer] = x
	defer func() { e.bufs[StateBuffer] = nil }()
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	rng := NewPhilox(opt.Seed)
	if workers > 1 && e.n >= parallelMin {
		// Helper goroutines live for the whole run, so that steps allocate nothing.
		e.jobs = make(chan job, workers)
		for w := 1; w < workers; w++ {
			go e.worker(rng)
		}
		defer func() { close(e.jobs); e.jobs = nil }()
	}
	steps := e.plan.Steps()
	var failed []bool // examples isolated by opt.NonFinite
	for i := range e.plan.Ops {
		op := &e.plan.Ops[i]
		if err := ctx.Err(); err != nil {
			return err
		}
		switch op.Kind {
		case OpEval:
			dst, src := e.bufs[op.Dst], e.bufs[op.Src]
			if err := d.Denoise(dst, src, op.T); err != nil {
				return fmt.Errorf("diffusion: %s step %d: denoiser at t = %v: %w", e.plan.Solver, op.Step, op.T, err)
			}
			if opt.CorrectX0 != nil {
				if err := opt.CorrectX0(dst, src, op.T); err != nil {
					return fmt.Errorf("diffusion: %s step %d: x0 correction: %w", e.plan.Solver, op.Step, err)
				}
			}
			if opt.NonFinite != nil {
				failed = isolate(dst, d.Dim(), failed, op.T, opt.NonFinite)
			} else if err := checkFinite("denoiser output", dst); err != nil {
				return fmt.Errorf("diffusion: %s step %d at t = %v: %w", e.plan.Solver, op.Step, op.T, err)
			}
		case OpCombine, OpNoise, OpCombineDim:
			e.parallel(workers, op, rng)
		case OpCondition:
			if opt.Condition != nil {
				if err := opt.Condition.Condition(e.bufs[op.Dst], op.T, op.Alpha, op.Sigma); err != nil {
					return fmt.Errorf("diffusion: %s step %d: condition: %w", e.plan.Solver, op.Step, err)
				}
			}
			if op.Dst == StateBuffer && opt.Progress != nil && i > 0 {
				opt.Progress(op.Step+1, steps)
			}
		}
	}
	if opt.NonFinite != nil {
		// The sample itself may still overflow for an example whose outputs were finite.
		dim := d.Dim()
		failed = isolate(x, dim, failed, 0, opt.NonFinite)
		for j, f := range failed {
			if f {
				for k := j * dim; k < (j+1)*dim; k++ {
					x[k] = math.NaN()
				}
			}
		}
		return nil
	}
	return checkFinite("sample", x)
}

// isolate zeroes the denoiser outputs of failed examples and of examples with a non-finite value, calling
// report once for each newly failed one; it returns the (possibly allocated) failure mask.
func isolate(out []float64, dim int, failed []bool, t float64, report func(int, float64)) []bool {
	if failed == nil {
		failed = make([]bool, len(out)/dim)
	}
	for j := range failed {
		v := out[j*dim : (j+1)*dim]
		if !failed[j] {
			for _, x := range v {
				if math.IsNaN(x) || math.IsInf(x, 0) {
					failed[j] = true
					report(j, t)
					break
				}
			}
		}
		if failed[j] {
			clear(v)
		}
	}
	return failed
}

// parallel applies a combine or noise op over the batch, split into contiguous chunks: the first is done by
// the calling goroutine, the others by the run's helpers.
func (e *Executor) parallel(workers int, op *Op, rng Philox4x32) {
	n := e.n
	if e.jobs == nil {
		e.apply(op, rng, 0, n)
		return
	}
	chunk := (n + workers - 1) / workers
	chunk = (chunk + 7) &^ 7
	for lo := chunk; lo < n; lo += chunk {
		e.wg.Add(1)
		e.jobs <- job{op: op, lo: lo, hi: min(lo+chunk, n)}
	}
	e.apply(op, rng, 0, min(chunk, n))
	e.wg.Wait()
}

func (e *Executor) worker(rng Philox4x32) {
	for j := range e.jobs {
		e.apply(j.op, rng, j.lo, j.hi)
		e.wg.Done()
	}
}

func (e *Executor) apply(op *Op, rng Philox4x32, lo, hi int) {
	if op.Kind == OpNoise {
		rng.FillNormal(e.bufs[op.Dst][lo:hi], uint32(op.Stream), lo)
		return
	}
	if op.Kind == OpCombineDim {
		combineDim(e.bufs, op, lo, hi)
		return
	}
	combine(e.bufs, op.Dst, op.Terms, lo, hi)
}

// combineDim computes an OpCombineDim on values [lo, hi): value i has coordinate i mod d. Each output value
// is accumulated before it is written, so Dst may be among the terms.
func combineDim(bufs [][]float64, op *Op, lo, hi int) {
	d := op.dim()
	out := bufs[op.Dst]
	j := lo % d
	for i := lo; i < hi; i++ {
		acc := 0.0
		if op.Bias != nil {
			acc = op.Bias[j]
		}
		for k, t := range op.Terms {
			acc += t.Coef * op.Vecs[k][j] * bufs[t.Buf][i]
		}
		out[i] = acc
		if j++; j == d {
			j = 0
		}
	}
}

// combine computes bufs[dst][lo:hi] = sum_k c_k bufs[b_k][lo:hi] with one pass over memory. The common
// term counts are unrolled so that the loop body is a few fused multiply-adds per element.
func combine(bufs [][]float64, dst int, terms []Term, lo, hi int) {
	out := bufs[dst][lo:hi]
	switch len(terms) {
	case 0:
		clear(out)
	case 1:
		c0, b0 := terms[0].Coef, bufs[terms[0].Buf][lo:hi]
		b0 = b0[:len(out)]
		for i := range out {
			out[i] = c0 * b0[i]
		}
	case 2:
		c0, b0 := terms[0].Coef, bufs[terms[0].Buf][lo:hi]
		c1, b1 := terms[1].Coef, bufs[terms[1].Buf][lo:hi]
		b0, b1 = b0[:len(out)], b1[:len(out)]
		for i := range out {
			out[i] = c0*b0[i] + c1*b1[i]
		}
	case 3:
		c0, b0 := terms[0].Coef, bufs[terms[0].Buf][lo:hi]
		c1, b1 := terms[1].Coef, bufs[terms[1].Buf][lo:hi]
		c2, b2 := terms[2].Coef, bufs[terms[2].Buf][lo:hi]
		b0, b1, b2 = b0[:len(out)], b1[:len(out)], b2[:len(out)]
		for i := range out {
			out[i] = c0*b0[i] + c1*b1[i] + c2*b2[i]
		}
	case 4:
		c0, b0 := terms[0].Coef, bufs[terms[0].Buf][lo:hi]
		c1, b1 := terms[1].Coef, bufs[terms[1].Buf][lo:hi]
		c2, b2 := terms[2].Coef, bufs[terms[2].Buf][lo:hi]
		c3, b3 := terms[3].Coef, bufs[terms[3].Buf][lo:hi]
		b0, b1, b2, b3 = b0[:len(out)], b1[:len(out)], b2[:len(out)], b3[:len(out)]
		for i := range out {
			out[i] = c0*b0[i] + c1*b1[i] + c2*b2[i] + c3*b3[i]
		}
	default:
		// Blocked so each block of out stays in cache while the terms stream through it.
		const block = 1024
		for s := 0; s < len(out); s += block {
			e := min(s+block, len(out))
			o := out[s:e]
			var tmp [block]float64
			acc := tmp[:len(o)]
			for _, t := range terms {
				c, b := t.Coef, bufs[t.Buf][lo+s:lo+e]
				b = b[:len(acc)]
				for i := range acc {
					acc[i] += c * b[i]
				}
			}
			copy(o, acc)
		}
	}
}

// checkFinite reports the first NaN or Inf in v.
func checkFinite(what string, v []float64) error {
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("%s has non-finite value %v at index %d", what, x, i)
		}
	}
	return nil
}

//go:build cuda || trajdiff_cuda

package gpu

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"reflect"
	"slices"
	"unsafe"

	"gorgonia.org/cu"

	"github.com/trajdiff/trajdiff/diffusion"
)

// Denoiser is an x0-predictor on the device: Denoise enqueues dst = D(x, t) on s for a batch of points of Dim
// values. It must only enqueue work on s (kernel launches, copies between device buffers): no
// synchronisation, allocation or host copy, so that the executor can capture it into a CUDA graph.
type Denoiser interface {
	Dim() int
	Denoise(s *Stream, dst, x Buffer, t float64) error
}

// Conditioner modifies the state on the device at time t (see diffusion.Conditioner); the Denoiser's rules
// apply.
type Conditioner interface {
	Condition(s *Stream, x Buffer, t, alpha, sigma float64) error
}

// X0Corrector modifies every denoiser output x0 = D(x, t) before the solver uses it (see
// diffusion.RunOptions.CorrectX0); the Denoiser's rules apply.
type X0Corrector interface {
	CorrectX0(s *Stream, x0, x Buffer, t float64) error
}

// RunOptions configures one execution of a plan on the GPU.
type RunOptions struct {
	// Seed keys the Philox noise streams, as diffusion.RunOptions.Seed: the same seed gives the CPU's noise.
	Seed uint64
	// Condition and CorrectX0 are optional, as in diffusion.RunOptions.
	Condition Conditioner
	CorrectX0 X0Corrector
	// Progress, if set, is called after each completed step with (done, total) steps; the executor then waits
	// for each step to finish.
	Progress func(done, total int)
	// NonFinite, if set, isolates a diverging example instead of failing the run, as diffusion.RunOptions.NonFinite
	// does on the CPU: when the (corrected) denoiser output of example j (values [j d, (j+1) d) for the
	// denoiser's dimension d) has a NaN or Inf, that example's denoiser outputs are zero from then on and its
	// final state is NaN; an example whose final state is non-finite is reported at t = 0. Every kernel of a
	// plan and every network on the device acts on each example alone, so the other examples come out bit for
	// bit as in a run without it. The device marks each example's first failing evaluation without
	// synchronising (graph capture included); NonFinite(j, t) is called once per failed example after the
	// run, in the CPU's order (by evaluation, then by example).
	NonFinite func(example int, t float64)
	// Graph replays each sampler step as a CUDA graph, captured on the first run (and again whenever the
	// denoiser, conditioner or corrector passed differs from the captured one). Call Executor.Invalidate after
	// changing what a captured object launches.
	Graph bool
}

// Executor runs a compiled plan on the GPU for batches of a fixed size. It owns the plan's buffers (the state
// is buffer 0, see State) and a stream. It is not safe for concurrent use.
type Executor struct {
	d        *Device
	prog     *Program
	n        int
	s        *Stream
	bufs     []Buffer
	key      cu.DevicePtr // 2 words: the Philox key of the current run
	counters cu.DevicePtr // NFE + 1 counts of non-finite values (each evaluation, the final state)
	marks    cu.DevicePtr // per example of an isolating run (RunOptions.NonFinite): 0, or 1 + the evaluation at which it first went non-finite (NFE + 1: the sample)
	markDim  int          // the example size marks is laid out for (0: not allocated)
	dimCoefs cu.DevicePtr // the program's per-dimension coefficient vectors (0 if it has none)

	graphs   []*graph // one per Program range (nil for a range with no work), nil until captured
	captured [3]any   // the denoiser, conditioner and corrector the graphs were captured with
	capDim   int      // the example size the graphs isolate (0: they count non-finite values per evaluation)
	captures int      // how many times the graphs were captured
}

// NewExecutor compiles plan and allocates its buffers for batches of n values.
func NewExecutor(d *Device, plan *diffusion.Plan, n int) (*Executor, error) {
	prog, err := Compile(plan)
	if err != nil {
		return nil, err
	}
	if n < 1 {
		return nil, fmt.Errorf("gpu: executor for %d values", n)
	}
	if prog.Dim > 0 && n%prog.Dim != 0 {
		return nil, fmt.Errorf("gpu: %s combines per dimension in %d dimensions; a batch of %d values is not a multiple", plan.Solver, prog.Dim, n)
	}
	e := &Executor{d: d, prog: prog, n: n, bufs: make([]Buffer, prog.Buffers)}
	fail := func(err error) (*Executor, error) {
		e.Close()
		return nil, err
	}
	if e.s, err = d.NewStream(); err != nil {
		return fail(err)
	}
	for i := range e.bufs {
		if e.bufs[i], err = d.Alloc(n); err != nil {
			return fail(fmt.Errorf("gpu: %s buffer %d: %w", plan.Solver, i, err))
		}
	}
	if e.key, err = d.alloc(8); err != nil {
		return fail(err)
	}
	if e.counters, err = d.alloc(8 * int64(prog.NFE+1)); err != nil {
		return fail(err)
	}
	// The per-dimension coefficients are constant for the plan: uploaded once here, read by every run and
	// every captured graph.
	if len(prog.DimCoefs) > 0 {
		bytes := 8 * int64(len(prog.DimCoefs))
		if e.dimCoefs, err = d.alloc(bytes); err != nil {
			return fail(fmt.Errorf("gpu: %s per-dimension coefficients: %w", plan.Solver, err))
		}
		if err = d.copyHtoD(e.dimCoefs, unsafe.Pointer(&prog.DimCoefs[0]), bytes); err != nil {
			return fail(fmt.Errorf("gpu: %s per-dimension coefficients: %w", plan.Solver, err))
		}
	}
	return e, nil
}

// Program is the compiled plan.
func (e *Executor) Program() *Program { return e.prog }

// State is the state buffer: the initial noise before a run, the sample after it.
func (e *Executor) State() Buffer { return e.bufs[diffusion.StateBuffer] }

// Stream is the stream the executor runs on; denoisers receive it.
func (e *Executor) Stream() *Stream { return e.s }

// Run uploads x (initial noise), runs the plan and downloads the sample into x.
func (e *Executor) Run(ctx context.Context, den Denoiser, x []float32, opt RunOptions) error {
	if len(x) != e.n {
		return fmt.Errorf("gpu: executor built for %d values, got %d", e.n, len(x))
	}
	if err := e.s.Upload(e.State(), x); err != nil {
		return err
	}
	if err := e.RunDevice(ctx, den, opt); err != nil {
		return err
	}
	return e.s.Download(x, e.State())
}

// RunDevice runs the plan on the state already in State(), in place, and waits for it. It checks ctx between
// steps and stops with ctx.Err().
func (e *Executor) RunDevice(ctx context.Context, den Denoiser, opt RunOptions) error {
	plan := e.prog.Plan
	if dim := den.Dim(); dim <= 0 || e.n%dim != 0 {
		return fmt.Errorf("gpu: batch of %d values is not a multiple of the denoiser's dimension %d", e.n, den.Dim())
	}
	if d := e.prog.Dim; d > 0 && den.Dim() != d {
		return fmt.Errorf("gpu: %s has per-dimension coefficients of dimension %d, the denoiser has %d", plan.Solver, d, den.Dim())
	}
	if opt.NonFinite != nil {
		if err := e.allocMarks(den.Dim()); err != nil {
			return err
		}
	}
	key := [2]uint32{uint32(opt.Seed), uint32(opt.Seed >> 32)}
	err := e.d.do(func() error {
		if err := cu.MemcpyHtoDAsync(e.key, unsafe.Pointer(&key[0]), 8, e.s.s); err != nil {
			return fmt.Errorf("gpu: writing the seed: %w", err)
		}
		if opt.NonFinite != nil {
			if err := cu.MemsetD8Async(e.marks, 0, 8*int64(e.n/e.markDim), e.s.s); err != nil {
				return fmt.Errorf("gpu: clearing the examples' non-finite marks: %w", err)
			}
			return nil
		}
		if err := cu.MemsetD8Async(e.counters, 0, 8*int64(e.prog.NFE+1), e.s.s); err != nil {
			return fmt.Errorf("gpu: clearing the non-finite counters: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if opt.Graph {
		if err := e.capture(den, opt); err != nil {
			return err
		}
	}
	steps := plan.Steps()
	for ri, r := range e.prog.Ranges {
		if err := ctx.Err(); err != nil {
			e.s.Synchronize()
			return err
		}
		err := e.d.do(func() error {
			if opt.Graph {
				if g := e.graphs[ri]; g != nil {
					return g.launch(e.s.s)
				}
				return nil
			}
			return e.enqueue(r, den, opt)
		})
		if err != nil {
			e.s.Synchronize()
			return fmt.Errorf("gpu: %s step %d: %w", plan.Solver, r.Step, err)
		}
		if opt.Progress != nil {
			for _, l := range e.prog.Launches[r.Lo:r.Hi] {
				if l.Progress {
					if err := e.s.Synchronize(); err != nil {
						return fmt.Errorf("gpu: %s step %d: %w", plan.Solver, r.Step, err)
					}
					opt.Progress(l.Step+1, steps)
				}
			}
		}
	}
	if opt.NonFinite != nil {
		return e.finishIsolated(opt.NonFinite)
	}
	return e.finish()
}

// allocMarks lays out the per-example marks of an isolating run for examples of dim values (a new size drops
// the graphs captured with the old buffer).
func (e *Executor) allocMarks(dim int) error {
	if e.markDim == dim {
		return nil
	}
	if err := e.Invalidate(); err != nil {
		return err
	}
	if err := e.d.free(e.marks); err != nil {
		return err
	}
	e.marks, e.markDim = 0, 0
	p, err := e.d.alloc(8 * int64(e.n/dim))
	if err != nil {
		return fmt.Errorf("gpu: %s: non-finite marks of %d examples: %w", e.prog.Plan.Solver, e.n/dim, err)
	}
	e.marks, e.markDim = p, dim
	return nil
}

// enqueue launches the kernels of one step range (context current).
func (e *Executor) enqueue(r StepRange, den Denoiser, opt RunOptions) error {
	for _, l := range e.prog.Launches[r.Lo:r.Hi] {
		switch l.Kind {
		case LaunchEval:
			dst, src := e.bufs[l.Dst], e.bufs[l.Src]
			if err := den.Denoise(e.s, dst, src, l.T); err != nil {
				return fmt.Errorf("denoiser at t = %v: %w", l.T, err)
			}
			if opt.CorrectX0 != nil {
				if err := opt.CorrectX0.CorrectX0(e.s, dst, src, l.T); err != nil {
					return fmt.Errorf("x0 correction: %w", err)
				}
			}
			if opt.NonFinite != nil {
				// Mark the examples that fail here, then zero the outputs of every failed one.
				if err := e.s.markNonfiniteRows(dst, e.markDim, e.marks, int64(l.Eval+1)); err != nil {
					return err
				}
				if err := e.s.fillMarkedRows(dst, e.markDim, e.marks, 0); err != nil {
					return err
				}
			} else if err := e.s.countNonfinite(dst, e.counters+cu.DevicePtr(8*l.Eval)); err != nil {
				return err
			}
		case LaunchCombine:
			if err := e.s.combine(e.bufs, l.Combine); err != nil {
				return err
			}
		case LaunchCombineDim:
			if err := e.s.combineDim(e.bufs, e.dimCoefs, e.prog.Dim, l.CombineDim); err != nil {
				return err
			}
		case LaunchNoise:
			if err := e.s.normal(e.bufs[l.Dst], e.key, l.Stream); err != nil {
				return err
			}
		case LaunchCondition:
			if opt.Condition != nil {
				if err := opt.Condition.Condition(e.s, e.bufs[l.Dst], l.T, l.Alpha, l.Sigma); err != nil {
					return fmt.Errorf("condition: %w", err)
				}
			}
		}
	}
	return nil
}

// finish counts non-finite values of the sample, waits, and reports the first evaluation (or the sample) that
// had any.
func (e *Executor) finish() error {
	nfe := e.prog.NFE
	counts := make([]uint64, nfe+1)
	err := e.d.do(func() error {
		if err := e.s.countNonfinite(e.State(), e.counters+cu.DevicePtr(8*nfe)); err != nil {
			return err
		}
		if err := cu.MemcpyDtoHAsync(unsafe.Pointer(&counts[0]), e.counters, 8*int64(nfe+1), e.s.s); err != nil {
			return fmt.Errorf("gpu: reading the non-finite counters: %w", err)
		}
		if err := e.s.s.Synchronize(); err != nil {
			return fmt.Errorf("gpu: %s: %w", e.prog.Plan.Solver, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, l := range e.prog.Launches {
		if l.Kind == LaunchEval && counts[l.Eval] > 0 {
			return fmt.Errorf("gpu: %s step %d at t = %v: denoiser output has %d non-finite values",
				e.prog.Plan.Solver, l.Step, l.T, counts[l.Eval])
		}
	}
	if counts[nfe] > 0 {
		return fmt.Errorf("gpu: %s: sample has %d non-finite values", e.prog.Plan.Solver, counts[nfe])
	}
	return nil
}

// finishIsolated marks the examples whose sample is non-finite, sets every failed example's sample to NaN,
// waits, and reports each failed example once to report, by evaluation and then by example (the CPU's order),
// with the time of its first non-finite denoiser output (0 for the sample).
func (e *Executor) finishIsolated(report func(int, float64)) error {
	nfe, rows := e.prog.NFE, e.n/e.markDim
	marks := make([]int64, rows)
	err := e.d.do(func() error {
		if err := e.s.markNonfiniteRows(e.State(), e.markDim, e.marks, int64(nfe+1)); err != nil {
			return err
		}
		if err := e.s.fillMarkedRows(e.State(), e.markDim, e.marks, math.NaN()); err != nil {
			return err
		}
		if err := cu.MemcpyDtoHAsync(unsafe.Pointer(&marks[0]), e.marks, 8*int64(rows), e.s.s); err != nil {
			return fmt.Errorf("gpu: reading the examples' non-finite marks: %w", err)
		}
		if err := e.s.s.Synchronize(); err != nil {
			return fmt.Errorf("gpu: %s: %w", e.prog.Plan.Solver, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	times := make([]float64, nfe+2) // by mark: the evaluation's time, 0 for the sample
	for _, l := range e.prog.Launches {
		if l.Kind == LaunchEval {
			times[l.Eval+1] = l.T
		}
	}
	var failed []int
	for j, m := range marks {
		if m < 0 || m > int64(nfe+1) {
			return fmt.Errorf("gpu: %s: example %d has the non-finite mark %d of %d evaluations", e.prog.Plan.Solver, j, m, nfe)
		}
		if m != 0 {
			failed = append(failed, j)
		}
	}
	slices.SortStableFunc(failed, func(a, b int) int { return cmp.Compare(marks[a], marks[b]) })
	for _, j := range failed {
		report(j, times[marks[j]])
	}
	return nil
}

// capture records one graph per step range unless the current graphs were captured with the same objects
// and isolation.
func (e *Executor) capture(den Denoiser, opt RunOptions) error {
	objs := [3]any{den, opt.Condition, opt.CorrectX0}
	dim := 0
	if opt.NonFinite != nil {
		dim = e.markDim
	}
	if e.graphs != nil && sameObjects(objs, e.captured) && dim == e.capDim {
		return nil
	}
	if err := e.Invalidate(); err != nil {
		return err
	}
	graphs := make([]*graph, len(e.prog.Ranges))
	err := e.d.do(func() error {
		for ri, r := range e.prog.Ranges {
			if err := beginCapture(e.s.s); err != nil {
				return err
			}
			qerr := e.enqueue(r, den, opt)
			g, err := endCapture(e.s.s)
			if qerr != nil {
				if g != nil {
					g.destroy()
				}
				return fmt.Errorf("gpu: capturing step %d: %w", r.Step, qerr)
			}
			if err != nil {
				return fmt.Errorf("gpu: capturing step %d: %w", r.Step, err)
			}
			if g.nodes == 0 { // nothing to replay (e.g. only a condition mark without a Conditioner)
				if err := g.destroy(); err != nil {
					return err
				}
				g = nil
			}
			graphs[ri] = g
		}
		return nil
	})
	if err != nil {
		for _, g := range graphs {
			if g != nil {
				g.destroy()
			}
		}
		return err
	}
	e.graphs, e.captured, e.capDim = graphs, objs, dim
	e.captures++
	return nil
}

// Captures is the number of times the executor has captured its step graphs (a graph run that replays the
// current graphs does not count).
func (e *Executor) Captures() int { return e.captures }

// sameObjects compares the captured objects by identity: equal pointers (or equal comparable values).
func sameObjects(a, b [3]any) bool {
	for i := range a {
		if a[i] == nil || b[i] == nil {
			if a[i] != b[i] {
				return false
			}
			continue
		}
		ta, tb := reflect.TypeOf(a[i]), reflect.TypeOf(b[i])
		if ta != tb || !ta.Comparable() || a[i] != b[i] {
			return false
		}
	}
	return true
}

// CapturedNodes is the number of graph nodes (kernel launches and copies) per step, or nil before a graph
// run.
func (e *Executor) CapturedNodes() []int {
	if e.graphs == nil {
		return nil
	}
	out := make([]int, len(e.graphs))
	for i, g := range e.graphs {
		if g != nil {
			out[i] = g.nodes
		}
	}
	return out
}

// Invalidate drops the captured graphs; the next graph run captures again.
func (e *Executor) Invalidate() error {
	if e.graphs == nil {
		return nil
	}
	var first error
	err := e.d.do(func() error {
		if err := e.s.s.Synchronize(); err != nil {
			first = fmt.Errorf("gpu: synchronize before dropping graphs: %w", err)
		}
		for _, g := range e.graphs {
			if g == nil {
				continue
			}
			if err := g.destroy(); err != nil && first == nil {
				first = err
			}
		}
		return nil
	})
	e.graphs, e.captured, e.capDim = nil, [3]any{}, 0
	if err != nil {
		return err
	}
	return first
}

// Close releases the graphs, buffers and stream.
func (e *Executor) Close() error {
	var first error
	keep := func(err error) {
		if err != nil && first == nil {
			first = err
		}
	}
	keep(e.Invalidate())
	if e.s != nil {
		keep(e.s.Close())
		e.s = nil
	}
	for i, b := range e.bufs {
		if b.ptr != 0 {
			keep(e.d.Free(b))
			e.bufs[i] = Buffer{}
		}
	}
	keep(e.d.free(e.key))
	keep(e.d.free(e.counters))
	keep(e.d.free(e.dimCoefs))
	keep(e.d.free(e.marks))
	e.key, e.counters, e.dimCoefs, e.marks, e.markDim = 0, 0, 0, 0, 0
	return first
}

package diffusion

import (
	"fmt"
	"math"
	"strings"
)

// A Plan is a sampler compiled for one process and one time grid: a straight-line program over numbered
// buffers of the batch's size. Buffer 0 (StateBuffer) holds the state x, which enters as the initial noise and
// leaves as the sample. Every step of every solver is
//
//	evaluate the denoiser:  buf[dst] = D(buf[src], t)
//	combine linearly:       buf[dst] = sum_i c_i buf[b_i]     (coefficients c_i computed here, in float64)
//	draw noise:             buf[dst] ~ N(0, I)
//
// so one executor runs all solvers (and the GPU package applies the same plans with one generic kernel): no
// solver's mathematics is written twice. Model outputs are always x0-predictions; solvers written in terms of
// eps use eps = (x - alpha D)/sigma, which is again a linear combination of buffers.
type Plan struct {
	Solver  string    // solver name
	Process string    // process name
	Times   []float64 // the time grid, decreasing, ending at 0
	Buffers int       // number of buffers, including the state
	Ops     []Op
	NFE     int // number of denoiser evaluations
}

// StateBuffer is the buffer that holds the sampler's state.
const StateBuffer = 0

// OpKind says what an Op does.
type OpKind uint8

const (
	// OpEval evaluates the denoiser: Dst = D(Src, T).
	OpEval OpKind = iota
	// OpCombine writes a linear combination: Dst = sum Terms[i].Coef * buf[Terms[i].Buf]. Dst may appear
	// among the terms: the combination is elementwise.
	OpCombine
	// OpNoise fills Dst with standard normal noise from stream Stream (see Philox).
	OpNoise
	// OpCondition marks buffer Dst (usually the state) as a sample at time T (after the initial noise and
	// after each step), where conditioning such as inpainting is applied. Alpha and Sigma hold their values
	// at T.
	OpCondition
	// OpCombineDim writes an affine combination with per-dimension coefficients, broadcast over the batch:
	// for value j of an example (j in [0, d)), Dst_j = Bias_j + sum_i Terms[i].Coef Vecs[i][j] buf[Terms[i].Buf]_j.
	// Every vector has the data dimension d (a nil Bias is zero). Solvers whose coefficients depend on the
	// coordinate (DPM-Solver-v3's empirical model statistics) need it; Dst may appear among the terms.
	OpCombineDim
)

// Term is one coefficient-buffer pair of a linear combination.
type Term struct {
	Coef float64
	Buf  int
}

// Op is one instruction of a Plan.
type Op struct {
	Kind   OpKind
	Dst    int
	Src    int     // OpEval: the input buffer
	T      float64 // OpEval, OpCondition: process time
	Step   int     // index of the grid interval the op belongs to
	Stream int     // OpNoise: noise stream index
	Terms  []Term  // OpCombine
	Alpha  float64 // OpCondition: alpha(T)
	Sigma  float64 // OpCondition: sigma(T)
	// OpCombineDim: one coefficient vector per term and an optional bias, each of the data dimension.
	Vecs [][]float64
	Bias []float64
}

// dim is the data dimension of an OpCombineDim (0 if it has no vectors).
func (op *Op) dim() int {
	if op.Bias != nil {
		return len(op.Bias)
	}
	if len(op.Vecs) > 0 {
		return len(op.Vecs[0])
	}
	return 0
}

// CheckDim reports whether every per-dimension op of the plan has vectors of dimension d, one per term, all
// finite; executors call it before running, since a plan with such ops only fits data of that dimension.
func (p *Plan) CheckDim(d int) error {
	for i := range p.Ops {
		op := &p.Ops[i]
		if op.Kind != OpCombineDim {
			continue
		}
		if len(op.Vecs) != len(op.Terms) {
			return fmt.Errorf("diffusion: plan %s op %d has %d coefficient vectors for %d terms", p.Solver, i, len(op.Vecs), len(op.Terms))
		}
		if op.dim() == 0 {
			return fmt.Errorf("diffusion: plan %s op %d combines per dimension with no coefficient vector", p.Solver, i)
		}
		vs := op.Vecs
		if op.Bias != nil {
			vs = append(vs[:len(vs):len(vs)], op.Bias)
		}
		for _, v := range vs {
			if len(v) != d {
				return fmt.Errorf("diffusion: plan %s op %d has per-dimension coefficients of dimension %d, data has %d", p.Solver, i, len(v), d)
			}
			if err := checkFinite("per-dimension coefficient", v); err != nil {
				return fmt.Errorf("diffusion: plan %s op %d: %w", p.Solver, i, err)
			}
		}
	}
	return nil
}

// Steps is the number of grid intervals (len(Times) - 1).
func (p *Plan) Steps() int { return len(p.Times) - 1 }

// String prints the plan as a readable listing, one op per line.
func (p *Plan) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "plan %s on %s: %d steps, %d NFE, %d buffers\n", p.Solver, p.Process, p.Steps(), p.NFE, p.Buffers)
	for _, op := range p.Ops {
		switch op.Kind {
		case OpEval:
			fmt.Fprintf(&b, "  [%d] b%d = D(b%d, t=%.6g)\n", op.Step, op.Dst, op.Src, op.T)
		case OpCombine:
			fmt.Fprintf(&b, "  [%d] b%d =", op.Step, op.Dst)
			for i, t := range op.Terms {
				if i > 0 {
					b.WriteString(" +")
				}
				fmt.Fprintf(&b, " %.6g*b%d", t.Coef, t.Buf)
			}
			b.WriteByte('\n')
		case OpCombineDim:
			fmt.Fprintf(&b, "  [%d] b%d =", op.Step, op.Dst)
			for i, t := range op.Terms {
				if i > 0 {
					b.WriteString(" +")
				}
				fmt.Fprintf(&b, " %.6g*v%d*b%d", t.Coef, i, t.Buf)
			}
			if op.Bias != nil {
				b.WriteString(" + bias")
			}
			fmt.Fprintf(&b, " (per dimension, d = %d)\n", op.dim())
		case OpNoise:
			fmt.Fprintf(&b, "  [%d] b%d = noise(stream %d)\n", op.Step, op.Dst, op.Stream)
		case OpCondition:
			fmt.Fprintf(&b, "  [%d] condition b%d at t=%.6g\n", op.Step, op.Dst, op.T)
		}
	}
	return b.String()
}

// builder assembles a Plan, allocating buffers and checking every coefficient for finiteness, so that a
// solver that would divide by zero or overflow fails at planning time with the step it failed at.
type builder struct {
	plan   Plan
	free   []int
	step   int
	stream int
	err    error
	p      Process
}

func newBuilder(solver string, p Process, times []float64) *builder {
	return &builder{plan: Plan{Solver: solver, Process: p.Name(), Times: append([]float64(nil), times...), Buffers: 1}, p: p}
}

// alloc returns a free buffer index.
func (b *builder) alloc() int {
	if n := len(b.free); n > 0 {
		i := b.free[n-1]
		b.free = b.free[:n-1]
		return i
	}
	b.plan.Buffers++
	return b.plan.Buffers - 1
}

// release returns buffers to the pool.
func (b *builder) release(bufs ...int) {
	for _, i := range bufs {
		if i > StateBuffer {
			b.free = append(b.free, i)
		}
	}
}

func (b *builder) eval(dst, src int, t float64) {
	b.plan.Ops = append(b.plan.Ops, Op{Kind: OpEval, Dst: dst, Src: src, T: t, Step: b.step})
	b.plan.NFE++
}

// combine appends dst = sum terms, merging repeated buffers and dropping exact zeros.
func (b *builder) combine(dst int, terms ...Term) {
	merged := make([]Term, 0, len(terms))
	for _, t := range terms {
		if math.IsNaN(t.Coef) || math.IsInf(t.Coef, 0) {
			if b.err == nil {
				b.err = fmt.Errorf("diffusion: %s: non-finite coefficient %v for buffer %d at step %d (t = %v -> %v)",
					b.plan.Solver, t.Coef, t.Buf, b.step, b.plan.Times[b.step], b.plan.Times[min(b.step+1, len(b.plan.Times)-1)])
			}
			continue
		}
		found := false
		for i := range merged {
			if merged[i].Buf == t.Buf {
				merged[i].Coef += t.Coef
				found = true
				break
			}
		}
		if !found {
			merged = append(merged, t)
		}
	}
	out := merged[:0]
	for _, t := range merged {
		if t.Coef != 0 {
			out = append(out, t)
		}
	}
	// Skip the identity x = 1*x.
	if len(out) == 1 && out[0].Buf == dst && out[0].Coef == 1 {
		return
	}
	b.plan.Ops = append(b.plan.Ops, Op{Kind: OpCombine, Dst: dst, Terms: out, Step: b.step})
}

// noise appends dst ~ N(0, I) on a fresh stream.
func (b *builder) noise(dst int) {
	b.plan.Ops = append(b.plan.Ops, Op{Kind: OpNoise, Dst: dst, Stream: b.stream, Step: b.step})
	b.stream++
}

// condition marks the state as a sample at time t.
func (b *builder) condition(t float64) { b.conditionBuf(StateBuffer, t) }

// conditionBuf marks buffer buf as a sample at time t (e.g. UniPC's corrected state).
func (b *builder) conditionBuf(buf int, t float64) {
	b.plan.Ops = append(b.plan.Ops, Op{Kind: OpCondition, Dst: buf, T: t, Step: b.step,
		Alpha: b.p.Alpha(t), Sigma: b.p.Sigma(t)})
}

func (b *builder) finish() (*Plan, error) {
	if b.err != nil {
		return nil, b.err
	}
	p := b.plan
	return &p, nil
}

// scaled returns terms multiplied by c.
func scaled(c float64, terms ...Term) []Term {
	out := make([]Term, len(terms))
	for i, t := range terms {
		out[i] = Term{c * t.Coef, t.Buf}
	}
	return out
}

// sum concatenates term lists.
func sum(lists ...[]Term) []Term {
	var out []Term
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

package gpu

import (
	"fmt"
	"math"

	"github.com/trajdiff/trajdiff/diffusion"
)

// Per-dimension combinations (diffusion.OpCombineDim, DPM-Solver-v3's steps): their coefficient vectors are
// constant for the plan, so Compile packs them into Program.DimCoefs once and the executor uploads them once;
// a launch only names offsets into that array.

// checkDim validates op i, an OpCombineDim: one vector per term, every vector (and the bias) of the plan's one
// data dimension, all coefficients finite.
func (prog *Program) checkDim(i int, op *diffusion.Op) error {
	plan := prog.Plan
	if len(op.Vecs) != len(op.Terms) {
		return fmt.Errorf("gpu: plan %s op %d has %d coefficient vectors for %d terms", plan.Solver, i, len(op.Vecs), len(op.Terms))
	}
	d := len(op.Bias)
	if op.Bias == nil && len(op.Vecs) > 0 {
		d = len(op.Vecs[0])
	}
	if d == 0 {
		return fmt.Errorf("gpu: plan %s op %d combines per dimension with no coefficient vector", plan.Solver, i)
	}
	if prog.Dim != 0 && d != prog.Dim {
		return fmt.Errorf("gpu: plan %s op %d has per-dimension coefficients of dimension %d, earlier ops %d", plan.Solver, i, d, prog.Dim)
	}
	prog.Dim = d
	vs := op.Vecs
	if op.Bias != nil {
		vs = append(vs[:len(vs):len(vs)], op.Bias)
	}
	for k, v := range vs {
		if len(v) != d {
			return fmt.Errorf("gpu: plan %s op %d: coefficient vector %d has dimension %d, want %d", plan.Solver, i, k, len(v), d)
		}
		for j, x := range v {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return fmt.Errorf("gpu: plan %s op %d: per-dimension coefficient %d of vector %d is %v", plan.Solver, i, j, k, x)
			}
		}
	}
	for _, t := range op.Terms {
		if math.IsNaN(t.Coef) || math.IsInf(t.Coef, 0) {
			return fmt.Errorf("gpu: plan %s op %d: coefficient %v of buffer %d is not finite", plan.Solver, i, t.Coef, t.Buf)
		}
	}
	return nil
}

// dimTerm is a per-dimension term with its scalar coefficient folded into the vector.
type dimTerm struct {
	buf int
	c   []float64
}

// packCombineDim appends op i's vectors to DimCoefs and returns its launches. Each term's vector is
// Coef * Vecs[k][j], the product diffusion's CPU executor forms, so the kernel's sum, taken in the plan's
// term order after the bias, is the CPU's. A combination of more than MaxTerms terms is split as splitCombine
// splits scalar ones: the first launch takes the bias and the destination's own terms (merged into one when
// there are several, so that they all fit) and the next terms, each later launch adds up to MaxTerms-1 more to
// 1 x dst (a vector of ones).
func (prog *Program) packCombineDim(i int, op *diffusion.Op) ([]CombineDimArgs, error) {
	d := prog.Dim
	terms := make([]dimTerm, len(op.Terms))
	for k, t := range op.Terms {
		c := make([]float64, d)
		for j, v := range op.Vecs[k] {
			c[j] = t.Coef * v
			if math.IsInf(c[j], 0) {
				return nil, fmt.Errorf("gpu: plan %s op %d: coefficient %v times per-dimension coefficient %v overflows", prog.Plan.Solver, i, t.Coef, v)
			}
		}
		terms[k] = dimTerm{buf: t.Buf, c: c}
	}
	if len(terms) > MaxTerms {
		terms = dstFirst(op.Dst, terms)
		for _, c := range terms[0].c {
			if math.IsInf(c, 0) {
				return nil, fmt.Errorf("gpu: plan %s op %d: the destination's merged per-dimension coefficients overflow", prog.Plan.Solver, i)
			}
		}
	}
	var out []CombineDimArgs
	pack := func(ts []dimTerm, bias []float64) {
		a := CombineDimArgs{Dst: op.Dst, NTerms: len(ts), Coefs: len(prog.DimCoefs), Bias: -1}
		for k := range a.Bufs {
			a.Bufs[k] = -1
		}
		for k, t := range ts {
			a.Bufs[k] = t.buf
			prog.DimCoefs = append(prog.DimCoefs, t.c...)
		}
		if bias != nil {
			a.Bias = len(prog.DimCoefs)
			prog.DimCoefs = append(prog.DimCoefs, bias...)
		}
		out = append(out, a)
	}
	first := min(len(terms), MaxTerms)
	pack(terms[:first], op.Bias)
	var ones []float64
	for rest := terms[first:]; len(rest) > 0; {
		if ones == nil {
			ones = make([]float64, d)
			for j := range ones {
				ones[j] = 1
			}
		}
		k := min(len(rest), MaxTerms-1)
		pack(append([]dimTerm{{buf: op.Dst, c: ones}}, rest[:k]...), nil)
		rest = rest[k:]
	}
	return out, nil
}

// dstFirst orders the destination's terms first, merged into one (their vectors summed in plan order), so that
// a split combination reads the destination's old value in its first launch.
func dstFirst(dst int, terms []dimTerm) []dimTerm {
	var own []float64
	var others []dimTerm
	for _, t := range terms {
		switch {
		case t.buf != dst:
			others = append(others, t)
		case own == nil:
			own = append([]float64(nil), t.c...)
		default:
			for j, v := range t.c {
				own[j] += v
			}
		}
	}
	if own == nil {
		return others
	}
	return append([]dimTerm{{buf: dst, c: own}}, others...)
}

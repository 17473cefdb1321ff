package gpu

import (
	"fmt"
	"math"

	"github.com/trajdiff/trajdiff/diffusion"
)

// MaxTerms is the number of terms one combine launch takes (COMBINE_MAX_TERMS in kernels/combine.cu and
// COMBINE_DIM_MAX_TERMS in kernels/combine_dim.cu); Compile splits longer combinations.
const MaxTerms = 8

// LaunchKind says what a Launch does.
type LaunchKind uint8

const (
	// LaunchEval evaluates the denoiser: buf[Dst] = D(buf[Src], T).
	LaunchEval LaunchKind = iota
	// LaunchCombine runs the combine kernel with Combine's terms.
	LaunchCombine
	// LaunchNoise fills buf[Dst] with standard normal noise from stream Stream.
	LaunchNoise
	// LaunchCondition applies the run's Conditioner to buf[Dst] at time T.
	LaunchCondition
	// LaunchCombineDim runs the per-dimension combine kernel with CombineDim's terms.
	LaunchCombineDim
)

// CombineArgs are the arguments of one combine launch: buf[Dst] = sum_{k < NTerms} Coefs[k] buf[Bufs[k]].
// Unused slots have buffer index -1 and coefficient 0 (the kernel never reads them).
type CombineArgs struct {
	Dst    int
	NTerms int
	Bufs   [MaxTerms]int
	Coefs  [MaxTerms]float64
}

// CombineDimArgs are the arguments of one per-dimension combine launch over points of Program.Dim values:
// for value i with coordinate j = i mod Dim,
//
//	buf[Dst]_i = bias_j + sum_{k < NTerms} c_k[j] buf[Bufs[k]]_i,
//
// where c_k is Program.DimCoefs[Coefs+k*Dim : Coefs+(k+1)*Dim] and bias is DimCoefs[Bias : Bias+Dim] (zero
// when Bias is -1). Unused slots have buffer index -1.
type CombineDimArgs struct {
	Dst    int
	NTerms int
	Bufs   [MaxTerms]int
	Coefs  int
	Bias   int
}

// Launch is one step of a Program.
type Launch struct {
	Kind         LaunchKind
	Op           int // index of the plan op it implements
	Step         int // grid interval (the plan op's Step)
	Dst, Src     int
	T            float64
	Alpha, Sigma float64 // LaunchCondition: alpha(T), sigma(T)
	Stream       uint32  // LaunchNoise
	Eval         int     // LaunchEval: evaluation index 0..NFE-1 (its non-finite counter)
	Progress     bool    // LaunchCondition on the state after a step: report progress here
	Combine      CombineArgs
	CombineDim   CombineDimArgs
}

// StepRange is the contiguous run of launches [Lo, Hi) of one grid interval; the executor captures one CUDA
// graph per range.
type StepRange struct {
	Step   int
	Lo, Hi int
}

// Program is a Plan compiled into kernel launches.
//
// Plans with per-dimension combinations (OpCombineDim) fit only data of dimension Dim; their coefficient
// vectors, already multiplied by the terms' scalar coefficients, are packed into DimCoefs, which an Executor
// uploads to device memory once.
type Program struct {
	Plan     *diffusion.Plan
	Launches []Launch
	Ranges   []StepRange
	Buffers  int
	NFE      int
	Dim      int       // data dimension of the per-dimension combinations, 0 if the plan has none
	DimCoefs []float64 // their coefficient and bias vectors (see CombineDimArgs)
}

// Compile validates plan and turns it into launches: buffer indices in range, finite coefficients and times,
// no evaluation in place. Combinations of more than MaxTerms terms are split: the first launch takes the
// destination's own term (so the old value is read before it is overwritten) and MaxTerms-1 others, each
// later launch adds up to MaxTerms-1 more to 1 x dst. Per-dimension combinations must have one vector per
// term, all of one data dimension across the plan, and are split the same way (packCombineDim).
func Compile(plan *diffusion.Plan) (*Program, error) {
	if plan == nil {
		return nil, fmt.Errorf("gpu: nil plan")
	}
	if plan.Buffers < 1 {
		return nil, fmt.Errorf("gpu: plan %s has %d buffers, want at least 1 (the state)", plan.Solver, plan.Buffers)
	}
	prog := &Program{Plan: plan, Buffers: plan.Buffers}
	checkBuf := func(i, b int, what string) error {
		if b < 0 || b >= plan.Buffers {
			return fmt.Errorf("gpu: plan %s op %d: %s buffer %d outside [0, %d)", plan.Solver, i, what, b, plan.Buffers)
		}
		return nil
	}
	for i, op := range plan.Ops {
		if err := checkBuf(i, op.Dst, "destination"); err != nil {
			return nil, err
		}
		l := Launch{Op: i, Step: op.Step, Dst: op.Dst}
		switch op.Kind {
		case diffusion.OpEval:
			if err := checkBuf(i, op.Src, "source"); err != nil {
				return nil, err
			}
			if op.Src == op.Dst {
				return nil, fmt.Errorf("gpu: plan %s op %d evaluates the denoiser in place (buffer %d)", plan.Solver, i, op.Dst)
			}
			if math.IsNaN(op.T) || math.IsInf(op.T, 0) {
				return nil, fmt.Errorf("gpu: plan %s op %d: evaluation time %v is not finite", plan.Solver, i, op.T)
			}
			l.Kind, l.Src, l.T, l.Eval = LaunchEval, op.Src, op.T, prog.NFE
			prog.NFE++
			prog.Launches = append(prog.Launches, l)
		case diffusion.OpCombine:
			for _, t := range op.Terms {
				if err := checkBuf(i, t.Buf, "term"); err != nil {
					return nil, err
				}
				if math.IsNaN(t.Coef) || math.IsInf(t.Coef, 0) {
					return nil, fmt.Errorf("gpu: plan %s op %d: coefficient %v of buffer %d is not finite", plan.Solver, i, t.Coef, t.Buf)
				}
			}
			for _, args := range splitCombine(op.Dst, op.Terms) {
				l.Kind, l.Combine = LaunchCombine, args
				prog.Launches = append(prog.Launches, l)
			}
		case diffusion.OpNoise:
			if op.Stream < 0 || op.Stream > math.MaxUint32 {
				return nil, fmt.Errorf("gpu: plan %s op %d: noise stream %d outside [0, 2^32)", plan.Solver, i, op.Stream)
			}
			l.Kind, l.Stream = LaunchNoise, uint32(op.Stream)
			prog.Launches = append(prog.Launches, l)
		case diffusion.OpCondition:
			l.Kind, l.T, l.Alpha, l.Sigma = LaunchCondition, op.T, op.Alpha, op.Sigma
			// The CPU executor reports progress at every state condition but the initial one.
			l.Progress = op.Dst == diffusion.StateBuffer && i > 0
			prog.Launches = append(prog.Launches, l)
		case diffusion.OpCombineDim:
			for _, t := range op.Terms {
				if err := checkBuf(i, t.Buf, "term"); err != nil {
					return nil, err
				}
			}
			if err := prog.checkDim(i, &op); err != nil {
				return nil, err
			}
			args, err := prog.packCombineDim(i, &op)
			if err != nil {
				return nil, err
			}
			for _, a := range args {
				l.Kind, l.CombineDim = LaunchCombineDim, a
				prog.Launches = append(prog.Launches, l)
			}
		default:
			return nil, fmt.Errorf("gpu: plan %s op %d has unknown kind %d", plan.Solver, i, op.Kind)
		}
	}
	if prog.NFE != plan.NFE {
		return nil, fmt.Errorf("gpu: plan %s declares %d evaluations but has %d", plan.Solver, plan.NFE, prog.NFE)
	}
	for lo := 0; lo < len(prog.Launches); {
		hi := lo + 1
		for hi < len(prog.Launches) && prog.Launches[hi].Step == prog.Launches[lo].Step {
			hi++
		}
		prog.Ranges = append(prog.Ranges, StepRange{Step: prog.Launches[lo].Step, Lo: lo, Hi: hi})
		lo = hi
	}
	return prog, nil
}

// splitCombine packs dst = sum terms into launches of at most MaxTerms terms (see Compile).
func splitCombine(dst int, terms []diffusion.Term) []CombineArgs {
	ordered := make([]diffusion.Term, 0, len(terms))
	for _, t := range terms {
		if t.Buf == dst {
			ordered = append(ordered, t)
		}
	}
	for _, t := range terms {
		if t.Buf != dst {
			ordered = append(ordered, t)
		}
	}
	var out []CombineArgs
	pack := func(ts []diffusion.Term) {
		a := CombineArgs{Dst: dst, NTerms: len(ts)}
		for k := range a.Bufs {
			a.Bufs[k] = -1
		}
		for k, t := range ts {
			a.Bufs[k], a.Coefs[k] = t.Buf, t.Coef
		}
		out = append(out, a)
	}
	first := min(len(ordered), MaxTerms)
	pack(ordered[:first])
	for rest := ordered[first:]; len(rest) > 0; {
		k := min(len(rest), MaxTerms-1)
		pack(append([]diffusion.Term{{Coef: 1, Buf: dst}}, rest[:k]...))
		rest = rest[k:]
	}
	return out
}

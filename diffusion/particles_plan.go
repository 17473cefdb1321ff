package diffusion

import "fmt"

// stepProgram is one step of a plan split at the evaluation of the state: the ops before it (only
// conditions), the evaluation, and the tail that turns (x, D(x)) into the next state.
type stepProgram struct {
	eval int  // buffer the state's prediction is written to
	tail []Op // the ops after the evaluation, up to the end of the step
}

// stepEvals checks that plan carries nothing but the state from one step to the next (every other buffer a
// step reads was written earlier in the same step), so that particles can be resampled or forked between
// steps by copying their states, and that each step evaluates the state exactly once. With single, the
// step must consist of that evaluation followed by ops without further evaluations (the one-evaluation
// SDE samplers: DDIM/DDPM, ddpm-large, Euler-Maruyama), which ParticleRollover re-runs per candidate.
// It returns the steps split at the state's evaluation.
func stepEvals(plan *Plan, single bool) ([]stepProgram, error) {
	steps := make([]stepProgram, plan.Steps())
	seen := make([]bool, plan.Steps())
	written := make(map[int]bool)
	step := -1
	for i := range plan.Ops {
		op := &plan.Ops[i]
		if op.Step < step || op.Step >= len(steps) {
			return nil, fmt.Errorf("%s: op %d belongs to step %d out of order", plan.Solver, i, op.Step)
		}
		if op.Step != step {
			step = op.Step
			clear(written)
		}
		reads := []int{}
		switch op.Kind {
		case OpEval:
			reads = append(reads, op.Src)
		case OpCombine, OpCombineDim:
			for _, t := range op.Terms {
				reads = append(reads, t.Buf)
			}
		}
		for _, b := range reads {
			if b != StateBuffer && !written[b] {
				return nil, fmt.Errorf("%s carries buffer %d from an earlier step into step %d (a multistep solver); particle methods need a solver whose steps keep only the state, e.g. ddpm, ddim with eta > 0 or euler-maruyama", plan.Solver, b, op.Step)
			}
		}
		sp := &steps[op.Step]
		switch {
		case op.Kind == OpEval && op.Src == StateBuffer && !seen[op.Step]:
			if single {
				for _, prev := range plan.Ops[:i] {
					if prev.Step == op.Step && prev.Kind != OpCondition {
						return nil, fmt.Errorf("%s changes the state before evaluating it in step %d; rollover needs a solver whose steps start with the evaluation (ddpm, ddim, euler-maruyama)", plan.Solver, op.Step)
					}
				}
			}
			seen[op.Step], sp.eval = true, op.Dst
		case op.Kind == OpEval && op.Src == StateBuffer:
			return nil, fmt.Errorf("%s evaluates the state twice in step %d", plan.Solver, op.Step)
		case op.Kind == OpEval && single:
			return nil, fmt.Errorf("%s evaluates the denoiser twice in step %d; rollover needs one evaluation per step (ddpm, ddim, euler-maruyama)", plan.Solver, op.Step)
		case seen[op.Step]:
			sp.tail = append(sp.tail, *op)
		}
		if op.Kind != OpCondition {
			written[op.Dst] = true
		}
	}
	for i, ok := range seen {
		if !ok {
			return nil, fmt.Errorf("%s does not evaluate the state in step %d", plan.Solver, i)
		}
	}
	return steps, nil
}

// runStepTail applies a step's tail ops to one candidate: bufs are the plan's buffers for one point (bufs[0]
// the state, bufs[eval] its prediction), noise comes from streams base, base+1, ... of rng, conditions from
// cond. The ops act element-wise, so this is exactly what Executor.Run does to that point.
func runStepTail(tail []Op, bufs [][]float64, rng Philox4x32, base uint32, cond Conditioner) error {
	n := uint32(0)
	for i := range tail {
		op := &tail[i]
		switch op.Kind {
		case OpCombine:
			combine(bufs, op.Dst, op.Terms, 0, len(bufs[op.Dst]))
		case OpCombineDim:
			combineDim(bufs, op, 0, len(bufs[op.Dst]))
		case OpNoise:
			rng.FillNormal(bufs[op.Dst], base+n, 0)
			n++
		case OpCondition:
			if cond != nil {
				if err := cond.Condition(bufs[op.Dst], op.T, op.Alpha, op.Sigma); err != nil {
					return fmt.Errorf("diffusion: particle search: condition at t = %v: %w", op.T, err)
				}
			}
		}
	}
	return nil
}

// noiseOps counts the noise draws of a tail.
func noiseOps(tail []Op) int {
	n := 0
	for _, op := range tail {
		if op.Kind == OpNoise {
			n++
		}
	}
	return n
}

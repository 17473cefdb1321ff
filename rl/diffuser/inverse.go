package diffuser

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"time"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/rl"
	"github.com/trajdiff/trajdiff/train"
)

// InverseMethod is a way of reconstructing a window from measurements of some of its entries.
type InverseMethod string

const (
	// MethodClamp is Diffuser's conditioning: every measured entry is clamped after every solver step
	// (train.SampleRequest.Fixed, diffusion.Inpaint).
	MethodClamp InverseMethod = "clamp"
	// MethodGuided clamps the start and goal only and steers the waypoints by a gradient step on the
	// measurement residual 1/2 ||H x0 - y||^2 applied to every x0-prediction, x0 <- x0 - zeta H^T (H x0 - y)
	// (RunOptions.CorrectX0). It does not differentiate through the network (the sampler offers no
	// input gradient), unlike DPS (Chung et al. 2023), which backpropagates the residual through D.
	MethodGuided InverseMethod = "guided"
	// MethodREDDiff fits the window by RED-Diff (diffusion.REDDiff) with every measurement, start and goal
	// included, in the operator.
	MethodREDDiff InverseMethod = "reddiff"
	// MethodEnds is the baseline that ignores the waypoints: Diffuser's plan with the start and goal clamped.
	MethodEnds InverseMethod = "ends"
	// MethodLinear is the model-free baseline: positions interpolated linearly between the measured ones,
	// velocities their finite differences, actions zero.
	MethodLinear InverseMethod = "linear"
)

// InverseMethods lists the methods in the order they are reported.
func InverseMethods() []InverseMethod {
	return []InverseMethod{MethodClamp, MethodGuided, MethodREDDiff, MethodEnds, MethodLinear}
}

// InverseProblem is one window to reconstruct: Truth holds Horizon rows [ax, ay, x, y, vx, vy] in the data's
// units (a held-out window, HeldOutWindows). The measurements are the observations (x, y, vx, vy) at the
// first and last steps (the start and the goal state) and the positions (x, y) at the waypoint steps.
type InverseProblem struct {
	Truth [][6]float64
}

// InverseOptions configure Planner.Reconstruct.
type InverseOptions struct {
	// Waypoints is the number of interior steps whose position is measured, evenly spaced (WaypointSteps).
	Waypoints int
	// Guidance is MethodGuided's step zeta in (0, 1] (1 replaces the measured entries of every x0-prediction).
	Guidance float64
	// REDDiff configures MethodREDDiff (Seed and Progress are taken from here).
	REDDiff diffusion.REDDiffOptions
	// Seed keys the samplers' noise and RED-Diff's.
	Seed uint64
	// Samples > 1 makes the sampler methods (clamp, guided, ends) return the mean of that many draws per
	// problem, an estimate of the posterior mean (a single draw's squared error is twice the mean's in
	// expectation); NFE counts all draws.
	Samples int
	// Progress, if set, is called after each solver or RED-Diff step with (done, total).
	Progress func(done, total int)
}

// Reconstruction is one method's windows for a batch of problems, in the data's units, with its cost.
type Reconstruction struct {
	Method  InverseMethod
	Windows [][][6]float64 // one window of Horizon rows per problem
	NFE     int            // network evaluations per window
	Elapsed time.Duration  // wall time for the whole batch
}

// WaypointSteps returns k interior steps evenly spaced over a window of h steps: round((i+1)(h-1)/(k+1)),
// i = 0..k-1. They are distinct and inside (0, h-1) when k <= h-2.
func WaypointSteps(h, k int) ([]int, error) {
	if k < 0 || k > h-2 {
		return nil, badInput("%d waypoints do not fit between the start and goal of a %d-step window (want 0..%d)", k, h, h-2)
	}
	steps := make([]int, k)
	for i := range steps {
		steps[i] = int(math.Round(float64(i+1) * float64(h-1) / float64(k+1)))
	}
	return steps, nil
}

// measuredEntries lists the measured window entries: the 4 observations of steps 0 and h-1 and the 2
// positions of every waypoint step.
func measuredEntries(h int, waypoints []int) []train.WindowEntry {
	var e []train.WindowEntry
	for k := 0; k < obsDim; k++ {
		e = append(e, train.WindowEntry{T: 0, C: obsOffset + k}, train.WindowEntry{T: h - 1, C: obsOffset + k})
	}
	for _, t := range waypoints {
		e = append(e, train.WindowEntry{T: t, C: obsOffset}, train.WindowEntry{T: t, C: obsOffset + 1})
	}
	return e
}

// fixedOf returns the entries as train.Fixed with one value per problem, from the truths.
func fixedOf(entries []train.WindowEntry, problems []InverseProblem) []train.Fixed {
	fixed := make([]train.Fixed, len(entries))
	for i, e := range entries {
		fixed[i] = train.Fixed{WindowEntry: e, Values: make([]float64, len(problems))}
		for j, p := range problems {
			fixed[i].Values[j] = p.Truth[e.T][e.C]
		}
	}
	return fixed
}

// checkProblems validates a batch: at least one problem, each of Horizon finite rows.
func (p *Planner) checkProblems(problems []InverseProblem, opt InverseOptions) ([]int, error) {
	if len(problems) == 0 {
		return nil, badInput("no problems to reconstruct")
	}
	H := p.model.Horizon
	for j, pr := range problems {
		if len(pr.Truth) != H {
			return nil, badInput("problem %d has %d steps, the model's windows have %d", j, len(pr.Truth), H)
		}
		for t, r := range pr.Truth {
			for _, v := range r {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return nil, badInput("problem %d has a non-finite value at step %d: %v", j, t, r)
				}
			}
		}
	}
	return WaypointSteps(H, opt.Waypoints)
}

// Reconstruct fits the windows of problems from their start, goal and waypoint measurements with method.
// The model's condition (a conditional network's start and goal inputs) is always given the measured start
// and goal. Samplers use the Planner's Options (solver, schedule, steps); RED-Diff its own steps. With
// InverseOptions.Samples > 1 a sampler method returns the mean of that many draws per problem. Bad input
// fails with ErrBadInput before any network evaluation; cancelling ctx stops between steps.
func (p *Planner) Reconstruct(ctx context.Context, method InverseMethod, problems []InverseProblem, opt InverseOptions) (*Reconstruction, error) {
	waypoints, err := p.checkProblems(problems, opt)
	if err != nil {
		return nil, err
	}
	K := max(opt.Samples, 1)
	switch {
	case opt.Samples < 0:
		return nil, badInput("Samples is %d, want at least 1 (0 for 1)", opt.Samples)
	case K > 1 && (method == MethodREDDiff || method == MethodLinear):
		return nil, badInput("Samples averages a sampler's draws; %s gives one estimate", method)
	}
	all := problems
	for k := 1; k < K; k++ {
		all = append(all[:len(all):len(all)], problems...) // draw k of problem j is all[k n + j]
	}
	began := time.Now()
	x, nfe, err := p.reconstruct(ctx, method, all, waypoints, opt)
	if err != nil {
		return nil, err
	}
	H, n := p.model.Horizon, len(problems)
	rec := &Reconstruction{Method: method, NFE: K * nfe, Elapsed: time.Since(began), Windows: make([][][6]float64, n)}
	D := H * p.model.Transition
	for j := range problems {
		w := make([][6]float64, H)
		for k := 0; k < K; k++ {
			o := (k*n + j) * D
			for t := range w {
				for c := range w[t] {
					w[t][c] += x[o+t*6+c] / float64(K)
				}
			}
		}
		rec.Windows[j] = w
	}
	return rec, nil
}

// reconstruct runs one method on a batch and returns its windows in the data's units and its network
// evaluations per window.
func (p *Planner) reconstruct(ctx context.Context, method InverseMethod, problems []InverseProblem, waypoints []int, opt InverseOptions) ([]float64, int, error) {
	H := p.model.Horizon
	measured := measuredEntries(H, waypoints)
	ends := measured[:2*obsDim]
	req := train.SampleRequest{N: len(problems), Solver: p.opt.Solver, Schedule: p.opt.Schedule, Steps: p.opt.Steps,
		Seed: opt.Seed, ClipX0: !p.opt.NoClip, Progress: opt.Progress}
	var x []float64 // training units for guided and RED-Diff, data units for clamp
	nfe := 0
	switch method {
	case MethodClamp, MethodEnds:
		req.Fixed = fixedOf(measured, problems)
		if method == MethodEnds {
			req.Fixed = fixedOf(ends, problems)
		}
		sample := p.model.Sample
		if p.opt.Sample != nil {
			sample = func(ctx context.Context, req train.SampleRequest) (*train.Samples, error) {
				return p.opt.Sample(ctx, p.model, req)
			}
		}
		s, err := sample(ctx, req)
		if err != nil {
			return nil, 0, fmt.Errorf("diffuser: clamping: %w", err)
		}
		x, nfe = s.X, s.NFE
	case MethodLinear:
		x = linearWindows(problems, waypoints)
	case MethodGuided, MethodREDDiff:
		req.Fixed = fixedOf(ends, problems)
		if p.opt.Network != nil {
			// Their loops stay here (a gradient step on every x0-prediction, an optimisation); the
			// network goes to Network.
			net, err := p.opt.Network(p.model, req, len(problems))
			if err != nil {
				return nil, 0, fmt.Errorf("diffuser: %s: the network: %w", method, err)
			}
			req.Network = net
		}
		prob, err := p.model.SamplingProblem(req)
		if err != nil {
			return nil, 0, fmt.Errorf("diffuser: %s: %w", method, err)
		}
		op, y, err := p.measurementOperator(measured, problems)
		if err != nil {
			return nil, 0, err
		}
		if method == MethodGuided {
			x, nfe, err = p.guided(ctx, prob, op, y, req, opt)
		} else {
			x, nfe, err = redDiff(ctx, prob, op, y, opt)
		}
		if err != nil {
			return nil, 0, err
		}
		p.model.Unnormalize(x)
	default:
		return nil, 0, badInput("unknown method %q (want one of %v)", method, InverseMethods())
	}
	return x, nfe, nil
}

// measurementOperator is the selection of the measured entries of a window (diffusion.NewSelection) and the
// measurements of every problem in training units.
func (p *Planner) measurementOperator(measured []train.WindowEntry, problems []InverseProblem) (diffusion.Operator, []float64, error) {
	H, T := p.model.Horizon, p.model.Transition
	idx := make([]int, len(measured))
	for i, e := range measured {
		k, err := e.Index(H, T)
		if err != nil {
			return nil, nil, badInput("measured entry %d:%d: %v", e.T, e.C, err)
		}
		idx[i] = k
	}
	op, err := diffusion.NewSelection(H*T, idx)
	if err != nil {
		return nil, nil, fmt.Errorf("diffuser: %w", err)
	}
	y := make([]float64, 0, len(problems)*len(idx))
	for _, pr := range problems {
		w := make([]float64, H*T)
		for t, r := range pr.Truth {
			copy(w[t*T:], r[:])
		}
		p.model.Normalize(w)
		for _, k := range idx {
			y = append(y, w[k])
		}
	}
	return op, y, nil
}

// guided runs the request's solver with the endpoints clamped and every x0-prediction moved by a gradient
// step of size zeta on 1/2 ||H x0 - y||^2 (after Diffuser's clipping, which the problem's denoiser applies).
func (p *Planner) guided(ctx context.Context, prob *train.SamplingProblem, op diffusion.Operator, y []float64, req train.SampleRequest, opt InverseOptions) ([]float64, int, error) {
	if !(opt.Guidance > 0 && opt.Guidance <= 1) {
		return nil, 0, badInput("guidance step %v, want it in (0, 1]", opt.Guidance)
	}
	plan, err := p.samplerPlan(prob.Process)
	if err != nil {
		return nil, 0, err
	}
	D, m := op.InDim(), op.OutDim()
	hx, r, g := make([]float64, m), make([]float64, m), make([]float64, D)
	guide := func(x0, _ []float64, _ float64) error {
		for j := 0; j < len(x0)/D; j++ {
			row := x0[j*D : (j+1)*D]
			if err := op.Apply(hx, row); err != nil {
				return err
			}
			for i := range hx {
				r[i] = hx[i] - y[j*m+i]
			}
			if err := op.Adjoint(g, r); err != nil {
				return err
			}
			for i := range row {
				row[i] -= opt.Guidance * g[i]
			}
		}
		return nil
	}
	x := prob.Noise
	ro := diffusion.RunOptions{Seed: req.Seed, Condition: prob.Condition, CorrectX0: guide, Progress: opt.Progress}
	if err := diffusion.Sample(ctx, plan, prob.Denoiser, x, ro); err != nil {
		return nil, 0, fmt.Errorf("diffuser: guided sampling: %w", err)
	}
	return x, plan.NFE * prob.Passes, nil
}

// samplerPlan compiles the solver, schedule and steps a SampleRequest of the Planner's Options would use
// (Options, else the model's [sample] configuration, else dpmpp-2m with 10 steps).
func (p *Planner) samplerPlan(proc diffusion.Process) (*diffusion.Plan, error) {
	sc := p.model.Config.Sample
	name, steps := cmp.Or(p.opt.Solver, sc.Solver, "dpmpp-2m"), cmp.Or(p.opt.Steps, sc.Steps, 10)
	solver, err := diffusion.NewSolver(name)
	if err != nil {
		return nil, badInput("%v", err)
	}
	sch := diffusion.DefaultSchedule(proc)
	if s := cmp.Or(p.opt.Schedule, sc.Schedule); s != "" {
		if sch, err = diffusion.NewSchedule(s); err != nil {
			return nil, badInput("%v", err)
		}
	}
	times, err := sch.Times(proc, steps)
	if err != nil {
		return nil, badInput("%v", err)
	}
	plan, err := solver.Plan(proc, times)
	if err != nil {
		return nil, badInput("guided sampling with %s: %v", name, err)
	}
	return plan, nil
}

// redDiff runs diffusion.REDDiff on the problem's denoiser (start and goal given to the network as the
// model's condition, x0-predictions clipped as in sampling).
func redDiff(ctx context.Context, prob *train.SamplingProblem, op diffusion.Operator, y []float64, opt InverseOptions) ([]float64, int, error) {
	ro := opt.REDDiff
	ro.Seed, ro.Progress = opt.Seed, opt.Progress
	res, err := diffusion.REDDiff(ctx, prob.Process, prob.Denoiser, op, y, ro)
	if err != nil {
		return nil, 0, fmt.Errorf("diffuser: %w", err)
	}
	return res.X, res.NFE * prob.Passes, nil
}

// linearWindows interpolates every problem's positions linearly between its measured steps (0, the
// waypoints, H-1), with velocities the forward differences of the positions (the last one the measured goal
// velocity) and zero actions: what the measurements give without a prior.
func linearWindows(problems []InverseProblem, waypoints []int) []float64 {
	H := len(problems[0].Truth)
	knots := append(append([]int{0}, waypoints...), H-1)
	x := make([]float64, 0, len(problems)*H*6)
	for _, pr := range problems {
		w := make([][6]float64, H)
		for k := 0; k+1 < len(knots); k++ {
			a, b := knots[k], knots[k+1]
			for t := a; t <= b; t++ {
				u := float64(t-a) / float64(b-a)
				for c := 2; c < 4; c++ {
					w[t][c] = (1-u)*pr.Truth[a][c] + u*pr.Truth[b][c]
				}
			}
		}
		for t := 0; t+1 < H; t++ {
			w[t][4], w[t][5] = (w[t+1][2]-w[t][2])/rl.TimeStep, (w[t+1][3]-w[t][3])/rl.TimeStep
		}
		w[0][4], w[0][5] = pr.Truth[0][4], pr.Truth[0][5]
		w[H-1][4], w[H-1][5] = pr.Truth[H-1][4], pr.Truth[H-1][5]
		for _, r := range w {
			x = append(x, r[:]...)
		}
	}
	return x
}

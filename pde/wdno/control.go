package wdno

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/trajdiff/trajdiff/internal/parallel"
	"github.com/trajdiff/trajdiff/pde/burgers"
)

var errDiverged = errors.New("sampling diverged (non-finite x0 prediction)")

// scoreControls finds each case's control (the model's, or the baseline's on every core: an optimiser
// is expensive) and re-simulates all of them on the batched solver from the true initial states, in
// groups of burgers.BatchWidth on every core. A case's own failure is recorded in its result.
func scoreControls(ctx context.Context, d *Data, m Method, batch []TestCase, gen *Generated, o EvalOptions) ([]CaseResult, error) {
	N, K := d.Cells, d.Params.Frames
	res := make([]CaseResult, len(batch))
	controls := make([][]float64, len(batch))
	for j, tc := range batch {
		res[j] = CaseResult{Method: m.Name, Case: tc.Index, ID: tc.ID}
		if gen != nil {
			if slices.Contains(gen.Failed, j) {
				res[j].Error = errDiverged.Error()
				continue
			}
			controls[j] = gen.F[j][:K*N] // the stored control has a zero row after T
		}
	}
	if gen != nil && m.Refine > 0 {
		if err := refineControls(ctx, d, m.Refine, batch, controls, res, o); err != nil {
			return nil, err
		}
	}
	if gen == nil {
		type outcome struct {
			f   []float64
			err error
		}
		err := parallel.Ordered(ctx, 0, len(batch), o.Workers, func(ctx context.Context, j int) (outcome, error) {
			f, err := m.Baseline(ctx, batch[j])
			if err != nil && ctx.Err() != nil {
				return outcome{}, ctx.Err()
			}
			if f != nil {
				f = f[:K*N]
			}
			return outcome{f, err}, nil
		}, func(j int, r outcome) error {
			controls[j] = r.f
			if r.err != nil {
				res[j].Error = r.err.Error()
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	var todo []int // cases with a control to re-simulate
	for j := range batch {
		if res[j].Error == "" {
			todo = append(todo, j)
		}
	}
	w := burgers.BatchWidth
	groups := (len(todo) + w - 1) / w
	type scored struct {
		costs []burgers.Cost
		trajs [][]float64
		errs  []error
	}
	err := parallel.Ordered(ctx, 0, groups, o.Workers, func(ctx context.Context, g int) (scored, error) {
		idx := todo[g*w : min((g+1)*w, len(todo))]
		s, err := burgers.NewBatchSolver(d.Params, w)
		if err != nil {
			return scored{}, err
		}
		u0s, fs, objs := make([][]float64, len(idx)), make([][]float64, len(idx)), make([]burgers.Objective, len(idx))
		for k, j := range idx {
			tc := batch[j]
			u0s[k], fs[k] = tc.U[:N], controls[j]
			objs[k] = burgers.Objective{Target: tc.U[K*N:], EnergyWeight: o.EnergyWeight}
		}
		costs, trajs, errs, err := burgers.BatchControlObjective(ctx, s, u0s, fs, objs)
		return scored{costs, trajs, errs}, err
	}, func(g int, r scored) error {
		for k, j := range todo[g*w : min((g+1)*w, len(todo))] {
			if r.errs[k] != nil {
				res[j].Error = r.errs[k].Error()
				continue
			}
			c := r.costs[k]
			res[j].J, res[j].Misfit, res[j].Energy = c.J, c.Misfit, c.Energy
			if gen != nil && m.Refine == 0 {
				target := batch[j].U[K*N:]
				for x := 0; x < N; x++ {
					e := gen.U[j][K*N+x] - r.trajs[k][K*N+x]
					res[j].ModelMisfit += e * e / float64(N)
					e = gen.U[j][K*N+x] - target[x]
					res[j].TargetMisfit += e * e / float64(N)
				}
			}
		}
		return nil
	})
	return res, err
}

// refineControls replaces each case's generated control by the result of at most iters L-BFGS
// iterations of burgers.OptimalControl started from it (Method.Refine), on every core; a case whose
// refinement fails records the error.
func refineControls(ctx context.Context, d *Data, iters int, batch []TestCase, controls [][]float64, res []CaseResult, o EvalOptions) error {
	N, K := d.Cells, d.Params.Frames
	type outcome struct {
		f   []float64
		err error
	}
	return parallel.Ordered(ctx, 0, len(batch), o.Workers, func(ctx context.Context, j int) (outcome, error) {
		if controls[j] == nil {
			return outcome{}, nil
		}
		tc := batch[j]
		obj := burgers.Objective{Target: tc.U[K*N:], EnergyWeight: o.EnergyWeight}
		f, _, err := burgers.OptimalControl(ctx, d.Params, tc.U[:N], obj, burgers.OptimizeOptions{MaxIterations: iters, Start: controls[j]})
		if err != nil && ctx.Err() != nil {
			return outcome{}, ctx.Err()
		}
		return outcome{f, err}, nil
	}, func(j int, r outcome) error {
		switch {
		case r.err != nil:
			res[j].Error = fmt.Sprintf("refinement: %v", r.err)
		case r.f != nil:
			controls[j] = r.f
		}
		return nil
	})
}

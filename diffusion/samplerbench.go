package diffusion

import (
	"context"
	"fmt"
	"math"
)

// PlanForNFE compiles solver s on schedule sch with the most steps whose plan spends at most nfe denoiser
// evaluations. Singlestep DPM-Solver spends the budget exactly with SinglestepOrders. A schedule file with
// searched step orders runs them, and refuses a solver that cannot (ScheduleSolver).
func PlanForNFE(s Solver, p Process, sch Schedule, nfe int) (*Plan, error) {
	if nfe < 1 {
		return nil, fmt.Errorf("diffusion: NFE budget must be at least 1, got %d", nfe)
	}
	if f, ok := sch.(interface{ checkNFE(int) error }); ok {
		if err := f.checkNFE(nfe); err != nil {
			return nil, err
		}
	}
	s, err := ScheduleSolver(s, sch)
	if err != nil {
		return nil, err
	}
	if ds, ok := s.(DPMSolver); ok && ds.Orders == nil {
		orders := SinglestepOrders(nfe, ds.Order)
		times, err := sch.Times(p, len(orders))
		if err != nil {
			return nil, err
		}
		return DPMSolver{Order: ds.Order, Orders: orders}.Plan(p, times)
	}
	for n := nfe; n >= 1; n-- {
		times, err := sch.Times(p, n)
		if err != nil {
			continue
		}
		plan, err := s.Plan(p, times)
		if err != nil {
			return nil, err
		}
		if plan.NFE <= nfe {
			return plan, nil
		}
	}
	return nil, fmt.Errorf("diffusion: %s cannot run within %d evaluations", s.Name(), nfe)
}

// Stochastic reports whether a solver draws noise (its samples are then not a function of the initial noise).
func Stochastic(s Solver) bool {
	plan, err := s.Plan(NewEDM(), []float64{80, 1, 0})
	if err != nil {
		return false
	}
	for _, op := range plan.Ops {
		if op.Kind == OpNoise {
			return true
		}
	}
	return false
}

// SamplerBench compares deterministic solvers on a Gaussian-mixture target at fixed evaluation budgets. With
// Metric "rmse" the error is the RMSE per coordinate against the adaptive reference solution of the same
// probability-flow ODE from the same initial noise; with "frechet" (single-Gaussian targets) it is the exact
// Frechet distance between the distribution the solver produces and the data (PushforwardMoments), an FID
// without sampling error.
type SamplerBench struct {
	Metric   string // "rmse" (default) or "frechet"
	Process  Process
	Schedule Schedule
	Target   *GaussianMixture
	Points   int
	NFE      []int
	Solvers  []Solver
	Seed     uint64
	// Progress, if set, is called after each solver with (done, total).
	Progress func(done, total int)
}

// SamplerBenchRow is one solver's result: the error at each NFE budget (NaN where the solver cannot run within
// the budget) and the evaluations actually spent.
type SamplerBenchRow struct {
	Solver string
	Error  []float64
	Used   []int
}

// Run executes the benchmark.
func (b SamplerBench) Run(ctx context.Context) ([]SamplerBenchRow, ReferenceStats, error) {
	p, g := b.Process, b.Target
	frechet := b.Metric == "frechet"
	if b.Metric != "" && b.Metric != "rmse" && !frechet {
		return nil, ReferenceStats{}, fmt.Errorf("diffusion: unknown benchmark metric %q (want rmse or frechet)", b.Metric)
	}
	if frechet && len(g.Weights) != 1 {
		return nil, ReferenceStats{}, fmt.Errorf("diffusion: the frechet metric needs a single-Gaussian target, got %d components", len(g.Weights))
	}
	var x0, ref, dataCov []float64
	var st ReferenceStats
	if frechet {
		d := g.dim
		dataCov = make([]float64, d*d)
		for i := 0; i < d; i++ {
			copy(dataCov[i*d:(i+1)*d], g.Covariances[0][i])
		}
	} else {
		x0 = g.Noise(newPCGRand(b.Seed), p, p.TMax(), b.Points)
		ref = append([]float64(nil), x0...)
		var err error
		if st, err = ReferenceSample(ctx, p, g.Denoiser(p), ref, p.TMax(), 0, 1e-10); err != nil {
			return nil, st, fmt.Errorf("reference solve: %w", err)
		}
	}
	rows, err := benchRows(b.Solvers, p, b.Schedule, b.NFE, b.Progress, func(plan *Plan) (float64, error) {
		if frechet {
			m, c, err := g.PushforwardMoments(ctx, plan, p)
			if err != nil {
				return 0, err
			}
			return FrechetDistance(m, c, g.Means[0], dataCov), nil
		}
		return pathwiseError(ctx, plan, g.Denoiser(p), x0, ref, b.Seed)
	})
	return rows, st, err
}

// benchRows runs every solver at every budget through measure (the error of the plan compiled for it): NaN and
// 0 evaluations where the solver cannot run within the budget. Progress, if set, follows the solvers.
func benchRows(solvers []Solver, p Process, sch Schedule, budgets []int, progress func(done, total int), measure func(*Plan) (float64, error)) ([]SamplerBenchRow, error) {
	rows := make([]SamplerBenchRow, 0, len(solvers))
	for si, s := range solvers {
		row := SamplerBenchRow{Solver: s.Name()}
		for _, nfe := range budgets {
			plan, err := PlanForNFE(s, p, sch, nfe)
			if err != nil {
				row.Error, row.Used = append(row.Error, math.NaN()), append(row.Used, 0)
				continue
			}
			e, err := measure(plan)
			if err != nil {
				return nil, fmt.Errorf("%s at %d NFE: %w", s.Name(), nfe, err)
			}
			row.Error, row.Used = append(row.Error, e), append(row.Used, plan.NFE)
		}
		rows = append(rows, row)
		if progress != nil {
			progress(si+1, len(solvers))
		}
	}
	return rows, nil
}

// pathwiseError samples the plan from the noise x0 and returns the RMS distance to the reference solution ref.
func pathwiseError(ctx context.Context, plan *Plan, d Denoiser, x0, ref []float64, seed uint64) (float64, error) {
	x := append([]float64(nil), x0...)
	if err := Sample(ctx, plan, d, x, RunOptions{Seed: seed}); err != nil {
		return 0, err
	}
	return rmsDiff(x, ref), nil
}

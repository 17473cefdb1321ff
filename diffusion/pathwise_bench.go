package diffusion

import (
	"context"
	"fmt"
	"math"
)

// PathwiseBench compares deterministic solvers on any Denoiser (a trained network) at fixed evaluation
// budgets: the RMSE per coordinate between each solver's sample and the adaptive reference solution of the
// same probability-flow ODE from the same initial noise (sqrt(alpha^2 + sigma^2) z at TMax, Philox stream 0 of
// Seed). The reference runs to TMin and then takes the data step x = D(x, TMin) every solver here ends with
// (ReferenceSample with tEnd = TMin), so
// the comparison measures the solvers' discretisation error and not the network's behaviour below TMin.
type PathwiseBench struct {
	Process  Process
	Schedule Schedule
	Denoiser Denoiser
	Points   int
	NFE      []int
	Solvers  []Solver
	Seed     uint64
	Tol      float64 // reference tolerance (default 1e-7)
	// Progress, if set, is called after the reference (done 0) and after each solver with (done, total).
	Progress func(done, total int)
}

// Run executes the benchmark; the rows are as SamplerBench's.
func (b PathwiseBench) Run(ctx context.Context) ([]SamplerBenchRow, ReferenceStats, error) {
	p, d := b.Process, b.Denoiser
	dim := d.Dim()
	if b.Points < 1 || dim < 1 {
		return nil, ReferenceStats{}, fmt.Errorf("diffusion: pathwise bench needs positive points and dimension, got %d and %d", b.Points, dim)
	}
	tol := b.Tol
	if tol == 0 {
		tol = 1e-7
	}
	x0 := make([]float64, b.Points*dim)
	NewPhilox(b.Seed).FillNormal(x0, 0, 0)
	scale := math.Hypot(p.Alpha(p.TMax()), p.Sigma(p.TMax()))
	for i := range x0 {
		x0[i] *= scale
	}
	ref := append([]float64(nil), x0...)
	st, err := ReferenceSample(ctx, p, d, ref, p.TMax(), p.TMin(), tol)
	if err != nil {
		return nil, st, fmt.Errorf("reference solve: %w", err)
	}
	if b.Progress != nil {
		b.Progress(0, len(b.Solvers))
	}
	rows, err := benchRows(b.Solvers, p, b.Schedule, b.NFE, b.Progress, func(plan *Plan) (float64, error) {
		return pathwiseError(ctx, plan, d, x0, ref, b.Seed)
	})
	return rows, st, err
}

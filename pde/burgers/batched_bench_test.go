package burgers

import (
	"context"
	"fmt"
	"testing"

	"github.com/trajdiff/trajdiff/pde/internal/cputime"
)

// benchGrids are the grids of the solver benchmarks: the package defaults (515 solver points, 6660
// Euler steps), WDNO's small Burgers grid (60 stored points, refinement 4: 243 solver points, 40
// frames of 480 steps) and one frame of WDNO's reference grid.
var benchGrids = []struct {
	name string
	p    Params
}{
	{"default", DefaultParams()},
	{"wdno-small", Params{Nu: 0.01, Cells: 60, Refine: 4, T: 8, Frames: 40, StepsPerFrame: 480}},
	// WDNO's reference solver grid (1920 points x_i = i/1921, dt = 1/76800; 112 stored points with
	// refinement 17 give it), one of its 80 frames.
	{"wdno-ref-1frame", Params{Nu: 0.01, Cells: 112, Refine: 17, T: 0.1, Frames: 1, StepsPerFrame: 7680}},
}

// pointUpdates is the number of fine-point Euler updates of one trajectory.
func pointUpdates(p Params) float64 {
	return float64(p.FinePoints()) * float64(p.Steps()) * float64(p.Frames)
}

// reportSolverMetrics reports CPU ns per point-update and trajectories per CPU second (per core).
func reportSolverMetrics(b *testing.B, p Params, cpu float64, trajectories int) {
	perTraj := cpu / float64(trajectories)
	b.ReportMetric(perTraj*1e9/pointUpdates(p), "cpu-ns/point-update")
	b.ReportMetric(1/perTraj, "traj/cpu-s")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkSolverScalar times Solver.Solve on generator trajectories (sampling excluded).
func BenchmarkSolverScalar(b *testing.B) {
	for _, g := range benchGrids {
		b.Run(g.name, func(b *testing.B) {
			s, err := NewSolver(g.p)
			if err != nil {
				b.Fatal(err)
			}
			u0, f := batchInputs(g.p, 8)
			ctx := context.Background()
			var out []float64
			n := 0
			cpu := cputime.Seconds()
			for b.Loop() {
				if out, err = s.Solve(ctx, u0[n%8], f[n%8], out); err != nil {
					b.Fatal(err)
				}
				n++
			}
			reportSolverMetrics(b, g.p, cputime.Seconds()-cpu, n)
		})
	}
}

// BenchmarkSolverBatched times BatchSolver.Solve on batches of generator trajectories, per kernel and
// batch size; "auto" is the kernel the solver picks for the grid.
func BenchmarkSolverBatched(b *testing.B) {
	for _, g := range benchGrids {
		for _, k := range append(kernelsAvailable(), "") {
			for _, nb := range []int{8, 32} {
				name := k
				if k == "" {
					name = "auto-" + batchKernel(g.p.FinePoints())
				}
				b.Run(fmt.Sprintf("%s/%s/B=%d", g.name, name, nb), func(b *testing.B) {
					s, err := NewBatchSolver(g.p, nb)
					if err != nil {
						b.Fatal(err)
					}
					if k != "" {
						s.kernel = k
					}
					u0, f := batchInputs(g.p, nb)
					ctx := context.Background()
					var out [][]float64
					n := 0
					cpu := cputime.Seconds()
					for b.Loop() {
						var errs []error
						if out, errs, err = s.Solve(ctx, u0, f, out); err != nil {
							b.Fatal(err)
						}
						for _, err := range errs {
							if err != nil {
								b.Fatal(err)
							}
						}
						n += nb
					}
					reportSolverMetrics(b, g.p, cputime.Seconds()-cpu, n)
				})
			}
		}
	}
}

// BenchmarkGeneratorBatched times Generator.Trajectories (sampling and solving, BatchWidth at a time)
// at the default resolution, the work of one batch of pde.WriteFields without the writing.
func BenchmarkGeneratorBatched(b *testing.B) {
	g := Generator{Params: DefaultParams()}
	s, err := g.NewBatchSolver()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	n := 0
	cpu := cputime.Seconds()
	for b.Loop() {
		if _, _, err := g.Trajectories(ctx, s, 1, n, n+BatchWidth); err != nil {
			b.Fatal(err)
		}
		n += BatchWidth
	}
	reportSolverMetrics(b, g.Params, cputime.Seconds()-cpu, n)
}

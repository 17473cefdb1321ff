package advection

import (
	"context"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/pde/internal/cputime"
)

// benchGrids are the grids of the solver benchmarks: PDEBench's (1024 cells, T = 2, 200 intervals of
// 26 steps, beta = 1) and a reduced one (64 cells, 40 intervals of 8 steps).
var benchGrids = []struct {
	name string
	p    Params
}{
	{"pdebench-1024x201", DefaultParams()},
	{"reduced-64x41", Params{Beta: 1, Cells: 64, T: 2, Frames: 40, CFL: 0.4}},
}

// cellUpdates is the number of cell updates (time steps x cells, each of two stages) of one trajectory.
func cellUpdates(p Params) float64 {
	return float64(p.Cells) * float64(p.StepsPerFrame()) * float64(p.Frames)
}

// reportSolverMetrics reports CPU ns per cell-update and trajectories per CPU second (per core).
func reportSolverMetrics(b *testing.B, p Params, cpu float64, trajectories int) {
	perTraj := cpu / float64(trajectories)
	b.ReportMetric(perTraj*1e9/cellUpdates(p), "cpu-ns/cell-update")
	b.ReportMetric(1/perTraj, "traj/cpu-s")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkSolverScalar times Solver.Solve on generator initial states (sampling excluded).
func BenchmarkSolverScalar(b *testing.B) {
	for _, g := range benchGrids {
		b.Run(g.name, func(b *testing.B) {
			s, err := NewSolver(g.p)
			if err != nil {
				b.Fatal(err)
			}
			u0 := batchInputs(g.p, 8)
			ctx := context.Background()
			var out []float64
			n := 0
			cpu := cputime.Seconds()
			for b.Loop() {
				if out, err = s.Solve(ctx, u0[n%8], out); err != nil {
					b.Fatal(err)
				}
				n++
			}
			reportSolverMetrics(b, g.p, cputime.Seconds()-cpu, n)
		})
	}
}

// BenchmarkSolverBatched times BatchSolver.Solve on batches of generator initial states, per kernel and
// batch size; "auto" is the kernel the solver picks.
func BenchmarkSolverBatched(b *testing.B) {
	for _, g := range benchGrids {
		for _, k := range append(kernelsAvailable(), "") {
			for _, nb := range []int{8, 32} {
				name := k
				if k == "" {
					name = "auto-" + batchKernel()
				}
				b.Run(fmt.Sprintf("%s/%s/B=%d", g.name, name, nb), func(b *testing.B) {
					s, err := NewBatchSolver(g.p, nb)
					if err != nil {
						b.Fatal(err)
					}
					if k != "" {
						s.kernel = k
					}
					u0 := batchInputs(g.p, nb)
					ctx := context.Background()
					var out [][]float64
					n := 0
					cpu := cputime.Seconds()
					for b.Loop() {
						var errs []error
						if out, errs, err = s.Solve(ctx, u0, out); err != nil {
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
// at PDEBench's resolution, the work of one batch of pde.WriteFields without the writing.
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

// TestDumpForNumpy writes one Go trajectory for scripts/pde/advection_numpy_bench.py --check-go (only
// when ADVECTION_DUMP names the file): the parameters, then u0 and the trajectory as float64 bit
// patterns in hex.
func TestDumpForNumpy(t *testing.T) {
	path := os.Getenv("ADVECTION_DUMP")
	if path == "" {
		t.Skip("ADVECTION_DUMP not set")
	}
	p := Params{Beta: 1, Cells: 128, T: 0.5, Frames: 5, CFL: 0.4}
	u0 := batchInputs(p, 8)[7]
	s, err := NewSolver(p)
	if err != nil {
		t.Fatal(err)
	}
	u, err := s.Solve(context.Background(), u0, nil)
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "%v %d %v %d %v\n", p.Beta, p.Cells, p.T, p.Frames, p.CFL)
	for _, x := range append(append([]float64(nil), u0...), u...) {
		fmt.Fprintf(&sb, "%016x\n", math.Float64bits(x))
	}
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkStage times one time step (two stages) of the batch kernels alone on a batch of 8 generator
// states, per kernel and grid: the kernels' CPU ns per cell-update without the per-frame work.
func BenchmarkStage(b *testing.B) {
	for _, n := range []int{64, 1024} {
		for _, k := range kernelsAvailable() {
			b.Run(fmt.Sprintf("N=%d/%s", n, k), func(b *testing.B) {
				p := Params{Beta: 1, Cells: n, T: 1, Frames: 1, CFL: 0.4}
				s, err := NewBatchSolver(p, lanePad)
				if err != nil {
					b.Fatal(err)
				}
				if k != "" {
					s.kernel = k
				}
				for l, u := range batchInputs(p, lanePad) {
					for i, x := range u {
						s.u[(i+2)*s.stride+l] = x
					}
				}
				c := 0.4 / 2 // dt/dx at CFL 0.4 and beta 1, halved: keeps the state bounded over many steps
				steps := 0
				cpu := cputime.Seconds()
				for b.Loop() {
					s.ghosts(s.u)
					stageBatch(k, s.u, s.u, s.us, s.w, n, s.stride, 1, 1, 0.5*c)
					s.ghosts(s.us)
					stageBatch(k, s.us, s.u, s.u, s.w, n, s.stride, 1, 1, c)
					steps++
				}
				b.ReportMetric((cputime.Seconds()-cpu)*1e9/float64(steps*n*lanePad), "cpu-ns/cell-update")
				b.ReportMetric(0, "ns/op")
			})
		}
	}
}

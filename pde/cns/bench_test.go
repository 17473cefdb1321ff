package cns

import (
	"context"
	"testing"

	"github.com/trajdiff/trajdiff/pde/internal/cputime"
)

// BenchmarkTrajectory times the generator at the default resolution (1024 cells, T = 1,
// eta = zeta = 0.01); the step count depends on the drawn initial condition.
func BenchmarkTrajectory(b *testing.B) {
	g := Generator{Params: DefaultParams()}
	s, err := g.NewSolver()
	if err != nil {
		b.Fatal(err)
	}
	i, steps := 0, 0
	cpu := cputime.Seconds()
	for b.Loop() {
		if _, err := g.Trajectory(context.Background(), s, 1, i); err != nil {
			b.Fatal(err)
		}
		steps += s.Steps()
		i++
	}
	b.ReportMetric((cputime.Seconds()-cpu)/float64(b.N), "cpu-s/traj")
	b.ReportMetric(float64(steps)/float64(b.N), "steps/traj")
}

// BenchmarkReferenceWorkload runs the initial condition of case 0 of testdata/pde/cns_ref.json at the
// default resolution, the trajectory scripts/pde/bench_numpy.py times with NumPy.
func BenchmarkReferenceWorkload(b *testing.B) {
	p := DefaultParams()
	init := loadReference(b)[0].initial().State(p)
	s, err := NewSolver(p)
	if err != nil {
		b.Fatal(err)
	}
	cpu := cputime.Seconds()
	for b.Loop() {
		if _, err := s.Solve(context.Background(), init); err != nil {
			b.Fatal(err)
		}
	}
	sec := (cputime.Seconds() - cpu) / float64(b.N)
	b.ReportMetric(sec, "cpu-s/traj")
	b.ReportMetric(float64(s.Steps()), "steps/traj")
	b.ReportMetric(sec/float64(s.Steps()*p.Cells)*1e9, "cpu-ns/cell-update")
}

// BenchmarkSmallGrid times random PDEBench trajectories on WDNO's reduced grid (64 cells, T = 1, 20
// intervals; configs/wdno-cns-small-sim.toml), the workload scripts/pde/cns_numpy_bench.py times as
// "wdno-small". A cell-update is one hydrodynamic step (with its viscous sub-steps) of one cell.
func BenchmarkSmallGrid(b *testing.B) {
	p := DefaultParams()
	p.Cells, p.Frames = 64, 20
	g := Generator{Params: p}
	s, err := g.NewSolver()
	if err != nil {
		b.Fatal(err)
	}
	i, steps := 0, 0
	cpu := cputime.Seconds()
	for b.Loop() {
		if _, err := g.Trajectory(context.Background(), s, 1, i%64); err != nil {
			b.Fatal(err)
		}
		steps += s.Steps()
		i++
	}
	sec := cputime.Seconds() - cpu
	b.ReportMetric(sec/float64(b.N), "cpu-s/traj")
	b.ReportMetric(float64(steps)/float64(b.N), "steps/traj")
	b.ReportMetric(sec/float64(steps*p.Cells)*1e9, "cpu-ns/cell-update")
}

// BenchmarkBatch times the batch solver (each kernel set this CPU runs) on random PDEBench trajectories:
// "default" is the default grid (1024 cells) over the first 2 of its 100 intervals (T = 0.02), 64
// trajectories of seed 1, and "wdno-small" the 64-cell grid of BenchmarkSmallGrid, trajectories 0..63 of
// seed 1: the workloads scripts/pde/cns_numpy_bench.py times. A cell-update is one hydrodynamic step
// (with its viscous sub-steps) of one cell of one trajectory.
func BenchmarkBatch(b *testing.B) {
	def := DefaultParams()
	def.T, def.Frames = 0.02, 2
	small := DefaultParams()
	small.Cells, small.Frames = 64, 20
	for _, w := range []struct {
		name string
		p    Params
		n    int
	}{{"default", def, 64}, {"wdno-small", small, 64}} {
		for _, k := range kernelsAvailable() {
			b.Run(w.name+"/"+k, func(b *testing.B) {
				g := Generator{Params: w.p}
				s, err := newBatchSolver(w.p, k)
				if err != nil {
					b.Fatal(err)
				}
				steps, lanes := 0, 0
				cpu := cputime.Seconds()
				for b.Loop() {
					_, errs, err := g.Trajectories(context.Background(), s, 1, 0, w.n)
					if err != nil {
						b.Fatal(err)
					}
					for i, e := range errs {
						if e != nil {
							b.Fatal(e)
						}
						steps += s.Steps()[i]
					}
					lanes += 8 * s.batchSteps
				}
				sec := cputime.Seconds() - cpu
				b.ReportMetric(sec/float64(b.N*w.n), "cpu-s/traj")
				b.ReportMetric(float64(steps)/float64(b.N*w.n), "steps/traj")
				b.ReportMetric(sec/float64(steps*w.p.Cells)*1e9, "cpu-ns/cell-update")
				if lanes > 0 {
					b.ReportMetric(float64(steps)/float64(lanes), "lane-use")
				}
			})
		}
	}
}

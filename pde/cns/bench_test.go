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

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
	b.ReportMetric((cputime.Seconds()-cpu)/float64(b.N), "cpu-s/traj")
	b.ReportMetric(float64(s.Steps()), "steps/traj")
}

package advection

import (
	"context"
	"testing"

	"github.com/trajdiff/trajdiff/pde"
	"github.com/trajdiff/trajdiff/pde/internal/cputime"
)

// BenchmarkTrajectory times the generator at PDEBench's resolution (1024 cells, T = 2, beta = 1,
// 200 frames of 26 steps).
func BenchmarkTrajectory(b *testing.B) {
	g := Generator{Params: DefaultParams()}
	s, err := g.NewSolver()
	if err != nil {
		b.Fatal(err)
	}
	i := 0
	cpu := cputime.Seconds()
	for b.Loop() {
		if _, err := g.Trajectory(context.Background(), s, 1, i); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric((cputime.Seconds()-cpu)/float64(b.N), "cpu-s/traj")
}

// referenceProfile is the initial profile scripts/pde/bench_numpy.py advects.
var referenceProfile = pde.MultiMode{Modes: []pde.Mode{{K: 2, A: 0.8, Phi: 0.3}, {K: 3, A: 0.5, Phi: 1.1}}, Sign: 1}

// BenchmarkReferenceWorkload advects referenceProfile at the default resolution, the run
// scripts/pde/bench_numpy.py times with NumPy.
func BenchmarkReferenceWorkload(b *testing.B) {
	p := DefaultParams()
	s, err := NewSolver(p)
	if err != nil {
		b.Fatal(err)
	}
	u0 := Sample(referenceProfile.Eval, p.X())
	out := make([]float64, (p.Frames+1)*p.Cells)
	cpu := cputime.Seconds()
	for b.Loop() {
		if _, err := s.Solve(context.Background(), u0, out); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric((cputime.Seconds()-cpu)/float64(b.N), "cpu-s/traj")
}

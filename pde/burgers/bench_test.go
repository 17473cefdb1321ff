package burgers

import (
	"context"
	"testing"

	"github.com/trajdiff/trajdiff/pde/internal/cputime"
)

// BenchmarkTrajectory times the generator at the default resolution (515 solver points, 6660 Euler
// steps), sampling included.
func BenchmarkTrajectory(b *testing.B) {
	g := Generator{Params: DefaultParams()}
	s, err := g.NewSolver()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	i := 0
	cpu := cputime.Seconds()
	for b.Loop() {
		if _, err := g.Trajectory(ctx, s, 1, i); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric((cputime.Seconds()-cpu)/float64(b.N), "cpu-s/traj")
}

// BenchmarkReferenceWorkload solves case 0 of testdata/pde/burgers_ref.json (default resolution), the
// trajectory scripts/pde/bench_numpy.py times with NumPy.
func BenchmarkReferenceWorkload(b *testing.B) {
	c := loadReference(b)[0]
	p := DefaultParams()
	s, err := NewSolver(p)
	if err != nil {
		b.Fatal(err)
	}
	n := p.Cells
	u0, f := c.U[:n], c.F
	ctx := context.Background()
	cpu := cputime.Seconds()
	for b.Loop() {
		if _, err := s.Solve(ctx, u0, f, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric((cputime.Seconds()-cpu)/float64(b.N), "cpu-s/traj")
}

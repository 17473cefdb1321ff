package smoke

import (
	"context"
	"testing"

	"github.com/trajdiff/trajdiff/pde/internal/cputime"
)

// BenchmarkTrajectory times one default-resolution generated trajectory (128^2, 257 steps, 33 frames).
func BenchmarkTrajectory(b *testing.B) {
	g := Generator{Params: DefaultParams()}
	s, err := g.NewSimulator()
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

// BenchmarkReferenceWorkload runs the control of scripts/pde/bench_numpy.py, so the two codes do the same
// work (same control, same iteration counts).
func BenchmarkReferenceWorkload(b *testing.B) {
	p := DefaultParams()
	s, err := NewSimulator(p)
	if err != nil {
		b.Fatal(err)
	}
	c := fixedControl(p, &s.l)
	cpu := cputime.Seconds()
	for b.Loop() {
		if _, err := s.Run(context.Background(), Initial{X0: 40, Y0: 22, Size: 11}, c); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric((cputime.Seconds()-cpu)/float64(b.N), "cpu-s/traj")
}

// BenchmarkAdjointGradient times one cost-and-gradient evaluation of WDNO's control objective at the
// default resolution over the 32 modelled frames (249 steps): the forward run and the backward sweep.
// BenchmarkReferenceWorkload's forward run of 257 steps is the reference.
func BenchmarkAdjointGradient(b *testing.B) {
	p := DefaultParams()
	p.Steps = 31 * p.Stride
	a, err := NewAdjoint(p)
	if err != nil {
		b.Fatal(err)
	}
	c := fixedControl(p, &a.s.l)
	g := make([]float64, len(c))
	cpu := cputime.Seconds()
	for b.Loop() {
		if _, err := a.Gradient(context.Background(), Initial{X0: 40, Y0: 22, Size: 11}, c, Objective{}, g); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric((cputime.Seconds()-cpu)/float64(b.N), "cpu-s/grad")
}

package burgers

import (
	"context"
	"testing"

	"github.com/trajdiff/trajdiff/pde/internal/cputime"
)

// wdnoControlCase is trajectory index of seed 1 at p: its initial state, its final state as the target
// (WDNO's control task) with w = 2e-5, and its control.
func wdnoControlCase(tb testing.TB, p Params, index int) ([]float64, []float64, Objective) {
	tb.Helper()
	g := Generator{Params: p}
	s, err := g.NewSolver()
	if err != nil {
		tb.Fatal(err)
	}
	tr, err := g.Trajectory(context.Background(), s, 1, index)
	if err != nil {
		tb.Fatal(err)
	}
	n := p.Cells
	return tr.U[:n], tr.F, Objective{Target: tr.U[len(tr.U)-n:], EnergyWeight: 2e-5}
}

// BenchmarkControlGradient times one cost-and-gradient evaluation (forward solve with checkpoints,
// recomputation, backward sweep) at WDNOSmallParams: 40 x 480 steps on 243 points. ns/point-update
// is the time per fine point and Euler step of the forward solve, all three sweeps included.
func BenchmarkControlGradient(b *testing.B) {
	p := WDNOSmallParams()
	u0, f, o := wdnoControlCase(b, p, 0)
	a, err := NewAdjoint(p)
	if err != nil {
		b.Fatal(err)
	}
	grad := make([]float64, len(f))
	ctx := context.Background()
	cpu := cputime.Seconds()
	for b.Loop() {
		if _, err := a.Gradient(ctx, u0, f, o, grad); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	updates := float64(p.Frames*p.Steps()*p.FinePoints()) * float64(b.N)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/updates, "ns/point-update")
	b.ReportMetric((cputime.Seconds()-cpu)/float64(b.N), "cpu-s/grad")
}

// BenchmarkControlGradientWDNO times one cost-and-gradient evaluation at WDNOParams (80 x 7680 steps
// on 1935 points, recomputed in blocks of 88 steps): several seconds per evaluation, so run it with
// -benchtime=1x.
func BenchmarkControlGradientWDNO(b *testing.B) {
	p := WDNOParams()
	u0, f, o := wdnoControlCase(b, p, 0)
	a, err := NewAdjoint(p)
	if err != nil {
		b.Fatal(err)
	}
	grad := make([]float64, len(f))
	ctx := context.Background()
	cpu := cputime.Seconds()
	for b.Loop() {
		if _, err := a.Gradient(ctx, u0, f, o, grad); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	updates := float64(p.Frames*p.Steps()*p.FinePoints()) * float64(b.N)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/updates, "ns/point-update")
	b.ReportMetric((cputime.Seconds()-cpu)/float64(b.N), "cpu-s/grad")
}

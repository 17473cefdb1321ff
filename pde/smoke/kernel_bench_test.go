package smoke

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/trajdiff/trajdiff/pde/internal/cputime"
)

// benchLevel is the top level of the WDNO layout at 128 with random x and b, running kernel k.
func benchLevel(b *testing.B, k kernel) *mgLevel {
	b.Helper()
	lay := WDNOLayout(128)
	l := topLevel(&lay)
	fillRandom(rand.New(rand.NewPCG(20, 5)), l)
	l.setKernel(k)
	return l
}

// benchKernels runs f once per available kernel as a sub-benchmark and reports CPU nanoseconds per
// cell (cells: the interior cells f touches per call).
func benchKernels(b *testing.B, cells int, f func(b *testing.B, k kernel) func()) {
	for _, k := range kernelsAvailable() {
		b.Run(k.String(), func(b *testing.B) {
			call := f(b, k)
			cpu := cputime.Seconds()
			for b.Loop() {
				call()
			}
			b.ReportMetric((cputime.Seconds()-cpu)/float64(b.N)/float64(cells)*1e9, "cpu-ns/cell")
		})
	}
}

// BenchmarkSweep times one red and one black half-sweep of the 128^2 WDNO level, each a separate pass
// over the level (cpu-ns per cell, every cell updated once).
func BenchmarkSweep(b *testing.B) {
	benchKernels(b, 128*128, func(b *testing.B, k kernel) func() {
		l := benchLevel(b, k)
		return func() { l.sweep(0); l.sweep(1) }
	})
}

// BenchmarkSweepRowInL1 relaxes one row of uniform cells (row 1 of the 128^2 WDNO level, outside the
// box) again and again, alternating the colours, so that the three rows it reads stay in the first-level
// cache: the row kernel alone, for the machine-limit estimate (cpu-ns per cell-update, 64 per call).
func BenchmarkSweepRowInL1(b *testing.B) {
	for _, k := range kernelsAvailable() {
		b.Run(k.String(), func(b *testing.B) {
			l := benchLevel(b, k)
			if len(l.runs[0]) != 1 || !l.runs[0][0].uniform {
				b.Fatal("row 1 is not one uniform run")
			}
			const calls = 100
			cpu := cputime.Seconds()
			for b.Loop() {
				for c := range calls {
					if k == kernelGo {
						l.sweepRow(1, c%2)
					} else {
						sweepRowUniform(k, l, 1, c%2)
					}
				}
			}
			b.ReportMetric((cputime.Seconds()-cpu)/float64(b.N)/calls/64*1e9, "cpu-ns/update")
		})
	}
}

// BenchmarkSmooth times the pre-smoothing of the 128^2 WDNO level, four half-sweeps (one wavefront
// with the vector kernels; cpu-ns per cell and half-sweep).
func BenchmarkSmooth(b *testing.B) {
	benchKernels(b, 4*128*128, func(b *testing.B, k kernel) func() {
		l := benchLevel(b, k)
		return func() { l.smooth(0) }
	})
}

// BenchmarkApply times out = A v on the 128^2 WDNO level.
func BenchmarkApply(b *testing.B) {
	benchKernels(b, 128*128, func(b *testing.B, k kernel) func() {
		l := benchLevel(b, k)
		return func() { l.apply(l.x, l.res) }
	})
}

// BenchmarkTransfer times the restriction from the 128^2 WDNO level to 64^2 and the prolongation back
// (cpu-ns per fine cell).
func BenchmarkTransfer(b *testing.B) {
	benchKernels(b, 128*128, func(b *testing.B, k kernel) func() {
		lay := WDNOLayout(128)
		ps, err := newPressureSolver(&lay, 1e-8, 10)
		if err != nil {
			b.Fatal(err)
		}
		ps.setKernel(k)
		l, c := ps.levels[0], ps.levels[1]
		fillRandom(rand.New(rand.NewPCG(20, 9)), l)
		fillRandom(rand.New(rand.NewPCG(20, 10)), c)
		copy(l.res, l.x)
		return func() { l.restrict(c); l.prolong(c) }
	})
}

// BenchmarkVCycle times one application of the multigrid preconditioner on the WDNO layout at 128
// (cpu-ns per fine cell).
func BenchmarkVCycle(b *testing.B) {
	benchKernels(b, 128*128, func(b *testing.B, k kernel) func() {
		lay := WDNOLayout(128)
		ps, err := newPressureSolver(&lay, 1e-8, 10)
		if err != nil {
			b.Fatal(err)
		}
		ps.setKernel(k)
		top := ps.levels[0]
		fillRandom(rand.New(rand.NewPCG(20, 11)), top)
		for c, dg := range top.diag {
			if dg == 0 {
				top.b[c] = 0
			}
		}
		return func() { ps.vcycle(0) }
	})
}

// BenchmarkCGUpdates times the two CG vector updates of one iteration (p += alpha d, r -= alpha q with
// max |r|; d = z + beta d) on the padded 130^2 arrays, as solve runs them (alpha and beta of 0.5 keep
// the values bounded).
func BenchmarkCGUpdates(b *testing.B) {
	const m = 130 * 130
	benchKernels(b, m, func(b *testing.B, k kernel) func() {
		r := rand.New(rand.NewPCG(20, 6))
		v := func() []float64 {
			x := make([]float64, m)
			for i := range x {
				x[i] = r.Float64()
			}
			return x
		}
		p, rr, d, q, z := v(), v(), v(), v(), v()
		return func() {
			m, _ := cgUpdateVec(k, p, rr, d, q, 0.5)
			for c := m; c < len(rr); c++ {
				p[c] += float64(0.5 * d[c])
				rr[c] -= float64(0.5 * q[c])
			}
			for c := cgDirectionVec(k, d, z, 0.5); c < len(d); c++ {
				d[c] = z[c] + float64(0.5*d[c])
			}
		}
	})
}

// BenchmarkReferenceWorkloadKernels is BenchmarkReferenceWorkload with each kernel forced.
func BenchmarkReferenceWorkloadKernels(b *testing.B) {
	p := DefaultParams()
	for _, k := range kernelsAvailable() {
		b.Run(k.String(), func(b *testing.B) {
			s, err := NewSimulator(p)
			if err != nil {
				b.Fatal(err)
			}
			s.ps.setKernel(k)
			c := fixedControl(p, &s.l)
			cpu := cputime.Seconds()
			for b.Loop() {
				if _, err := s.Run(context.Background(), Initial{X0: 40, Y0: 22, Size: 11}, c); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric((cputime.Seconds()-cpu)/float64(b.N), "cpu-s/traj")
		})
	}
}

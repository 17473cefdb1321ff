package cns

import (
	"context"
	"testing"
)

// BenchmarkKernels times each SIMD pass of the batch solver on a state of the default grid (8 random
// PDEBench trajectories after 20 steps), per cell of 8 lanes.
func BenchmarkKernels(b *testing.B) {
	p := DefaultParams()
	p.T, p.Frames = 0.002, 1
	for _, k := range kernelsAvailable() {
		if k == "go" {
			continue
		}
		s, err := newBatchSolver(p, k)
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := s.Solve(context.Background(), randomInits(p, 8)); err != nil {
			b.Fatal(err)
		}
		for b2 := range lanes {
			s.setStep(b2, 1e-5)
		}
		for _, kk := range []struct {
			name      string
			id, j0, n int
		}{{"hancock", kHancock, 1, p.Cells + 2}, {"hllc", kHLLC, 0, p.Cells + 1}, {"update", kUpdate, 2, p.Cells},
			{"prims", kPrims, 2, p.Cells}, {"primsSpeed", kPrimsSpeed, 2, p.Cells}, {"viscous", kViscous, 2, p.Cells},
			{"viscousPrims", kViscousPrims, 2, p.Cells}, {"viscousPrimsSpeed", kViscousPrimsSpeed, 2, p.Cells}} {
			b.Run(k+"/"+kk.name, func(b *testing.B) {
				for b.Loop() {
					s.call(kk.id, kk.j0, kk.n)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*kk.n), "ns/cell")
			})
		}
	}
}

package kern

import (
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
)

// TestFramesKernelsWorkerIndependent checks that EGTN's graph and temporal kernels, which split their work
// over frames, groups or frame indices, give bit-identical results for 1 and several workers.
func TestFramesKernelsWorkerIndependent(t *testing.T) {
	// Large enough for every kernel to split its work (parallel's threshold); d is wide for the same reason.
	g := Frames{B: 8, F: 9, N: 5}
	const h, d = 64, 40
	rng := rand.New(rand.NewPCG(1, 2))
	rnd := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return v
	}
	R, E, G, F := g.Rows(), g.EdgeRows(), g.B*g.N, g.F
	hv, q, k, v, psi, x, w := rnd(R*h), rnd(R*h), rnd(R*h), rnd(R*h), rnd(F*F*h), rnd(R*d), rnd(R)
	dyE, dyR, dyX, da := rnd(E*2*h), rnd(R*h), rnd(R*d), rnd(G*F*F)
	a, dl, work := make([]float32, G*F*F), make([]float32, G*F*F), make([]float32, g.RelWork(h))
	RelAttnWeightsFwd(g, a, q, k, psi, work, h)
	SoftmaxRowsGrad(dl, a, da, F)
	run := func() [][]float32 {
		var out [][]float32
		add := func(n int, f func(y []float32)) {
			y := make([]float32, n)
			f(y)
			out = append(out, y)
		}
		add(E*2*h, func(y []float32) { EdgePairFwd(g, y, hv, h) })
		add(E*h, func(y []float32) { EdgeCombineFwd(g, y, hv, q, dyE[:E*h], h) })
		add(R*h, func(y []float32) { EdgeSourceSum(g, y, dyE[:E*h], h) })
		add(R*h, func(y []float32) { EdgePairBwd(g, y, dyE, h) })
		add(E*d, func(y []float32) { EdgeDiffFwd(g, y, x, d) })
		add(R*d, func(y []float32) { EdgeDiffBwd(g, y, dyE[:E*d], d) })
		add(R*h, func(y []float32) { SegmentSumFwd(y, dyE[:E*h], g.N-1, h) })
		add(E*h, func(y []float32) { SegmentSumBwd(y, dyR, g.N-1, h) })
		add(G*F*F, func(y []float32) { RelAttnWeightsFwd(g, y, q, k, psi, work, h) })
		for which := 0; which < 3; which++ {
			n := R * h
			if which == 2 {
				n = F * F * h
			}
			add(n, func(y []float32) { RelAttnWeightsBwd(g, which, y, dl, q, k, psi, work, h) })
			if which == 0 {
				n = G * F * F
			}
			add(n, func(y []float32) { RelAttnApplyBwd(g, which, y, a, v, psi, dyR, work, h) })
			n = R * d
			if which == 1 {
				n = G * F * F
			} else if which == 2 {
				n = R
			}
			add(n, func(y []float32) { TemporalCoordBwd(g, which, y, x, a, w, dyX, d) })
		}
		add(R*h, func(y []float32) { RelAttnApplyFwd(g, y, a, v, psi, work, h) })
		add(R*d, func(y []float32) { TemporalCoordFwd(g, y, x, a, w, d) })
		return out
	}
	old := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(old)
	one := run()
	for _, p := range []int{2, 3, 5} {
		runtime.GOMAXPROCS(p)
		for i, y := range run() {
			if !slices.Equal(y, one[i]) {
				t.Errorf("kernel result %d differs between 1 and %d workers", i, p)
			}
		}
	}
}

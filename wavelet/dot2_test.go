package wavelet

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The assembly kernel must reproduce the Go kernel bit for bit, for every lane count (8-, 2- and
// 1-lane tails), with and without accumulation.
func TestDot2AsmMatchesGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	base := randVec(rng, 400)
	for _, nk := range []int{1, 2, 3, 8, 13} {
		fa, fd := randVec(rng, nk), randVec(rng, nk)
		ta, td := newTaps(fa), newTaps(fd)
		for n := 0; n <= 21; n++ {
			offs := make([]int, nk)
			for k := range offs {
				offs[k] = rng.IntN(len(base) - n)
			}
			init := randVec(rng, 2*n)
			for _, acc := range []bool{false, true} {
				a1, d1 := append([]float64(nil), init[:n]...), append([]float64(nil), init[n:]...)
				a2, d2 := append([]float64(nil), init[:n]...), append([]float64(nil), init[n:]...)
				dot2(base, offs, ta, td, a1, d1, acc)
				dot2Go(base, offs, fa, fd, a2, d2, acc)
				for j := 0; j < n; j++ {
					if math.Float64bits(a1[j]) != math.Float64bits(a2[j]) || math.Float64bits(d1[j]) != math.Float64bits(d2[j]) {
						t.Fatalf("nk=%d n=%d acc=%v lane %d: %v,%v vs Go %v,%v", nk, n, acc, j, a1[j], d1[j], a2[j], d2[j])
					}
				}
			}
		}
	}
}

package burgers

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The row loops in assembly (amd64 with FMA3) round exactly as their Go definitions, for every length
// (the loops have no unrolled tails, but the walls are handled outside them).
func TestRowKernelsAreBitIdenticalToGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	draw := func(n int) []float64 {
		x := make([]float64, n)
		for i := range x {
			x[i] = rng.NormFloat64()
		}
		return x
	}
	st := stencil{a: 0.013, b: 0.37, c: 1 - 2*0.37}
	for n := 1; n <= 37; n++ {
		u, f := draw(n+2), draw(n)
		got, want := make([]float64, n), make([]float64, n)
		st.stepRow(got, u, f, 1e-3)
		st.stepRowGo(want, u, f, 1e-3)
		for j := range got {
			if math.Float64bits(got[j]) != math.Float64bits(want[j]) {
				t.Fatalf("forward row of %d points, point %d: %v, want %v", n, j, got[j], want[j])
			}
		}
		lam, uu, acc := draw(n+2), draw(n), draw(n)
		accGo := append([]float64(nil), acc...)
		stepAdjointRow(got, lam, uu, acc, 0.026, 0.37)
		stepAdjointRowGo(want, lam, uu, accGo, 0.026, 0.37)
		for j := range got {
			if math.Float64bits(got[j]) != math.Float64bits(want[j]) || math.Float64bits(acc[j]) != math.Float64bits(accGo[j]) {
				t.Fatalf("adjoint row of %d points, point %d: out %v acc %v, want %v %v", n, j, got[j], acc[j], want[j], accGo[j])
			}
		}
	}
}

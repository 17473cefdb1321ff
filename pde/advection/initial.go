package advection

import (
	"math"
	"math/rand/v2"

	"github.com/trajdiff/trajdiff/pde"
)

// Initial is a PDEBench initial profile on [0, 1) (see the package documentation).
type Initial = pde.MultiMode

// RandomInitial draws a PDEBench advection initial profile: two modes with k in 1..4, |.| with
// probability 0.1, a random sign, the window with probability 0.1.
func RandomInitial(r *rand.Rand) Initial { return pde.RandomMultiMode(r, 4, 0.1) }

// Shift returns the exact solution u(., t) = u0(. - beta t) of a 1-periodic u0.
func Shift(u0 func(float64) float64, beta, t float64) func(float64) float64 {
	d := beta * t
	return func(x float64) float64 {
		y := x - d
		return u0(y - math.Floor(y))
	}
}

// Sample evaluates f at xs.
func Sample(f func(float64) float64, xs []float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return out
}

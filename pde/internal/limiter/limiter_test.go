package limiter

import (
	"math"
	"testing"
)

func TestMC(t *testing.T) {
	minmod := func(xs ...float64) float64 {
		s := math.Copysign(1, xs[0])
		m := math.Inf(1)
		for _, x := range xs {
			if math.Copysign(1, x) != s || x == 0 {
				return 0
			}
			m = math.Min(m, math.Abs(x))
		}
		return s * m
	}
	for _, c := range [][2]float64{{1, 3}, {3, 1}, {-1, -3}, {-2, -0.5}, {1, -1}, {0, 2}, {0.1, 0.1}} {
		a, b := c[0], c[1]
		if got, want := MC(a, b), minmod((a+b)/2, 2*a, 2*b); got != want {
			t.Errorf("MC(%v, %v) = %v, want %v", a, b, got, want)
		}
	}
}

package stats

import (
	"math"
	"testing"
)

// The 5th and 95th percentiles and the median interpolate linearly between order statistics, as NumPy's.
func TestQuantileInterpolatesLikeNumPy(t *testing.T) {
	xs := []float64{4, 1, 3, 2, 10}
	for q, want := range map[float64]float64{0: 1, 0.5: 3, 0.95: 8.8, 1: 10, 0.25: 2} {
		if got := Quantile(xs, q); math.Abs(got-want) > 1e-12 {
			t.Errorf("Quantile(%v) = %v, want %v", q, got, want)
		}
	}
	if xs[0] != 4 {
		t.Error("Quantile sorted its input")
	}
	if Quantile(nil, 0.5) != 0 {
		t.Error("the quantile of nothing is not 0")
	}
}

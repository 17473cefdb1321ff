// Package stats holds the small summaries that evaluations of several systems share.
package stats

import (
	"math"
	"slices"
)

// Quantile is the q-quantile of xs with linear interpolation between order statistics (NumPy's default,
// Hyndman and Fan's type 7); 0 for no values. xs is not modified.
func Quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	h := q * float64(len(s)-1)
	lo := int(math.Floor(h))
	if lo >= len(s)-1 {
		return s[len(s)-1]
	}
	return s[lo] + (h-float64(lo))*(s[lo+1]-s[lo])
}

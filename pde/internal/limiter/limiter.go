// Package limiter holds the slope limiters the finite-volume schemes of pde share.
package limiter

// MC is the monotonised-central limited slope of backward and forward differences a and b,
// minmod((a+b)/2, 2a, 2b) (van Leer 1977), PDEBench's VL limiter. It is small enough to be inlined into
// the schemes' inner loops.
func MC(a, b float64) float64 {
	if a*b <= 0 {
		return 0
	}
	// Explicit comparisons: the builtin min and max also order NaN and signed zeros, which costs more.
	c, a2, b2 := 0.5*(a+b), 2*a, 2*b
	if a > 0 {
		if a2 < c {
			c = a2
		}
		if b2 < c {
			c = b2
		}
		return c
	}
	if a2 > c {
		c = a2
	}
	if b2 > c {
		c = b2
	}
	return c
}

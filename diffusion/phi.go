package diffusion

import "math"

// phi returns the exponential-integrator function phi_k(x) = sum_{j>=0} x^j/(j+k)!, so phi_0 = e^x,
// phi_1 = (e^x - 1)/x, phi_{k+1} = (phi_k - 1/k!)/x (Hochbruck & Ostermann 2010). The series is used for
// small |x|, where the recursion would cancel catastrophically; this keeps the high-order solvers accurate at
// the many-step limit the convergence tests probe.
func phi(k int, x float64) float64 {
	if math.Abs(x) < 0.5 {
		// sum_{j>=0} x^j/(j+k)!: 30 terms leave an error below 0.5^30/30! << 1e-300.
		term := 1.0
		for i := 2; i <= k; i++ {
			term /= float64(i)
		}
		s := 0.0
		for j := 0; j < 30; j++ {
			s += term
			term *= x / float64(j+k+1)
		}
		return s
	}
	v := math.Exp(x)
	if k == 0 {
		return v
	}
	v = math.Expm1(x) / x
	fact := 1.0
	for i := 1; i < k; i++ {
		v = (v - 1/fact) / x
		fact *= float64(i + 1)
	}
	return v
}

// logPositive is log(x) for x > 0 and -Inf at 0 (so that TimeAtLogSNR(+Inf) = 0 is the data end).
func logPositive(x float64) float64 {
	if x <= 0 {
		return math.Inf(-1)
	}
	return math.Log(x)
}

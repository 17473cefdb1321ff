package diffusion

import (
	"math"
	"testing"
)

// A third-order multistep formula must integrate a quadratic x0-prediction exactly. With the data-prediction
// ODE in x-hat = x/alpha, x-hat_n = e^{-h} x-hat + int_0^h e^{-(h-u)} D(lambda_0 + u) du; take x-hat = 0 at lambda_0
// and compare one 3M step against the integral computed in closed form for D(l) = a l^2 + b l + c.
func TestDPMSolverPP3MExactForQuadratics(t *testing.T) {
	a, b, c := 0.3, -0.7, 0.2
	D := func(l float64) float64 { return a*l*l + b*l + c }
	l0, h0, h1, h := 1.0, 0.25, 0.4, 0.3
	// int_0^h e^{-(h-u)} p(l0+u) du with p quadratic: repeated integration by parts.
	p0, p1, p2 := D(l0+h), 2*a*(l0+h)+b, 2*a
	q0, q1 := D(l0), 2*a*l0+b
	exact := (p0 - p1 + p2) - math.Exp(-h)*(q0-q1+p2)
	m0, m1, m2 := D(l0), D(l0-h0), D(l0-h0-h1)
	r0, r1 := h0/h, h1/h
	d10, d11 := (m0-m1)/r0, (m1-m2)/r1
	d1 := d10 + r0/(r0+r1)*(d10-d11)
	d2 := (d10 - d11) / (r0 + r1)
	ours := h*phi(1, -h)*m0 + h*phi(2, -h)*d1 + 2*h*phi(3, -h)*d2
	published := h*phi(1, -h)*m0 + h*phi(2, -h)*d1 + h*phi(3, -h)*d2
	if math.Abs(ours-exact) > 1e-14 {
		t.Errorf("3M step %v, exact %v", ours, exact)
	}
	if math.Abs(published-exact) < 1e-6 {
		t.Errorf("the published weighting unexpectedly exact: %v vs %v", published, exact)
	}
	t.Logf("exact %.15f, 3M %.15f, published 3M %.15f", exact, ours, published)
}

func TestPhiSeriesAndRecursionAgree(t *testing.T) {
	for k := 1; k <= 4; k++ {
		for _, x := range []float64{-0.49999, 0.49999, -3, 2} {
			// Reference: phi_k(x) = int_0^1 e^{(1-s)x} s^{k-1}/(k-1)! ds by composite Simpson.
			const n = 20000
			sum := 0.0
			fact := 1.0
			for i := 2; i < k; i++ {
				fact *= float64(i)
			}
			for i := 0; i <= n; i++ {
				s := float64(i) / n
				w := 2.0
				if i == 0 || i == n {
					w = 1
				} else if i%2 == 1 {
					w = 4
				}
				sum += w * math.Exp((1-s)*x) * math.Pow(s, float64(k-1)) / fact
			}
			ref := sum / (3 * n)
			if got := phi(k, x); math.Abs(got-ref) > 1e-12*math.Abs(ref) {
				t.Errorf("phi_%d(%v) = %v, quadrature %v", k, x, got, ref)
			}
		}
	}
}

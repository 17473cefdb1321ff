package burgers

import (
	"math"

	"github.com/trajdiff/trajdiff/pde"
	"gonum.org/v1/gonum/integrate/quad"
)

// ColeHopf is the exact solution of the unforced problem u_t + u u_x = nu u_xx on [0, 1] with
// u(0, t) = u(1, t) = 0 for an initial state with potential Phi(x) = int_0^x u0 (see the package
// documentation for the formula).
type ColeHopf struct {
	Nu  float64
	Phi func(x float64) float64 // int_0^x u0(s) ds for x in [0, 1]
	// Nodes is the Gauss-Legendre order of each quadrature panel (0: 24).
	Nodes int
}

// reflect maps y to [0, 1] by the even, 2-periodic extension about x = 0 and x = 1.
func reflect(y float64) float64 {
	y = math.Mod(y, 2)
	if y < 0 {
		y += 2
	}
	if y > 1 {
		y = 2 - y
	}
	return y
}

// Eval returns u(x, t) for t > 0 (u0 itself for t = 0 is not available from Phi).
func (c ColeHopf) Eval(x, t float64) (float64, error) {
	if !(c.Nu > 0) || !(t > 0) {
		return 0, pde.Invalidf("cole-hopf: need nu > 0 and t > 0, got nu = %v, t = %v", c.Nu, t)
	}
	// The kernel exp(-(x-y)^2/(4 nu t) - Phi_e(y)/(2 nu)) is negligible (< e^-40 of its peak) once
	// (x-y)^2/(4 nu t) exceeds the spread of Phi/(2 nu) plus 40.
	lo, hi := math.Inf(1), math.Inf(-1)
	for i := 0; i <= 256; i++ {
		v := c.Phi(float64(i) / 256)
		lo, hi = min(lo, v), max(hi, v)
	}
	spread := (hi - lo) / (2 * c.Nu)
	width := math.Sqrt(4 * c.Nu * t * (spread + 40))
	// Panels no wider than a quarter of the kernel's standard deviation sqrt(2 nu t), and breaking at
	// the reflection points (integers), where Phi_e has a kink in its second derivative.
	h := 0.25 * math.Sqrt(2*c.Nu*t)
	a, b := x-width, x+width
	var edges []float64
	edges = append(edges, a)
	for y := a; y < b; {
		next := math.Min(y+h, b)
		if k := math.Floor(y) + 1; k < next && k > y {
			next = k
		}
		edges = append(edges, next)
		y = next
	}
	n := c.Nodes
	if n == 0 {
		n = 24
	}
	ys := make([]float64, n)
	ws := make([]float64, n)
	var nodes, weights, expo []float64
	for p := 0; p+1 < len(edges); p++ {
		quad.Legendre{}.FixedLocations(ys, ws, edges[p], edges[p+1])
		for i := range ys {
			d := x - ys[i]
			nodes = append(nodes, ys[i])
			weights = append(weights, ws[i])
			expo = append(expo, -d*d/(4*c.Nu*t)-c.Phi(reflect(ys[i]))/(2*c.Nu))
		}
	}
	emax := math.Inf(-1)
	for _, e := range expo {
		emax = max(emax, e)
	}
	num, den := 0.0, 0.0
	for i, e := range expo {
		k := weights[i] * math.Exp(e-emax)
		num += (x - nodes[i]) / t * k
		den += k
	}
	return num / den, nil
}

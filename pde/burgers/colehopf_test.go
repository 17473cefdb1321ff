package burgers

import (
	"context"
	"math"
	"testing"
)

// smoothInitial is a Dirichlet-compatible initial state (both bumps are below 1e-7 at the walls)
// whose solution stays resolved on the grids of the convergence test.
var smoothInitial = GaussianSum{{A: 0.5, C: 0.35, S: 0.06}, {A: -0.4, C: 0.68, S: 0.06}}

// TestColeHopfSolvesBurgers checks the quadrature of the exact solution independently: its
// finite-difference residual u_t + u u_x - nu u_xx must vanish, and it must tend to u0 as t -> 0.
func TestColeHopfSolvesBurgers(t *testing.T) {
	ch := ColeHopf{Nu: 0.01, Phi: smoothInitial.Integral}
	at := func(x, tt float64) float64 {
		v, err := ch.Eval(x, tt)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	const h, k = 1e-3, 1e-4
	for _, x := range []float64{0.1, 0.3, 0.42, 0.5, 0.66, 0.9} {
		for _, tt := range []float64{0.05, 0.2, 0.5} {
			u := at(x, tt)
			// Fourth-order central differences.
			ux := (at(x-2*h, tt) - 8*at(x-h, tt) + 8*at(x+h, tt) - at(x+2*h, tt)) / (12 * h)
			uxx := (-at(x-2*h, tt) + 16*at(x-h, tt) - 30*u + 16*at(x+h, tt) - at(x+2*h, tt)) / (12 * h * h)
			ut := (at(x, tt-2*k) - 8*at(x, tt-k) + 8*at(x, tt+k) - at(x, tt+2*k)) / (12 * k)
			res := ut + u*ux - ch.Nu*uxx
			if math.Abs(res) > 2e-6 {
				t.Errorf("x = %v, t = %v: residual %.3g (u = %.6g, u_t = %.4g)", x, tt, res, u, ut)
			}
		}
		if d := math.Abs(at(x, 1e-7) - smoothInitial.Eval(x)); d > 1e-5 {
			t.Errorf("x = %v: u(x, 1e-7) differs from u0 by %.3g", x, d)
		}
	}
	for _, x := range []float64{0, 1} {
		if v := at(x, 0.3); math.Abs(v) > 1e-12 {
			t.Errorf("wall value u(%v, 0.3) = %.3g, want 0", x, v)
		}
	}
}

// TestBurgersOrderAgainstColeHopf checks the scheme's design order: with nu dt/dx^2 fixed the error
// against the Cole-Hopf solution falls as dx^2.
func TestBurgersOrderAgainstColeHopf(t *testing.T) {
	ch := ColeHopf{Nu: 0.01, Phi: smoothInitial.Integral}
	const T = 0.25
	var errs []float64
	grids := []int{63, 127, 255, 511}
	for _, n := range grids {
		p := Params{Nu: 0.01, Cells: n, Refine: 1, T: T, Frames: 1, DiffusionNumber: 0.4}
		s, err := NewSolver(p)
		if err != nil {
			t.Fatal(err)
		}
		u, err := s.Solve(context.Background(), smoothInitial.Sample(p), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		e := 0.0
		for j, x := range p.X() {
			ex, err := ch.Eval(x, T)
			if err != nil {
				t.Fatal(err)
			}
			e = max(e, math.Abs(u[n+j]-ex))
		}
		errs = append(errs, e)
	}
	for i := 1; i < len(errs); i++ {
		order := math.Log2(errs[i-1] / errs[i])
		t.Logf("N = %4d: max error %.3e, observed order %.3f", grids[i]+1, errs[i], order)
		if order < 1.9 || order > 2.2 {
			t.Errorf("observed order %.3f between N = %d and %d, want 2", order, grids[i-1]+1, grids[i]+1)
		}
	}
}

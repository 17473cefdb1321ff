package advection

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/trajdiff/trajdiff/pde"
	"gonum.org/v1/gonum/integrate/quad"
)

// cellAverages integrates f over each of n cells with 8-point Gauss-Legendre quadrature.
func cellAverages(f func(float64) float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		a, b := float64(i)/float64(n), float64(i+1)/float64(n)
		out[i] = quad.Fixed(f, a, b, 8, quad.Legendre{}, 0) * float64(n)
	}
	return out
}

// TestSecondOrderOnSmoothData checks the design order: on a smooth periodic profile the L1 error
// against the exact shifted cell averages falls as dx^2 (the limiter clips only near the two extrema).
func TestSecondOrderOnSmoothData(t *testing.T) {
	u0 := func(x float64) float64 { return math.Sin(2*math.Pi*x) + 0.3*math.Cos(4*math.Pi*x+1) }
	const beta, T = 0.7, 1.0
	exact := Shift(u0, beta, T)
	var errs []float64
	grids := []int{128, 256, 512, 1024}
	for _, n := range grids {
		p := Params{Beta: beta, Cells: n, T: T, Frames: 1, CFL: 0.4}
		s, err := NewSolver(p)
		if err != nil {
			t.Fatal(err)
		}
		u, err := s.Solve(context.Background(), cellAverages(u0, n), nil)
		if err != nil {
			t.Fatal(err)
		}
		want := cellAverages(exact, n)
		e := 0.0
		for i := range want {
			e += math.Abs(u[n+i]-want[i]) / float64(n)
		}
		errs = append(errs, e)
	}
	for i := 1; i < len(errs); i++ {
		order := math.Log2(errs[i-1] / errs[i])
		t.Logf("N = %4d: L1 error %.3e, observed order %.3f", grids[i], errs[i], order)
		if order < 1.8 || order > 2.3 {
			t.Errorf("observed L1 order %.3f between N = %d and %d, want about 2", order, grids[i-1], grids[i])
		}
	}
}

// TestExactShiftAndConservation runs a whole period: the finite-volume solution must come back close
// to u0, conserve sum u to round-off, and the Exact generator must return u0 exactly after a period.
func TestExactShiftAndConservation(t *testing.T) {
	p := DefaultParams()
	p.T, p.Frames = 1, 10 // one period at beta = 1
	g := Generator{Params: p}
	s, err := g.NewSolver()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	fv, err := g.Trajectory(ctx, s, 5, 2)
	if err != nil {
		t.Fatal(err)
	}
	g.Method = Exact
	ex, err := g.Trajectory(ctx, s, 5, 2)
	if err != nil {
		t.Fatal(err)
	}
	n := p.Cells
	mass0 := 0.0
	for _, v := range fv.U[:n] {
		mass0 += v
	}
	scale := 0.0
	for i := 0; i < n; i++ {
		scale = max(scale, math.Abs(ex.U[i]))
	}
	for fr := 0; fr <= p.Frames; fr++ {
		mass, e := 0.0, 0.0
		for i := 0; i < n; i++ {
			mass += fv.U[fr*n+i]
			e = max(e, math.Abs(fv.U[fr*n+i]-ex.U[fr*n+i]))
		}
		if math.Abs(mass-mass0) > 1e-12*float64(n)*scale {
			t.Errorf("frame %d: sum u changed by %.3g", fr, mass-mass0)
		}
		if e > 0.05*scale {
			t.Errorf("frame %d: max |FV - exact| = %.3g (scale %.3g)", fr, e, scale)
		}
	}
	for i := 0; i < n; i++ {
		if d := math.Abs(ex.U[p.Frames*n+i] - ex.U[i]); d > 1e-12 {
			t.Fatalf("exact solution after one period differs from u0 by %.3g at %d", d, i)
		}
	}
}

// TestTotalVariationDiminishing advects a square wave: the MC-limited scheme must not create new
// extrema (TVD) and must keep the values inside [0, 1].
func TestTotalVariationDiminishing(t *testing.T) {
	p := Params{Beta: -2, Cells: 200, T: 0.3, Frames: 30, CFL: 0.4}
	s, err := NewSolver(p)
	if err != nil {
		t.Fatal(err)
	}
	u0 := Sample(func(x float64) float64 {
		if x > 0.3 && x < 0.6 {
			return 1
		}
		return 0
	}, p.X())
	u, err := s.Solve(context.Background(), u0, nil)
	if err != nil {
		t.Fatal(err)
	}
	n := p.Cells
	tv := func(v []float64) float64 {
		s := 0.0
		for i := range v {
			s += math.Abs(v[(i+1)%len(v)] - v[i])
		}
		return s
	}
	prev := tv(u0)
	for fr := 1; fr <= p.Frames; fr++ {
		row := u[fr*n : (fr+1)*n]
		if v := tv(row); v > prev+1e-12 {
			t.Fatalf("frame %d: total variation grew from %v to %v", fr, prev, v)
		} else {
			prev = v
		}
		for i, v := range row {
			if v < -1e-14 || v > 1+1e-14 {
				t.Fatalf("frame %d: new extremum %v at cell %d", fr, v, i)
			}
		}
	}
}

func TestInvalidParams(t *testing.T) {
	mod := func(f func(*Params)) Params { p := DefaultParams(); f(&p); return p }
	for name, p := range map[string]Params{
		"CFL above 1":   mod(func(p *Params) { p.CFL = 1.5 }),
		"zero CFL":      mod(func(p *Params) { p.CFL = 0 }),
		"NaN beta":      mod(func(p *Params) { p.Beta = math.NaN() }),
		"few cells":     mod(func(p *Params) { p.Cells = 2 }),
		"no frames":     mod(func(p *Params) { p.Frames = 0 }),
		"negative time": mod(func(p *Params) { p.T = -1 }),
	} {
		if _, err := NewSolver(p); !errors.Is(err, pde.ErrInvalidParams) {
			t.Errorf("%s: got %v, want ErrInvalidParams", name, err)
		}
	}
	s, _ := NewSolver(DefaultParams())
	if _, err := s.Solve(context.Background(), make([]float64, 1000), nil); !errors.Is(err, pde.ErrInvalidParams) {
		t.Errorf("mismatched grid: got %v", err)
	}
}

package cns

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/trajdiff/trajdiff/pde"
)

func solve(t *testing.T, p Params, init State) []State {
	t.Helper()
	s, err := NewSolver(p)
	if err != nil {
		t.Fatal(err)
	}
	fr, err := s.Solve(context.Background(), init)
	if err != nil {
		t.Fatal(err)
	}
	return fr
}

// l1 is the mean absolute difference.
func l1(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += math.Abs(a[i] - b[i])
	}
	return s / float64(len(a))
}

// TestSodShockTube compares with the exact Riemann solution (gamma = 1.4, t = 0.2): the L1 density
// error must fall under refinement at the rate of a scheme with discontinuities (about first order)
// and be small in absolute terms.
func TestSodShockTube(t *testing.T) {
	rs, err := SolveRiemann(Prim{1, 0, 1}, Prim{0.125, 0, 0.1}, 1.4)
	if err != nil {
		t.Fatal(err)
	}
	var errs []float64
	grids := []int{100, 200, 400, 800}
	for _, n := range grids {
		p := Params{Gamma: 1.4, Cells: n, XL: 0, XR: 1, T: 0.2, Frames: 1, CFL: 0.5, ViscCFL: 0.4, Boundary: Outflow}
		init := NewState(n)
		for i, x := range p.X() {
			if x < 0.5 {
				init.Rho[i], init.P[i] = 1, 1
			} else {
				init.Rho[i], init.P[i] = 0.125, 0.1
			}
		}
		fr := solve(t, p, init)
		ex := rs.CellAverages(p, 0.5, 0.2, 64)
		e := l1(fr[1].Rho, ex.Rho)
		eu := l1(fr[1].U, ex.U)
		ep := l1(fr[1].P, ex.P)
		errs = append(errs, e)
		t.Logf("N = %3d: L1 errors rho %.3e, u %.3e, p %.3e", n, e, eu, ep)
		if eu > 3*e || ep > 3*e {
			t.Errorf("N = %d: velocity/pressure errors %.3g/%.3g out of line with density %.3g", n, eu, ep, e)
		}
	}
	for i := 1; i < len(errs); i++ {
		if order := math.Log2(errs[i-1] / errs[i]); order < 0.6 {
			t.Errorf("L1 density order %.2f between N = %d and %d, want >= 0.6", order, grids[i-1], grids[i])
		}
	}
	if errs[len(errs)-1] > 2e-3 {
		t.Errorf("L1 density error %.3g at N = 800, want < 2e-3", errs[len(errs)-1])
	}
}

// TestSecondOrderEuler advects an entropy wave rho = 1 + 0.2 sin(pi x), u = 1, p = 1 once around the
// periodic domain [-1, 1]; the exact solution is the initial state and the L1 order must be about 2.
func TestSecondOrderEuler(t *testing.T) {
	var errs []float64
	grids := []int{64, 128, 256, 512}
	for _, n := range grids {
		p := Params{Gamma: 5.0 / 3, Cells: n, XL: -1, XR: 1, T: 2, Frames: 1, CFL: 0.5, ViscCFL: 0.4}
		init := NewState(n)
		exact := make([]float64, n)
		dx := p.Dx()
		for i, x := range p.X() {
			// Exact cell averages of 1 + 0.2 sin(pi x).
			exact[i] = 1 + 0.2*(math.Cos(math.Pi*(x-dx/2))-math.Cos(math.Pi*(x+dx/2)))/(math.Pi*dx)
			init.Rho[i], init.U[i], init.P[i] = exact[i], 1, 1
		}
		fr := solve(t, p, init)
		errs = append(errs, l1(fr[1].Rho, exact))
	}
	for i := 1; i < len(errs); i++ {
		order := math.Log2(errs[i-1] / errs[i])
		t.Logf("N = %3d: L1 error %.3e, order %.3f", grids[i], errs[i], order)
		if order < 1.8 || order > 2.4 {
			t.Errorf("observed order %.3f between N = %d and %d, want about 2", order, grids[i-1], grids[i])
		}
	}
}

// TestSecondOrderNavierStokes measures the order with strong viscosity (eta = zeta = 0.05) by
// self-convergence: the differences between solutions on N and 2N cells (2N averaged onto N) must
// shrink fourfold per refinement.
func TestSecondOrderNavierStokes(t *testing.T) {
	run := func(n int) State {
		p := Params{Gamma: 5.0 / 3, Eta: 0.05, Zeta: 0.05, Cells: n, XL: -1, XR: 1, T: 0.5, Frames: 1, CFL: 0.5, ViscCFL: 0.4}
		init := NewState(n)
		dx := p.Dx()
		for i, x := range p.X() {
			avg := (math.Cos(math.Pi*(x-dx/2)) - math.Cos(math.Pi*(x+dx/2))) / (math.Pi * dx) // mean of sin(pi x)
			init.Rho[i], init.U[i], init.P[i] = 1+0.1*avg, 0.3*avg, 1
		}
		return solve(t, p, init)[1]
	}
	coarsen := func(v []float64) []float64 {
		out := make([]float64, len(v)/2)
		for i := range out {
			out[i] = 0.5 * (v[2*i] + v[2*i+1])
		}
		return out
	}
	grids := []int{64, 128, 256, 512}
	var sols []State
	for _, n := range grids {
		sols = append(sols, run(n))
	}
	var diffs []float64
	for i := 0; i+1 < len(sols); i++ {
		diffs = append(diffs, l1(sols[i].U, coarsen(sols[i+1].U))+l1(sols[i].Rho, coarsen(sols[i+1].Rho)))
	}
	for i := 1; i < len(diffs); i++ {
		order := math.Log2(diffs[i-1] / diffs[i])
		t.Logf("N = %3d vs %3d: L1 difference %.3e, order %.3f", grids[i], grids[i+1], diffs[i], order)
		if order < 1.8 || order > 2.4 {
			t.Errorf("self-convergence order %.3f, want about 2", order)
		}
	}
}

// TestConservation runs random PDEBench initial conditions with strong viscosity on the periodic
// domain: mass, momentum and energy must be conserved to round-off.
func TestConservation(t *testing.T) {
	p := DefaultParams()
	p.Cells, p.T, p.Frames, p.Eta, p.Zeta = 256, 0.2, 4, 0.1, 0.1
	g := Generator{Params: p}
	s, err := g.NewSolver()
	if err != nil {
		t.Fatal(err)
	}
	for idx := range 3 {
		tr, err := g.Trajectory(context.Background(), s, 11, idx)
		if err != nil {
			t.Fatal(err)
		}
		t0 := tr.Frames[0].Totals(p.Gamma, p.Dx())
		scaleM := 0.0 // momentum scale: sum |rho u| dx
		for i := range tr.Frames[0].Rho {
			scaleM += math.Abs(tr.Frames[0].Rho[i]*tr.Frames[0].U[i]) * p.Dx()
		}
		for k, f := range tr.Frames {
			tk := f.Totals(p.Gamma, p.Dx())
			rm := math.Abs(tk.Mass-t0.Mass) / t0.Mass
			rp := math.Abs(tk.Momentum-t0.Momentum) / (scaleM + t0.Mass)
			re := math.Abs(tk.Energy-t0.Energy) / t0.Energy
			if rm > 1e-12 || rp > 1e-12 || re > 1e-12 {
				t.Errorf("trajectory %d frame %d (%d steps): relative changes mass %.2g momentum %.2g energy %.2g",
					idx, k, s.Steps(), rm, rp, re)
			}
		}
	}
}

func TestInvalidParams(t *testing.T) {
	mod := func(f func(*Params)) Params { p := DefaultParams(); f(&p); return p }
	for name, p := range map[string]Params{
		"gamma 1":          mod(func(p *Params) { p.Gamma = 1 }),
		"negative eta":     mod(func(p *Params) { p.Eta = -1 }),
		"NaN zeta":         mod(func(p *Params) { p.Zeta = math.NaN() }),
		"CFL above 1":      mod(func(p *Params) { p.CFL = 1.2 }),
		"viscous CFL 0.6":  mod(func(p *Params) { p.ViscCFL = 0.6 }),
		"empty domain":     mod(func(p *Params) { p.XR = p.XL }),
		"no frames":        mod(func(p *Params) { p.Frames = 0 }),
		"unknown boundary": mod(func(p *Params) { p.Boundary = 7 }),
	} {
		if _, err := NewSolver(p); !errors.Is(err, pde.ErrInvalidParams) {
			t.Errorf("%s: got %v, want ErrInvalidParams", name, err)
		}
	}
	s, _ := NewSolver(DefaultParams())
	good := RandomInitial(pde.TrajectoryRNG(1, 1)).State(DefaultParams())
	bad := func(f func(*State)) State {
		st := NewState(1024)
		copy(st.Rho, good.Rho)
		copy(st.U, good.U)
		copy(st.P, good.P)
		f(&st)
		return st
	}
	for name, st := range map[string]State{
		"zero density":      bad(func(s *State) { s.Rho[3] = 0 }),
		"negative pressure": bad(func(s *State) { s.P[9] = -1 }),
		"NaN velocity":      bad(func(s *State) { s.U[0] = math.NaN() }),
		"mismatched grid":   {Rho: good.Rho[:100], U: good.U, P: good.P},
	} {
		if _, err := s.Solve(context.Background(), st); !errors.Is(err, pde.ErrInvalidParams) {
			t.Errorf("%s: got %v, want ErrInvalidParams", name, err)
		}
	}
}

// TestBlowUpIsReported injects a NaN energy into a valid state (the scheme itself stayed positive on
// every near-vacuum and 1e20 pressure-ratio Riemann problem tried at CFL 1) and checks the report.
func TestBlowUpIsReported(t *testing.T) {
	p := DefaultParams()
	p.Cells = 64
	s, err := NewSolver(p)
	if err != nil {
		t.Fatal(err)
	}
	for i := 2; i < 66; i++ {
		s.d[i], s.m[i], s.e[i] = 1, 0, 1
	}
	s.e[20] = math.NaN()
	err = s.primitives()
	var bu *pde.BlowUpError
	if !errors.As(err, &bu) || !errors.Is(err, pde.ErrUnstable) || bu.Location != "cell 18 (x = -0.421875)" || bu.Quantity != "pressure" {
		t.Errorf("got %v", err)
	}
}

package burgers

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/trajdiff/trajdiff/pde"
)

func TestDefaultsAsDocumented(t *testing.T) {
	p := DefaultParams()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if p.FinePoints() != 515 || p.Steps() != 666 {
		t.Errorf("defaults: %d fine points, %d steps per frame; the package documentation says 515 and 666", p.FinePoints(), p.Steps())
	}
	if d := p.Nu * p.Dt() / (p.Dx() * p.Dx()); math.Abs(d-0.3998) > 1e-4 {
		t.Errorf("diffusion number %v, documented 0.3998", d)
	}
}

func TestInvalidParams(t *testing.T) {
	mod := func(f func(*Params)) Params { p := DefaultParams(); f(&p); return p }
	for name, p := range map[string]Params{
		"zero viscosity":      mod(func(p *Params) { p.Nu = 0 }),
		"negative viscosity":  mod(func(p *Params) { p.Nu = -0.01 }),
		"NaN viscosity":       mod(func(p *Params) { p.Nu = math.NaN() }),
		"one cell":            mod(func(p *Params) { p.Cells = 1 }),
		"no refinement":       mod(func(p *Params) { p.Refine = 0 }),
		"zero horizon":        mod(func(p *Params) { p.T = 0 }),
		"no frames":           mod(func(p *Params) { p.Frames = 0 }),
		"diffusion number":    mod(func(p *Params) { p.DiffusionNumber = 0.6 }),
		"CFL (too few steps)": mod(func(p *Params) { p.StepsPerFrame = 100 }),
	} {
		if _, err := NewSolver(p); !errors.Is(err, pde.ErrInvalidParams) {
			t.Errorf("%s: got %v, want ErrInvalidParams", name, err)
		}
	}
	s, err := NewSolver(DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for name, in := range map[string][2][]float64{
		"short u0":       {make([]float64, 127), nil},
		"short control":  {make([]float64, 128), make([]float64, 10*127)},
		"NaN in u0":      {append(make([]float64, 127), math.NaN()), nil},
		"Inf in control": {make([]float64, 128), append(make([]float64, 10*128-1), math.Inf(1))},
		"u0 too fast":    {append(make([]float64, 127), 100), nil},
	} {
		if _, err := s.Solve(ctx, in[0], in[1], nil); !errors.Is(err, pde.ErrInvalidParams) {
			t.Errorf("%s: got %v, want ErrInvalidParams", name, err)
		}
	}
}

func TestBlowUpAndInstabilityAreReported(t *testing.T) {
	s, err := NewSolver(DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	u0 := make([]float64, 128)
	f := make([]float64, 10*128)
	for j := range 128 {
		f[j] = 1e3 // finite, but pushes |u| past sqrt(2 nu/dt) = 11.5 within the first interval
	}
	_, err = s.Solve(context.Background(), u0, f, nil)
	var bu *pde.BlowUpError
	if !errors.As(err, &bu) || !errors.Is(err, pde.ErrUnstable) {
		t.Fatalf("got %v, want a BlowUpError", err)
	}
	if bu.Step >= 666 || bu.Quantity != "u" || bu.Limit != s.p.MaxStableSpeed() || !(math.Abs(bu.Value) > bu.Limit) {
		t.Errorf("blow-up report %+v: want a step of the first interval and |u| beyond the bound", bu)
	}
	// A NaN that appears inside the state (it cannot come from validated inputs) is located; within the
	// checkEvery steps before detection it spreads one point per step.
	clear(s.u)
	s.u[99] = math.NaN()
	err = s.interval(0)
	if !errors.As(err, &bu) || bu.Step != checkEvery-1 || !math.IsNaN(bu.Value) || bu.Location != "x[92] = 0.178295" {
		t.Errorf("NaN: got %v", err)
	}
}

// TestStoredTrajectoryReproduces checks the property the control evaluation relies on: re-running the
// solver from a stored trajectory's coarse u0 and control gives the stored states exactly, and the
// objective against its own final state is the control energy alone.
func TestStoredTrajectoryReproduces(t *testing.T) {
	g := Generator{Params: DefaultParams()}
	s, err := g.NewSolver()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tr, err := g.Trajectory(ctx, s, 7, 3)
	if err != nil {
		t.Fatal(err)
	}
	n := g.Params.Cells
	o := Objective{Target: tr.U[len(tr.U)-n:], EnergyWeight: 2e-5}
	c, u, err := ControlObjective(ctx, s, tr.U[:n], tr.F, o)
	if err != nil {
		t.Fatal(err)
	}
	for i := range u {
		if u[i] != tr.U[i] {
			t.Fatalf("re-simulation differs at %d: %v vs %v", i, u[i], tr.U[i])
		}
	}
	energy := 0.0
	for _, v := range tr.F {
		energy += v * v
	}
	if c.Misfit != 0 || c.Energy != energy || c.J != 2e-5*energy {
		t.Errorf("cost %+v, want misfit 0 and energy %v", c, energy)
	}
	// Without the control the final state differs, and the misfit is its mean squared difference.
	c0, u0, err := ControlObjective(ctx, s, tr.U[:n], nil, o)
	if err != nil {
		t.Fatal(err)
	}
	want := 0.0
	for j := 0; j < n; j++ {
		d := u0[len(u0)-n+j] - o.Target[j]
		want += d * d / float64(n)
	}
	if c0.Misfit == 0 || math.Abs(c0.Misfit-want) > 1e-15*want || c0.Energy != 0 {
		t.Errorf("uncontrolled cost %+v, want misfit %v and no energy", c0, want)
	}
	// The same (seed, index) gives the same trajectory; another index another one.
	again, _ := g.Trajectory(ctx, s, 7, 3)
	other, _ := g.Trajectory(ctx, s, 7, 4)
	if maxDiff(again.U, tr.U) != 0 || maxDiff(other.U, tr.U) == 0 {
		t.Error("trajectories are not a function of (seed, index)")
	}
}

func TestPartialControlSupport(t *testing.T) {
	p := DefaultParams()
	r := pde.TrajectoryRNG(1, 1)
	c := RandomControl(r, true)
	f := c.Sample(p)
	for k := 0; k < p.Frames; k++ {
		for j, x := range p.X() {
			if v := f[k*p.Cells+j]; x >= 0.25 && x < 0.75 && v != 0 {
				t.Fatalf("partial control is %v at x = %v", v, x)
			}
		}
	}
}

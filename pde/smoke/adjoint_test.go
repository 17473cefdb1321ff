package smoke

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/trajdiff/trajdiff/pde"
)

// adjointParams is a 32^2 box with 49 steps, enough for the generated controls to carry smoke out of
// the exits (the gradient of smoke_out is then not zero), at a pressure tolerance far below the
// finite differences' step.
func adjointParams(plain bool) Params {
	p := DefaultParams()
	p.N, p.Save, p.Steps, p.Stride = 32, 16, 48, 8
	p.Tol, p.PlainAdvection = 1e-13, plain
	return p
}

// adjointCase draws a generated trajectory and a perturbed copy of its control as the point of
// linearisation, and an initial-density target near its frame 0.
func adjointCase(t *testing.T, p Params) (Initial, []float64, Objective) {
	t.Helper()
	g := Generator{Params: p}
	s, err := g.NewSimulator()
	if err != nil {
		t.Fatal(err)
	}
	tr, err := g.Trajectory(context.Background(), s, 7, 2) // smoke_out 0.66
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	c := append([]float64(nil), tr.Control...)
	for i := range c {
		c[i] += 0.05 * rng.NormFloat64()
	}
	m := p.Save
	target := make([]float64, m*m)
	for i := range target {
		target[i] = tr.State[3*i] + 0.1*rng.NormFloat64()
	}
	return tr.Initial, c, Objective{EnergyWeight: 0.3, D0Weight: 0.1, D0Target: target}
}

// TestAdjointCostMatchesControlObjective: the adjoint's forward run is the simulator's.
func TestAdjointCostMatchesControlObjective(t *testing.T) {
	p := adjointParams(false)
	init, c, o := adjointCase(t, p)
	a, err := NewAdjoint(p)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSimulator(p)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	want, _, err := ControlObjective(ctx, s, init, c, o)
	if err != nil {
		t.Fatal(err)
	}
	got, err := a.Gradient(ctx, init, c, o, make([]float64, len(c)))
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("adjoint cost %+v, simulator %+v", got, want)
	}
	if want.SmokeOut <= 0.1 || want.Misfit <= 0 {
		t.Fatalf("smoke_out %v, misfit %v: the case does not exercise the gradient", want.SmokeOut, want.Misfit)
	}
}

// TestAdjointGradientMatchesFiniteDifferences compares directional derivatives g.d with central
// differences of J along random directions, for the mass-conserving and the plain advection. J is
// piecewise smooth (the bilinear weights kink where a traced point crosses a cell centre line); the
// step is small enough that a random direction almost never crosses one.
func TestAdjointGradientMatchesFiniteDifferences(t *testing.T) {
	for _, plain := range []bool{false, true} {
		p := adjointParams(plain)
		init, c, o := adjointCase(t, p)
		a, err := NewAdjoint(p)
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		g := make([]float64, len(c))
		if _, err := a.Gradient(ctx, init, c, o, g); err != nil {
			t.Fatal(err)
		}
		J := func(x []float64) float64 {
			cost, err := a.Gradient(ctx, init, x, o, make([]float64, len(x)))
			if err != nil {
				t.Fatal(err)
			}
			return cost.J
		}
		rng := rand.New(rand.NewPCG(5, 6))
		// The pressure solves make J noisy at about 1e-14 (their iteration counts jump), so the step is
		// 1e-5: the truncation error h^2 J'''/6 stays below the 1e-6 checked here.
		const h = 1e-5
		good := 0
		for trial := range 6 {
			d := make([]float64, len(c))
			for i := range d {
				d[i] = rng.NormFloat64()
			}
			if trial == 0 {
				// Only the control of the band's cells of frame 1 and without the energy term's share:
				// the transport part alone.
				clear(d[2*p.Save*p.Save:])
			}
			xp, xm := make([]float64, len(c)), make([]float64, len(c))
			for i := range c {
				xp[i], xm[i] = c[i]+h*d[i], c[i]-h*d[i]
			}
			fd := (J(xp) - J(xm)) / (2 * h)
			gd := 0.0
			for i := range g {
				gd += g[i] * d[i]
			}
			rel := math.Abs(fd-gd) / max(math.Abs(fd), 1e-12)
			t.Logf("plain %v, direction %d: finite difference %.9g, adjoint %.9g, relative %.2g", plain, trial, fd, gd, rel)
			if rel < 1e-6 {
				good++
			}
		}
		// At most one direction may straddle a kink.
		if good < 5 {
			t.Errorf("plain advection %v: only %d of 6 directional derivatives agree to 1e-6", plain, good)
		}
	}
}

// TestAdjointGradientReachesTheSmokeOutThroughTheVelocity: with the energy and initial-density terms
// off, the gradient is that of -smoke_out alone, and it is not zero in the band of the later frames,
// whose control changes smoke_out only through the projected velocity's transport of the density.
// (The last frame's control counts too: each step's advection uses the velocity its band just set.)
func TestAdjointGradientReachesTheSmokeOutThroughTheVelocity(t *testing.T) {
	p := adjointParams(false)
	init, c, _ := adjointCase(t, p)
	a, err := NewAdjoint(p)
	if err != nil {
		t.Fatal(err)
	}
	g := make([]float64, len(c))
	if _, err := a.Gradient(context.Background(), init, c, Objective{}, g); err != nil {
		t.Fatal(err)
	}
	per := p.Save * p.Save * 2
	for k := 1; k < p.Frames(); k++ {
		norm := 0.0
		for _, v := range g[k*per : (k+1)*per] {
			norm += v * v
		}
		if !(norm > 0) {
			t.Errorf("frame %d: zero gradient of smoke_out", k)
		}
	}
}

func TestAdjointRejectsBadInput(t *testing.T) {
	p := adjointParams(false)
	for name, q := range map[string]Params{
		"buoyancy":        func() Params { q := p; q.Buoyancy = 0.1; return q }(),
		"self-advection":  func() Params { q := p; q.AdvectVelocity = true; return q }(),
		"invalid storage": func() Params { q := p; q.Save = 5; return q }(),
	} {
		if _, err := NewAdjoint(q); !errors.Is(err, pde.ErrInvalidParams) {
			t.Errorf("%s: %v, want ErrInvalidParams", name, err)
		}
	}
	a, err := NewAdjoint(p)
	if err != nil {
		t.Fatal(err)
	}
	init, c, o := adjointCase(t, p)
	ctx := context.Background()
	g := make([]float64, len(c))
	bad := append([]float64(nil), c...)
	bad[7] = math.NaN()
	short := o
	short.D0Target = o.D0Target[:3]
	for name, call := range map[string]func() error{
		"short control":  func() error { _, err := a.Gradient(ctx, init, c[:10], o, g[:10]); return err },
		"short gradient": func() error { _, err := a.Gradient(ctx, init, c, o, g[:10]); return err },
		"NaN control":    func() error { _, err := a.Gradient(ctx, init, bad, o, g); return err },
		"short target":   func() error { _, err := a.Gradient(ctx, init, c, short, g); return err },
		"outside square": func() error { _, err := a.Gradient(ctx, Initial{X0: 30, Y0: 3, Size: 5}, c, o, g); return err },
	} {
		if err := call(); !errors.Is(err, pde.ErrInvalidParams) {
			t.Errorf("%s: %v, want ErrInvalidParams", name, err)
		}
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := a.Gradient(cancelled, init, c, o, g); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

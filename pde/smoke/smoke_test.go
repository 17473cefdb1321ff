package smoke

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/trajdiff/trajdiff/pde"
	"gonum.org/v1/gonum/mat"
)

// smallParams is a 64^2 version of the task with a short horizon, to keep the tests fast.
func smallParams() Params {
	p := DefaultParams()
	p.N, p.Save, p.Steps, p.Stride = 64, 32, 48, 8
	return p
}

// TestPressureSolverAgainstDenseSolve assembles the pressure matrix of the 32^2 layout independently
// (from the solid mask, as a dense matrix) and compares the multigrid-CG solution with an LU solve.
func TestPressureSolverAgainstDenseSolve(t *testing.T) {
	n := 32
	l := WDNOLayout(n)
	ps, err := newPressureSolver(&l, 1e-12, 500)
	if err != nil {
		t.Fatal(err)
	}
	var cells []int
	idx := map[int]int{}
	for c := range n * n {
		if !l.Solid[c] {
			idx[c] = len(cells)
			cells = append(cells, c)
		}
	}
	k := len(cells)
	a := mat.NewDense(k, k, nil)
	for i, c := range cells {
		y, x := c/n, c%n
		for _, d := range [4][2]int{{0, 1}, {0, -1}, {1, 0}, {-1, 0}} {
			yy, xx := y+d[0], x+d[1]
			if yy < 0 || xx < 0 || yy >= n || xx >= n {
				a.Set(i, i, a.At(i, i)+1) // open boundary, p = 0 outside
				continue
			}
			if j, ok := idx[yy*n+xx]; ok {
				a.Set(i, i, a.At(i, i)+1)
				a.Set(i, j, a.At(i, j)-1)
			}
		}
	}
	rhs := mat.NewVecDense(k, nil)
	b := make([]float64, (n+2)*(n+2))
	r := pde.TrajectoryRNG(4, 4)
	for i, c := range cells {
		v := r.NormFloat64()
		rhs.SetVec(i, v)
		b[(c/n+1)*(n+2)+c%n+1] = v
	}
	var want mat.VecDense
	if err := want.SolveVec(a, rhs); err != nil {
		t.Fatal(err)
	}
	p := make([]float64, (n+2)*(n+2))
	iters, err := ps.solve(b, p)
	if err != nil {
		t.Fatal(err)
	}
	worst := 0.0
	for i, c := range cells {
		worst = max(worst, math.Abs(p[(c/n+1)*(n+2)+c%n+1]-want.AtVec(i)))
	}
	t.Logf("%d unknowns, %d levels, %d MG-CG iterations, max |p - p_dense| = %.3g", k, len(ps.levels), iters, worst)
	if worst > 1e-10 {
		t.Errorf("pressure differs from the dense solve by %.3g", worst)
	}
	if iters > 25 {
		t.Errorf("%d iterations from zero to 1e-12; the multigrid preconditioner is not working", iters)
	}
}

// TestProjectionAndMassConservation runs generated trajectories: after every step the velocity must be
// divergence-free to the solver tolerance, solid faces closed, and the smoke in the domain plus the
// smoke absorbed by the exits must equal the initial mass to round-off.
func TestProjectionAndMassConservation(t *testing.T) {
	for _, variant := range []string{"wdno", "buoyant"} {
		p := smallParams()
		if variant == "buoyant" {
			p.Buoyancy, p.AdvectVelocity = 0.05, true
		}
		g := Generator{Params: p}
		s, err := g.NewSimulator()
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Start(Initial{X0: 20, Y0: 12, Size: 6}); err != nil {
			t.Fatal(err)
		}
		mass0 := sum(s.Density())
		ctrl := make([]float64, p.Save*p.Save*2)
		r := pde.TrajectoryRNG(9, 1)
		for k := range p.Frames() {
			for i := range ctrl {
				ctrl[i] = r.NormFloat64()
			}
			for range max(1, p.Stride*min(k, 1)) {
				if err := s.step(ctrl); err != nil {
					t.Fatal(err)
				}
				if d := s.Divergence(); d > p.Tol*(1+1e-6) {
					t.Fatalf("%s frame %d: max |div u| = %.3g > tolerance %.3g", variant, k, d, p.Tol)
				}
				o := s.Outflow()
				total := o.Remaining
				for _, e := range o.Exits {
					total += e
				}
				if math.Abs(total-mass0) > 1e-12*mass0 {
					t.Fatalf("%s frame %d: smoke mass %.15g, initially %.15g", variant, k, total, mass0)
				}
			}
		}
		for f, v := range s.vx {
			if s.ox[f] == 0 && v != 0 {
				t.Fatalf("%s: closed x-face %d has velocity %v", variant, f, v)
			}
		}
		o := s.Outflow()
		t.Logf("%s: final outflow %.4g of %.4g, remaining %.4g, last solve %d iterations", variant,
			mass0-o.Remaining, mass0, o.Remaining, s.PressureIterations())
	}
}

// TestPlainAdvectionLosesMass documents why the conservative variant is the default: ordinary
// semi-Lagrangian advection changes the smoke mass in a divergence-free flow.
func TestPlainAdvectionLosesMass(t *testing.T) {
	p := smallParams()
	p.PlainAdvection = true
	s, err := NewSimulator(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(Initial{X0: 20, Y0: 12, Size: 6}); err != nil {
		t.Fatal(err)
	}
	mass0 := sum(s.Density())
	ctrl := make([]float64, p.Save*p.Save*2)
	for i := range ctrl {
		ctrl[i] = 0.7
	}
	for range 8 {
		if err := s.step(ctrl); err != nil {
			t.Fatal(err)
		}
	}
	o := s.Outflow()
	total := o.Remaining
	for _, e := range o.Exits {
		total += e
	}
	if math.Abs(total-mass0) < 1e-6*mass0 {
		t.Errorf("plain advection conserved mass to %.3g; the conservative variant would be pointless", math.Abs(total-mass0)/mass0)
	}
}

// TestStoredControlReproduces checks that running the true solver under a generated trajectory's stored
// control reproduces its stored states exactly, and that the objective is -smoke_out + w energy.
func TestStoredControlReproduces(t *testing.T) {
	g := Generator{Params: smallParams()}
	s, err := g.NewSimulator()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tr, err := g.Trajectory(ctx, s, 3, 5)
	if err != nil {
		t.Fatal(err)
	}
	o := Objective{EnergyWeight: 0.5}
	c, re, err := ControlObjective(ctx, s, tr.Initial, tr.Control, o)
	if err != nil {
		t.Fatal(err)
	}
	for i := range tr.State {
		if tr.State[i] != re.State[i] {
			t.Fatalf("state %d: %v vs %v", i, tr.State[i], re.State[i])
		}
	}
	last := tr.Outflow[len(tr.Outflow)-1]
	energy := 0.0
	for _, v := range tr.Control {
		energy += v * v
	}
	energy /= float64(len(tr.Control))
	if c.SmokeOut != last.SmokeOut(1) || math.Abs(c.J-(-c.SmokeOut+0.5*energy)) > 1e-12 || c.SmokeOut+c.Leakage > 1+1e-12 {
		t.Errorf("cost %+v, smoke_out %v, energy %v", c, last.SmokeOut(1), energy)
	}
	// Mass of the stored density equals the simulation mass (block averages times r^2).
	m, r := g.Params.Save, g.Params.Ratio()
	lastFrame := tr.State[(g.Params.Frames()-1)*m*m*3:]
	stored := 0.0
	for i := 0; i < m*m; i++ {
		stored += lastFrame[3*i] * float64(r*r)
	}
	if math.Abs(stored-last.Remaining) > 1e-9*max(1, last.Remaining) {
		t.Errorf("stored density mass %v, simulation %v", stored, last.Remaining)
	}
}

func TestLayoutAndInvalidParams(t *testing.T) {
	l := WDNOLayout(128)
	if err := l.check(); err != nil {
		t.Fatal(err)
	}
	for _, c := range [][2]int{{16, 16}, {16, 111}, {20, 16}, {100, 112}, {112, 20}, {112, 108}, {70, 48}, {100, 80}, {40, 60}} {
		if !l.Solid[c[0]*128+c[1]] {
			t.Errorf("cell %v should be solid", c)
		}
	}
	for _, c := range [][2]int{{30, 16}, {60, 112}, {112, 30}, {112, 60}, {112, 95}, {50, 64}, {15, 64}} {
		if l.Solid[c[0]*128+c[1]] {
			t.Errorf("cell %v (an exit or the inside) should be fluid", c)
		}
	}
	if l.Exits[l.Target] != (Rect{112, 128, 54, 74}) || len(l.Exits) != 7 {
		t.Errorf("exits %v, target %d", l.Exits, l.Target)
	}
	mod := func(f func(*Params)) Params { p := DefaultParams(); f(&p); return p }
	for name, p := range map[string]Params{
		"grid not multiple of 8": mod(func(p *Params) { p.N = 100 }),
		"save not dividing":      mod(func(p *Params) { p.Save = 48 }),
		"stride not dividing":    mod(func(p *Params) { p.Stride = 7 }),
		"zero tolerance":         mod(func(p *Params) { p.Tol = 0 }),
		"NaN buoyancy":           mod(func(p *Params) { p.Buoyancy = math.NaN() }),
	} {
		if _, err := NewSimulator(p); !errors.Is(err, pde.ErrInvalidParams) {
			t.Errorf("%s: got %v", name, err)
		}
	}
	closed := WDNOLayout(64)
	for x := 20; x < 30; x++ { // a sealed 8 x 8 room
		closed.Solid[20*64+x], closed.Solid[29*64+x], closed.Solid[x*64+20], closed.Solid[x*64+29] = true, true, true, true
	}
	if _, err := NewSimulatorWithLayout(smallParams(), closed); !errors.Is(err, pde.ErrInvalidParams) {
		t.Errorf("enclosed fluid pocket: got %v", err)
	}
	s, _ := NewSimulator(smallParams())
	if _, err := s.Run(context.Background(), Initial{X0: 1, Y0: 1, Size: 2}, make([]float64, 10)); !errors.Is(err, pde.ErrInvalidParams) {
		t.Errorf("short control: got %v", err)
	}
	if err := s.Start(Initial{X0: 60, Y0: 1, Size: 10}); !errors.Is(err, pde.ErrInvalidParams) {
		t.Errorf("square outside the grid: got %v", err)
	}
	huge := make([]float64, 32*32*2)
	for i := range huge {
		huge[i] = 1e308
	}
	_ = s.Start(Initial{X0: 20, Y0: 12, Size: 6})
	if err := s.Frame(1, huge); !errors.Is(err, pde.ErrUnstable) {
		t.Errorf("overflowing control: got %v, want a blow-up", err)
	}
}

package burgers

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/trajdiff/trajdiff/pde"
)

// smallControlCase is a small controlled problem: WDNO's distributions on 12 stored points, 4 intervals,
// with the target the final state reached under the data's control and the data's control halved as
// the point of evaluation.
func smallControlCase(t testing.TB, index int) (Params, []float64, []float64, Objective) {
	t.Helper()
	p := Params{Nu: 0.01, Cells: 12, Refine: 4, T: 0.5, Frames: 4, DiffusionNumber: 0.05}
	g := Generator{Params: p}
	s, err := g.NewSolver()
	if err != nil {
		t.Fatal(err)
	}
	tr, err := g.Trajectory(context.Background(), s, 7, index)
	if err != nil {
		t.Fatal(err)
	}
	n := p.Cells
	f := make([]float64, len(tr.F))
	for i, x := range tr.F {
		f[i] = 0.5 * x
	}
	return p, tr.U[:n], f, Objective{Target: tr.U[len(tr.U)-n:], EnergyWeight: 2e-3}
}

func TestAdjointCostMatchesControlObjectiveExactly(t *testing.T) {
	p, u0, f, o := smallControlCase(t, 0)
	s, _ := NewSolver(p)
	want, traj, err := ControlObjective(context.Background(), s, u0, f, o)
	if err != nil {
		t.Fatal(err)
	}
	a, err := NewAdjoint(p)
	if err != nil {
		t.Fatal(err)
	}
	grad := make([]float64, len(f))
	got, err := a.Gradient(context.Background(), u0, f, o, grad)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("adjoint cost %+v, ControlObjective %+v", got, want)
	}
	for j, v := range a.FinalState() {
		if v != traj[len(traj)-p.Cells+j] {
			t.Fatalf("final state differs at %d: %v vs %v", j, v, traj[len(traj)-p.Cells+j])
		}
	}
}

func TestAdjointGradientMatchesFiniteDifferences(t *testing.T) {
	ctx := context.Background()
	for index := range 2 {
		p, u0, f, o := smallControlCase(t, index)
		a, err := NewAdjoint(p)
		if err != nil {
			t.Fatal(err)
		}
		grad := make([]float64, len(f))
		if _, err := a.Gradient(ctx, u0, f, o, grad); err != nil {
			t.Fatal(err)
		}
		s, _ := NewSolver(p)
		cost := func(f []float64) float64 {
			c, _, err := ControlObjective(ctx, s, u0, f, o)
			if err != nil {
				t.Fatal(err)
			}
			return c.J
		}
		const h = 1e-5
		x := append([]float64(nil), f...)
		var maxErr, maxGrad float64
		for i := range x {
			x[i] = f[i] + h
			jp := cost(x)
			x[i] = f[i] - h
			jm := cost(x)
			x[i] = f[i]
			fd := (jp - jm) / (2 * h)
			maxErr = max(maxErr, math.Abs(fd-grad[i]))
			maxGrad = max(maxGrad, math.Abs(grad[i]))
		}
		if maxGrad == 0 || maxErr > 1e-6*maxGrad {
			t.Errorf("case %d: max |adjoint - finite difference| = %.3g, max |gradient| = %.3g (relative %.3g, want < 1e-6)",
				index, maxErr, maxGrad, maxErr/maxGrad)
		}
		t.Logf("case %d: relative error %.2g over %d components", index, maxErr/maxGrad, len(f))
	}
}

func TestAdjointEnergyGradientIsTwoWF(t *testing.T) {
	ctx := context.Background()
	p, u0, f, o := smallControlCase(t, 1)
	a, _ := NewAdjoint(p)
	g0, gw := make([]float64, len(f)), make([]float64, len(f))
	o0 := o
	o0.EnergyWeight = 0
	if _, err := a.Gradient(ctx, u0, f, o0, g0); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Gradient(ctx, u0, f, o, gw); err != nil {
		t.Fatal(err)
	}
	for i := range f {
		want := 2 * o.EnergyWeight * f[i]
		if d := gw[i] - g0[i]; math.Abs(d-want) > 1e-14*(math.Abs(gw[i])+math.Abs(want)) {
			t.Fatalf("component %d: energy gradient %v, want 2 w f = %v", i, d, want)
		}
	}
}

func TestAdjointBlockRecomputationGivesTheSameGradient(t *testing.T) {
	ctx := context.Background()
	p, u0, f, o := smallControlCase(t, 0)
	a, _ := NewAdjoint(p)
	whole := make([]float64, len(f))
	cw, err := a.Gradient(ctx, u0, f, o, whole)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewAdjoint(p)
	b.tapeLimit = 1 // forces blocks of ceil(sqrt(steps)) steps
	if b.blockSteps() >= p.Steps() || p.Steps()%b.blockSteps() == 0 {
		t.Fatalf("want a ragged last block: %d steps per interval, blocks of %d", p.Steps(), b.blockSteps())
	}
	blocks := make([]float64, len(f))
	cb, err := b.Gradient(ctx, u0, f, o, blocks)
	if err != nil {
		t.Fatal(err)
	}
	if cb != cw {
		t.Errorf("cost %+v with blocks, %+v without", cb, cw)
	}
	for i := range whole {
		if whole[i] != blocks[i] {
			t.Fatalf("component %d: %v with blocks, %v without", i, blocks[i], whole[i])
		}
	}
}

func TestAdjointNilControlIsZeroControl(t *testing.T) {
	ctx := context.Background()
	p, u0, f, o := smallControlCase(t, 0)
	a, _ := NewAdjoint(p)
	g1, g2 := make([]float64, len(f)), make([]float64, len(f))
	c1, err1 := a.Gradient(ctx, u0, nil, o, g1)
	c2, err2 := a.Gradient(ctx, u0, make([]float64, len(f)), o, g2)
	if err1 != nil || err2 != nil || c1 != c2 {
		t.Fatalf("nil control: %+v, %v; zero control: %+v, %v", c1, err1, c2, err2)
	}
	for i := range g1 {
		if g1[i] != g2[i] {
			t.Fatalf("component %d: %v vs %v", i, g1[i], g2[i])
		}
	}
}

func TestAdjointRejectsBadInputAndReportsBlowUp(t *testing.T) {
	ctx := context.Background()
	p, u0, f, o := smallControlCase(t, 0)
	a, _ := NewAdjoint(p)
	grad := make([]float64, len(f))
	n := p.Cells
	bad := func(name string, u0, f []float64, o Objective, grad []float64) {
		t.Helper()
		if _, err := a.Gradient(ctx, u0, f, o, grad); !errors.Is(err, pde.ErrInvalidParams) {
			t.Errorf("%s: got %v, want ErrInvalidParams", name, err)
		}
	}
	bad("short u0", u0[:n-1], f, o, grad)
	bad("short control", u0, f[1:], o, grad)
	bad("short gradient", u0, f, o, grad[1:])
	bad("short target", u0, f, Objective{Target: o.Target[1:]}, grad)
	bad("negative weight", u0, f, Objective{Target: o.Target, EnergyWeight: -1}, grad)
	bad("NaN control", u0, append(append([]float64(nil), f[1:]...), math.NaN()), o, grad)
	// A huge control drives the state past the FTCS bound.
	huge := make([]float64, len(f))
	for i := range huge {
		huge[i] = 1e4
	}
	var bu *pde.BlowUpError
	if _, err := a.Gradient(ctx, u0, huge, o, grad); !errors.As(err, &bu) {
		t.Errorf("huge control: got %v, want a *pde.BlowUpError", err)
	}
	s, _ := NewSolver(p)
	_, serr := s.Solve(ctx, u0, huge, nil)
	var sbu *pde.BlowUpError
	if !errors.As(serr, &sbu) || bu == nil || *sbu != *bu {
		t.Errorf("blow-up reports differ: adjoint %v, solver %v", bu, serr)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := a.Gradient(cctx, u0, f, o, grad); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// TestAdjointGradientMatchesFiniteDifferencesAtWDNOSmall spot-checks components of the gradient at
// the reduced WDNO resolution (243 points, 40 x 480 steps) on a WDNO trajectory's control task.
func TestAdjointGradientMatchesFiniteDifferencesAtWDNOSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("about 20 solves at WDNO-small")
	}
	ctx := context.Background()
	p := WDNOSmallParams()
	u0, f, o := wdnoControlCase(t, p, 0)
	for i := range f {
		f[i] *= 0.5
	}
	a, err := NewAdjoint(p)
	if err != nil {
		t.Fatal(err)
	}
	grad := make([]float64, len(f))
	if _, err := a.Gradient(ctx, u0, f, o, grad); err != nil {
		t.Fatal(err)
	}
	s, _ := NewSolver(p)
	n := p.Cells
	x := append([]float64(nil), f...)
	const h = 1e-4
	worst := 0.0
	for _, kj := range [][2]int{{0, 0}, {0, 30}, {10, 59}, {20, 15}, {30, 45}, {39, 29}, {39, 0}} {
		i := kj[0]*n + kj[1]
		var jp, jm Cost
		x[i] = f[i] + h
		jp, _, err = ControlObjective(ctx, s, u0, x, o)
		if err == nil {
			x[i] = f[i] - h
			jm, _, err = ControlObjective(ctx, s, u0, x, o)
		}
		x[i] = f[i]
		if err != nil {
			t.Fatal(err)
		}
		fd := (jp.J - jm.J) / (2 * h)
		e := math.Abs(fd - grad[i])
		worst = max(worst, e/math.Abs(grad[i]))
		if !(e <= 1e-6*math.Abs(grad[i])) {
			t.Errorf("frame %d, point %d: adjoint %.10g, finite difference %.10g (relative error %.2g)", kj[0], kj[1], grad[i], fd, e/math.Abs(grad[i]))
		}
	}
	t.Logf("largest relative error %.2g", worst)
}

// The batched objective scores every case exactly as ControlObjective does, and a blow-up stays in its case.
func TestBatchControlObjectiveMatchesScalar(t *testing.T) {
	p := Params{Nu: 0.01, Cells: 16, Refine: 2, T: 0.5, Frames: 4, StepsPerFrame: 50}
	g := Generator{Params: p}
	s, err := NewSolver(p)
	if err != nil {
		t.Fatal(err)
	}
	bs, err := NewBatchSolver(p, 8)
	if err != nil {
		t.Fatal(err)
	}
	var u0s, fs [][]float64
	var os []Objective
	for i := range 5 {
		tr, err := g.Trajectory(context.Background(), s, 3, i)
		if err != nil {
			t.Fatal(err)
		}
		f := tr.F
		switch i {
		case 1:
			f = nil
		case 3:
			f = slices.Repeat([]float64{1e4}, len(tr.F))
		}
		u0s, fs = append(u0s, tr.U[:p.Cells]), append(fs, f)
		os = append(os, Objective{Target: tr.U[len(tr.U)-p.Cells:], EnergyWeight: 2e-5})
	}
	costs, _, errs, err := BatchControlObjective(context.Background(), bs, u0s, fs, os)
	if err != nil {
		t.Fatal(err)
	}
	for b := range u0s {
		want, _, werr := ControlObjective(context.Background(), s, u0s[b], fs[b], os[b])
		if (werr != nil) != (errs[b] != nil) || (werr == nil && costs[b] != want) {
			t.Errorf("case %d: batched %+v, %v; scalar %+v, %v", b, costs[b], errs[b], want, werr)
		}
	}
	if errs[3] == nil {
		t.Error("the wild control did not blow up")
	}
}

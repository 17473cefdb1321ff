package burgers

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/trajdiff/trajdiff/pde/internal/lbfgs"
	"gonum.org/v1/gonum/floats"
)

func TestOptimalControlReducesCostFarBelowZeroControlAndEndsAtSmallGradient(t *testing.T) {
	ctx := context.Background()
	for index := range 2 {
		p, u0, _, o := smallControlCase(t, index)
		o.EnergyWeight = 2e-5 // WDNO's
		a, _ := NewAdjoint(p)
		g0 := make([]float64, p.Frames*p.Cells)
		zero, err := a.Gradient(ctx, u0, nil, o, g0)
		if err != nil {
			t.Fatal(err)
		}
		iters, lastJ := 0, math.Inf(1)
		opts := OptimizeOptions{MaxIterations: 200, Progress: func(it int, c Cost, _ float64, _ int) {
			if c.J > lastJ {
				t.Errorf("case %d: J rose from %v to %v at iteration %d", index, lastJ, c.J, it)
			}
			iters, lastJ = it, c.J
		}}
		f, c, err := OptimalControl(ctx, p, u0, o, opts)
		if err != nil {
			t.Fatal(err)
		}
		g := make([]float64, len(f))
		check, err := a.Gradient(ctx, u0, f, o, g)
		if err != nil || check != c {
			t.Fatalf("case %d: returned cost %+v, re-evaluated %+v (%v)", index, c, check, err)
		}
		t.Logf("case %d: J %.4g (misfit %.3g, energy %.3g) after %d iterations; zero control %.4g; |g| %.3g -> %.3g",
			index, c.J, c.Misfit, c.Energy, iters, zero.J, floats.Norm(g0, 2), floats.Norm(g, 2))
		if !(c.J < 0.05*zero.J) {
			t.Errorf("case %d: J = %v, zero control %v: want a 20-fold reduction", index, c.J, zero.J)
		}
		if !(floats.Norm(g, 2) < 1e-4*floats.Norm(g0, 2)) {
			t.Errorf("case %d: |dJ/df| = %.3g at the optimum, %.3g at zero control", index, floats.Norm(g, 2), floats.Norm(g0, 2))
		}
	}
}

func TestOptimalControlLineSearchBacksOffFromBlowUp(t *testing.T) {
	ctx := context.Background()
	p, u0, f, o := smallControlCase(t, 0)
	a, _ := NewAdjoint(p)
	g := make([]float64, len(f))
	c0, err := a.Gradient(ctx, u0, f, o, g)
	if err != nil {
		t.Fatal(err)
	}
	// A steepest-descent step of length 1e6 blows the solver up; the search must shorten it.
	d := make([]float64, len(g))
	gn := floats.Norm(g, 2)
	for i := range d {
		d[i] = -g[i] / gn * 1e6
	}
	xt, gt := make([]float64, len(f)), make([]float64, len(f))
	evals := 0
	c, ok, err := lbfgs.LineSearch(ctx, controlProblem(a, u0, o), f, d, c0.J, floats.Dot(g, d), 1, xt, gt, &evals)
	if err != nil || !ok || !(c.J < c0.J) {
		t.Fatalf("line search: %+v, ok %v, %v (start J %v)", c, ok, err, c0.J)
	}
	if evals < 10 {
		t.Errorf("%d evaluations: the first steps should have blown up", evals)
	}
}

func TestOptimalControlStopsOnCancellationWithTheBestSoFar(t *testing.T) {
	p, u0, _, o := smallControlCase(t, 0)
	ctx, cancel := context.WithCancel(context.Background())
	var atCancel Cost
	f, c, err := OptimalControl(ctx, p, u0, o, OptimizeOptions{Progress: func(it int, c Cost, _ float64, _ int) {
		if it == 3 {
			atCancel = c
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) || f == nil || c != atCancel {
		t.Errorf("got %+v, %v; cost at cancellation %+v", c, err, atCancel)
	}
}

func TestOptimalControlRejectsBadInput(t *testing.T) {
	ctx := context.Background()
	p, u0, f, o := smallControlCase(t, 0)
	if _, _, err := OptimalControl(ctx, p, u0, o, OptimizeOptions{Start: f[1:]}); err == nil {
		t.Error("short start accepted")
	}
	if _, _, err := OptimalControl(ctx, p, u0[1:], o, OptimizeOptions{}); err == nil {
		t.Error("short u0 accepted")
	}
	bad := p
	bad.Nu = 0
	if _, _, err := OptimalControl(ctx, bad, u0, o, OptimizeOptions{}); err == nil {
		t.Error("zero viscosity accepted")
	}
}

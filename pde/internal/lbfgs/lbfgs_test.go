package lbfgs

import (
	"context"
	"errors"
	"math"
	"testing"
)

var errOutside = errors.New("outside the domain")

// rosenbrock is f(x) = sum_i 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2, minimum 0 at (1, ..., 1); points
// with |x_i| > limit are infeasible.
func rosenbrock(limit float64) Problem[float64] {
	return Problem[float64]{
		Eval: func(_ context.Context, x, g []float64) (float64, error) {
			for _, v := range x {
				if math.Abs(v) > limit {
					return 0, errOutside
				}
			}
			clear(g)
			f := 0.0
			for i := 0; i+1 < len(x); i++ {
				a, b := x[i+1]-x[i]*x[i], 1-x[i]
				f += 100*a*a + b*b
				g[i] += -400*a*x[i] - 2*b
				g[i+1] += 200 * a
			}
			return f, nil
		},
		Value:      func(f float64) float64 { return f },
		Infeasible: func(err error) bool { return errors.Is(err, errOutside) },
	}
}

func TestMinimizeFindsTheRosenbrockMinimum(t *testing.T) {
	x := []float64{-1.2, 1, -1.2, 1, 0.5}
	f, ok, err := Minimize(context.Background(), rosenbrock(math.Inf(1)), x, Options[float64]{MaxIterations: 500})
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	for i, v := range x {
		if math.Abs(v-1) > 1e-6 {
			t.Errorf("x[%d] = %v, want 1 (f = %g)", i, v, f)
		}
	}
}

func TestLineSearchBacksOffFromInfeasiblePoints(t *testing.T) {
	pr := rosenbrock(3)
	x := []float64{-1.2, 1}
	g := make([]float64, 2)
	f0, _ := pr.Eval(context.Background(), x, g)
	d := []float64{-g[0] * 1e3, -g[1] * 1e3} // far outside |x| <= 3
	xt, gt := make([]float64, 2), make([]float64, 2)
	evals := 0
	f, ok, err := LineSearch(context.Background(), pr, x, d, f0, dot(g, d), 1, xt, gt, &evals)
	if err != nil || !ok || !(f < f0) {
		t.Fatalf("f %v (start %v), ok %v, %v", f, f0, ok, err)
	}
	if evals < 5 {
		t.Errorf("%d evaluations: the first trial points were infeasible", evals)
	}
}

func TestMinimizeReportsTheStartAndOtherErrors(t *testing.T) {
	pr := rosenbrock(3)
	if _, ok, err := Minimize(context.Background(), pr, []float64{5, 0}, Options[float64]{}); ok || !errors.Is(err, errOutside) {
		t.Errorf("infeasible start: ok %v, %v", ok, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	inner := pr.Eval
	pr.Eval = func(c context.Context, x, g []float64) (float64, error) {
		if err := c.Err(); err != nil {
			return 0, err
		}
		return inner(c, x, g)
	}
	var atCancel float64
	x := []float64{-1.2, 1}
	f, ok, err := Minimize(ctx, pr, x, Options[float64]{Progress: func(it int, f, _ float64, _ int) {
		if it == 2 {
			atCancel = f
			cancel()
		}
	}})
	if !ok || !errors.Is(err, context.Canceled) || f != atCancel {
		t.Errorf("cancelled: f %v (at cancellation %v), ok %v, %v", f, atCancel, ok, err)
	}
}

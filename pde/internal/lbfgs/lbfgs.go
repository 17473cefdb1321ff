// Package lbfgs minimises a smooth cost by limited-memory BFGS with a weak-Wolfe line search: the
// optimiser behind the PDE packages' achievable-optimum controls (burgers.OptimalControl,
// smoke.OptimalControl), written once for any cost type.
//
// The direction is the two-loop recursion (Nocedal and Wright 2006, Algorithm 7.4) with the initial
// Hessian scaled by s.y/y.y of the newest pair. The line search brackets a step satisfying the weak
// Wolfe conditions J(x + t d) <= J(x) + 1e-4 t g.d and g(x + t d).d >= 0.9 g.d by doubling and
// bisection (at most 40 evaluations). A trial point whose evaluation fails with an error that
// Problem.Infeasible accepts (a solver blow-up) counts as J = +Inf and is shortened; correction pairs
// with s.y <= 0 are skipped; a direction that is not a descent direction, or a failed line search,
// restarts from steepest descent with a first step of unit length.
package lbfgs

import (
	"context"
	"fmt"
	"math"
)

// Problem is a cost with its gradient.
type Problem[C any] struct {
	// Eval returns the cost at x and writes its gradient into grad.
	Eval func(ctx context.Context, x, grad []float64) (C, error)
	// Value is the number minimised.
	Value func(C) float64
	// Infeasible reports the evaluation errors that mean "no finite cost here" (nil: none).
	Infeasible func(error) bool
}

// Options bounds the iterations. The zero value is usable.
type Options[C any] struct {
	// MaxIterations bounds the iterations (0: 100).
	MaxIterations int
	// Memory is the number of correction pairs (0: 10).
	Memory int
	// GradTol stops the iterations when |g|_2 <= GradTol |g(start)|_2 (0: 1e-8).
	GradTol float64
	// Progress, when set, is called after the start and after every iteration with the iteration
	// number (0 for the start), the cost, |g|_2 and the evaluations so far.
	Progress func(iter int, c C, gradNorm float64, evals int)
}

// Line-search constants: the weak Wolfe conditions and the evaluations per search.
const (
	wolfeDecrease  = 1e-4
	wolfeCurvature = 0.9
	maxLineSearch  = 40
)

// Minimize runs L-BFGS from x, which it overwrites with the best point found, and returns its cost.
// The iterations stop after MaxIterations, when the gradient norm falls below GradTol times its
// starting value, or when a steepest-descent line search makes no progress (converged to rounding).
// evaluated reports whether x holds an evaluated point: it is false only when the evaluation at the
// starting point failed (err wrapped with "at the starting point"). An error during the iterations
// (the context's included) comes with the best point so far and its cost.
func Minimize[C any](ctx context.Context, pr Problem[C], x []float64, opts Options[C]) (c C, evaluated bool, err error) {
	n := len(x)
	maxIter, mem, gtol := opts.MaxIterations, opts.Memory, opts.GradTol
	if maxIter <= 0 {
		maxIter = 100
	}
	if mem <= 0 {
		mem = 10
	}
	if !(gtol > 0) {
		gtol = 1e-8
	}
	g := make([]float64, n)
	cx, err := pr.Eval(ctx, x, g)
	if err != nil {
		return cx, false, fmt.Errorf("at the starting point: %w", err)
	}
	evals := 1
	gn0 := norm2(g)
	if opts.Progress != nil {
		opts.Progress(0, cx, gn0, evals)
	}
	h := newHistory(mem, n)
	d, xt, gt := make([]float64, n), make([]float64, n), make([]float64, n)
	for it := 1; it <= maxIter; it++ {
		gn := norm2(g)
		if gn == 0 || gn <= gtol*gn0 {
			break
		}
		h.direction(d, g)
		gd := dot(g, d)
		t := 1.0
		if h.len == 0 || !(gd < 0) {
			// Steepest descent, with a first step of unit length.
			h.reset()
			for i := range d {
				d[i] = -g[i]
			}
			gd = -gn * gn
			t = 1 / gn
		}
		ct, ok, err := LineSearch(ctx, pr, x, d, pr.Value(cx), gd, t, xt, gt, &evals)
		if err != nil {
			return cx, true, fmt.Errorf("iteration %d: %w", it, err)
		}
		if !ok {
			if h.len == 0 {
				break // steepest descent makes no progress: converged to rounding
			}
			h.reset()
			it-- // retry this iteration from steepest descent
			continue
		}
		// s = xt - x, y = gt - g.
		h.push(xt, x, gt, g)
		copy(x, xt)
		copy(g, gt)
		cx = ct
		if opts.Progress != nil {
			opts.Progress(it, cx, norm2(g), evals)
		}
	}
	return cx, true, nil
}

// LineSearch looks for a step t along d from x (cost j0, directional derivative gd < 0) satisfying
// the weak Wolfe conditions, starting at t. On success xt, gt hold the new point and gradient and its
// cost is returned with ok; it reports !ok when no step with a decrease was found. An infeasible
// point counts as an infinite cost; other errors are returned. evals counts the evaluations.
func LineSearch[C any](ctx context.Context, pr Problem[C], x, d []float64, j0, gd, t float64,
	xt, gt []float64, evals *int) (C, bool, error) {
	lo, hi := 0.0, math.Inf(1)
	var best, zero C
	bestT := 0.0
	bx, bg := make([]float64, len(x)), make([]float64, len(x))
	for range maxLineSearch {
		for i := range xt {
			xt[i] = x[i] + t*d[i]
		}
		c, err := pr.Eval(ctx, xt, gt)
		*evals++
		var j float64
		switch {
		case err != nil && pr.Infeasible != nil && pr.Infeasible(err):
			j = math.Inf(1)
		case err != nil:
			return zero, false, err
		default:
			j = pr.Value(c)
		}
		switch {
		case !(j <= j0+wolfeDecrease*t*gd):
			hi = t // too long (or infeasible)
		default:
			if j < j0 && (bestT == 0 || j < pr.Value(best)) {
				best, bestT = c, t
				copy(bx, xt)
				copy(bg, gt)
			}
			if dot(gt, d) >= wolfeCurvature*gd {
				return c, true, nil
			}
			lo = t // too short
		}
		if math.IsInf(hi, 1) {
			t *= 2
		} else {
			t = 0.5 * (lo + hi)
		}
		if t == lo || t == hi {
			break // the bracket has shrunk below rounding
		}
	}
	if bestT > 0 {
		// A sufficient decrease without the curvature condition: take it (the pair may be skipped).
		copy(xt, bx)
		copy(gt, bg)
		return best, true, nil
	}
	return zero, false, nil
}

// history holds the last correction pairs (s, y) of L-BFGS.
type history struct {
	s, y      [][]float64
	rho, al   []float64
	len, next int
}

func newHistory(mem, n int) *history {
	h := &history{s: make([][]float64, mem), y: make([][]float64, mem), rho: make([]float64, mem), al: make([]float64, mem)}
	for i := range mem {
		h.s[i], h.y[i] = make([]float64, n), make([]float64, n)
	}
	return h
}

func (h *history) reset() { h.len, h.next = 0, 0 }

// push adds s = x1 - x0, y = g1 - g0 unless s.y is not positive (the curvature condition failed).
func (h *history) push(x1, x0, g1, g0 []float64) {
	s, y := h.s[h.next], h.y[h.next]
	for i := range s {
		s[i], y[i] = x1[i]-x0[i], g1[i]-g0[i]
	}
	sy := dot(s, y)
	if !(sy > 0) || math.IsInf(sy, 0) {
		return
	}
	h.rho[h.next] = 1 / sy
	h.next = (h.next + 1) % len(h.s)
	h.len = min(h.len+1, len(h.s))
}

// direction sets d = -H g by the two-loop recursion (Nocedal and Wright, Algorithm 7.4), with the
// initial Hessian scaled by s.y/y.y of the newest pair.
func (h *history) direction(d, g []float64) {
	copy(d, g)
	mem := len(h.s)
	for k := 0; k < h.len; k++ {
		i := (h.next - 1 - k + mem) % mem
		h.al[i] = h.rho[i] * dot(h.s[i], d)
		axpy(-h.al[i], h.y[i], d)
	}
	if h.len > 0 {
		i := (h.next - 1 + mem) % mem
		scale(1/(h.rho[i]*dot(h.y[i], h.y[i])), d)
	}
	for k := h.len - 1; k >= 0; k-- {
		i := (h.next - 1 - k + mem) % mem
		b := h.rho[i] * dot(h.y[i], d)
		axpy(h.al[i]-b, h.s[i], d)
	}
	scale(-1, d)
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i, x := range a {
		s += x * b[i]
	}
	return s
}

func norm2(a []float64) float64 { return math.Sqrt(dot(a, a)) }

func axpy(al float64, x, y []float64) {
	for i, v := range x {
		y[i] += al * v
	}
}

func scale(al float64, x []float64) {
	for i := range x {
		x[i] *= al
	}
}

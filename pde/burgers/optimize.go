package burgers

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/trajdiff/trajdiff/pde"
)

// OptimizeOptions configures OptimalControl. The zero value is usable.
type OptimizeOptions struct {
	// MaxIterations bounds the L-BFGS iterations (0: 100).
	MaxIterations int
	// Memory is the number of L-BFGS correction pairs (0: 10).
	Memory int
	// GradTol stops the iterations when |dJ/df|_2 <= GradTol |dJ/df(start)|_2 (0: 1e-8).
	GradTol float64
	// Start is the initial control, K x N (nil: zero control).
	Start []float64
	// Progress, when set, is called after the start and after every iteration with the iteration
	// number (0 for the start), the cost, |dJ/df|_2 and the cost-and-gradient evaluations so far.
	Progress func(iter int, c Cost, gradNorm float64, evals int)
}

// Line-search constants: the weak Wolfe conditions J(x + t d) <= J(x) + wolfeDecrease t g.d and
// g(x + t d).d >= wolfeCurvature g.d, at most maxLineSearch evaluations per iteration.
const (
	wolfeDecrease  = 1e-4
	wolfeCurvature = 0.9
	maxLineSearch  = 40
)

// OptimalControl minimises the control objective J(f) = mean_j (u_j(T) - u*_j)^2 + w sum f^2 over
// the coarse control f (K x N) from the coarse initial state u0, with L-BFGS on the exact discrete
// gradient (Adjoint), and returns the best control found and its cost: the achievable optimum that a
// learned controller's J can be compared with.
//
// The line search brackets a step satisfying the weak Wolfe conditions by doubling and bisection. A
// trial step whose forward solve blows up (*pde.BlowUpError) counts as J = +Inf and is shortened;
// correction pairs with s.y <= 0 are skipped, and a search direction that is not a descent direction
// (or a failed line search) restarts from steepest descent. The iterations stop after
// opts.MaxIterations, when the gradient norm falls below opts.GradTol times its starting value, or
// when a steepest-descent line search makes no progress (converged to rounding).
//
// Errors: invalid parameters or inputs (wrapping pde.ErrInvalidParams), a blow-up at the starting
// control, and the context's error; on cancellation the best control so far is returned with its cost
// and the error.
func OptimalControl(ctx context.Context, p Params, u0 []float64, o Objective, opts OptimizeOptions) ([]float64, Cost, error) {
	a, err := NewAdjoint(p)
	if err != nil {
		return nil, Cost{}, err
	}
	nf := p.Frames * p.Cells
	if opts.Start != nil && len(opts.Start) != nf {
		return nil, Cost{}, pde.Invalidf("burgers optimal control: start has %d values, want %d frames x %d points = %d", len(opts.Start), p.Frames, p.Cells, nf)
	}
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
	x := make([]float64, nf)
	if opts.Start != nil {
		copy(x, opts.Start)
	}
	g := make([]float64, nf)
	cx, err := a.Gradient(ctx, u0, x, o, g)
	if err != nil {
		return nil, Cost{}, fmt.Errorf("burgers optimal control: at the starting control: %w", err)
	}
	evals := 1
	gn0 := norm2(g)
	if opts.Progress != nil {
		opts.Progress(0, cx, gn0, evals)
	}
	h := newLBFGSHistory(mem, nf)
	d, xt, gt := make([]float64, nf), make([]float64, nf), make([]float64, nf)
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
		ct, ok, err := wolfeSearch(ctx, a, u0, o, x, d, cx.J, gd, t, xt, gt, &evals)
		if err != nil {
			return x, cx, fmt.Errorf("burgers optimal control: iteration %d: %w", it, err)
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
	return x, cx, nil
}

// wolfeSearch looks for a step t along d from x (cost j0, directional derivative gd < 0) satisfying
// the weak Wolfe conditions, starting at t. On success xt, gt hold the new point and gradient and the
// cost is returned with ok; it reports !ok when no step with a decrease was found. A blow-up counts as
// an infinite cost; other errors are returned.
func wolfeSearch(ctx context.Context, a *Adjoint, u0 []float64, o Objective, x, d []float64, j0, gd, t float64,
	xt, gt []float64, evals *int) (Cost, bool, error) {
	lo, hi := 0.0, math.Inf(1)
	var best Cost
	bestT := 0.0
	bx, bg := make([]float64, len(x)), make([]float64, len(x))
	for range maxLineSearch {
		for i := range xt {
			xt[i] = x[i] + t*d[i]
		}
		c, err := a.Gradient(ctx, u0, xt, o, gt)
		*evals++
		j := c.J
		var bu *pde.BlowUpError
		switch {
		case errors.As(err, &bu):
			j = math.Inf(1)
		case err != nil:
			return Cost{}, false, err
		}
		switch {
		case !(j <= j0+wolfeDecrease*t*gd):
			hi = t // too long (or blew up)
		default:
			if j < j0 && (bestT == 0 || j < best.J) {
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
	return Cost{}, false, nil
}

// lbfgsHistory holds the last correction pairs (s, y) of L-BFGS.
type lbfgsHistory struct {
	s, y      [][]float64
	rho, al   []float64
	len, next int
}

func newLBFGSHistory(mem, n int) *lbfgsHistory {
	h := &lbfgsHistory{s: make([][]float64, mem), y: make([][]float64, mem), rho: make([]float64, mem), al: make([]float64, mem)}
	for i := range mem {
		h.s[i], h.y[i] = make([]float64, n), make([]float64, n)
	}
	return h
}

func (h *lbfgsHistory) reset() { h.len, h.next = 0, 0 }

// push adds s = x1 - x0, y = g1 - g0 unless s.y is not positive (the curvature condition failed).
func (h *lbfgsHistory) push(x1, x0, g1, g0 []float64) {
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
func (h *lbfgsHistory) direction(d, g []float64) {
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

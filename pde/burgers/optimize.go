package burgers

import (
	"context"
	"errors"
	"fmt"

	"github.com/trajdiff/trajdiff/pde"
	"github.com/trajdiff/trajdiff/pde/internal/lbfgs"
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
	x := make([]float64, nf)
	if opts.Start != nil {
		copy(x, opts.Start)
	}
	pr := controlProblem(a, u0, o)
	c, evaluated, err := lbfgs.Minimize(ctx, pr, x, lbfgs.Options[Cost]{MaxIterations: opts.MaxIterations, Memory: opts.Memory,
		GradTol: opts.GradTol, Progress: opts.Progress})
	switch {
	case !evaluated:
		return nil, Cost{}, fmt.Errorf("burgers optimal control: %w", err)
	case err != nil:
		return x, c, fmt.Errorf("burgers optimal control: %w", err)
	}
	return x, c, nil
}

// controlProblem is J(f) with its adjoint gradient; a blow-up of the solver is an infeasible point.
func controlProblem(a *Adjoint, u0 []float64, o Objective) lbfgs.Problem[Cost] {
	return lbfgs.Problem[Cost]{
		Eval:  func(ctx context.Context, f, g []float64) (Cost, error) { return a.Gradient(ctx, u0, f, o, g) },
		Value: func(c Cost) float64 { return c.J },
		Infeasible: func(err error) bool {
			var bu *pde.BlowUpError
			return errors.As(err, &bu)
		},
	}
}

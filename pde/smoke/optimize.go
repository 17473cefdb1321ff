package smoke

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
	// GradTol stops the iterations when |dJ/dc|_2 <= GradTol |dJ/dc(start)|_2 (0: 1e-8).
	GradTol float64
	// Start is the initial control, Frames x Save x Save x 2 (nil: zero control).
	Start []float64
	// Progress, when set, is called after the start and after every iteration with the iteration
	// number (0 for the start), the cost, |dJ/dc|_2 and the cost-and-gradient evaluations so far.
	Progress func(iter int, c Cost, gradNorm float64, evals int)
}

// OptimalControl minimises the objective o over the stored control from init with L-BFGS on the
// exact discrete gradient of a (pde/internal/lbfgs: weak-Wolfe line search, a blow-up of a trial
// control shortens the step) and returns the best control found and its cost: the achievable control
// that a learned controller's J is placed against. J is not convex (the smoke can be routed to the
// target in different ways), so this is a local optimum from the start; it is at least as good as the
// start.
//
// Errors: invalid input (wrapping pde.ErrInvalidParams), a blow-up at the starting control, and the
// context's error; on cancellation the best control so far is returned with its cost and the error.
func OptimalControl(ctx context.Context, a *Adjoint, init Initial, o Objective, opts OptimizeOptions) ([]float64, Cost, error) {
	p, m := a.Params(), a.Params().Save
	nc := p.Frames() * m * m * 2
	if opts.Start != nil && len(opts.Start) != nc {
		return nil, Cost{}, pde.Invalidf("smoke optimal control: start has %d values, want %d frames x %d x %d x 2 = %d", len(opts.Start), p.Frames(), m, m, nc)
	}
	x := make([]float64, nc)
	if opts.Start != nil {
		copy(x, opts.Start)
	}
	pr := lbfgs.Problem[Cost]{
		Eval:  func(ctx context.Context, c, g []float64) (Cost, error) { return a.Gradient(ctx, init, c, o, g) },
		Value: func(c Cost) float64 { return c.J },
		Infeasible: func(err error) bool {
			var bu *pde.BlowUpError
			return errors.As(err, &bu) || errors.Is(err, pde.ErrUnstable)
		},
	}
	c, evaluated, err := lbfgs.Minimize(ctx, pr, x, lbfgs.Options[Cost]{MaxIterations: opts.MaxIterations, Memory: opts.Memory,
		GradTol: opts.GradTol, Progress: opts.Progress})
	switch {
	case !evaluated:
		return nil, Cost{}, fmt.Errorf("smoke optimal control: %w", err)
	case err != nil:
		return x, c, fmt.Errorf("smoke optimal control: %w", err)
	}
	return x, c, nil
}

package wdno

import (
	"context"
	"fmt"
	"math"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/internal/parallel"
	"github.com/trajdiff/trajdiff/pde/smoke"
)

// SearchSmokeControl is SearchControl for smoke: each case of a smoke control model is sampled by s with
// the reward -J, J = -smoke_out + 0.1 mean (d(0) - d0)^2 of each candidate's control re-simulated by
// pde/smoke from the case's true initial square, which is what Evaluate reports for smoke. cases[j] is
// the index in d of req.Cases[j] (the square's position and size are parameters of its row, not fields).
//
// Why smoke needs it: WDNO's guidance takes the gradient of J with respect to the x0 prediction, and
// smoke's J reads only the s channel and d(0); its gradient in the control channels is zero, so guidance
// can move the controls only through the network's response to a changed s at the next step.
// Selection by the re-simulated J acts on the controls directly.
func (m *Model) SearchSmokeControl(ctx context.Context, req Request, s diffusion.ParticleSearch, d *Data, cases []int) (*Generated, error) {
	enc, guidance, err := m.searchSetup(req, &s)
	if err != nil {
		return nil, err
	}
	if err := m.Compatible(d); err != nil {
		return nil, err
	}
	if !d.IsSmoke() {
		return nil, fmt.Errorf("wdno: a smoke search needs smoke data, %s comes from %q", d.Path, d.Generator.Name)
	}
	if len(cases) != len(req.Cases) {
		return nil, fmt.Errorf("wdno: %d dataset indices for %d cases", len(cases), len(req.Cases))
	}
	for _, i := range cases {
		if i < 0 || i >= d.Len() {
			return nil, fmt.Errorf("wdno: case index %d outside the %d trajectories of %s", i, d.Len(), d.Path)
		}
	}
	return m.searchCases(ctx, req, s, enc, guidance, func(j int) (reward, error) {
		init, err := d.smokeInitial(cases[j])
		if err != nil {
			return nil, err
		}
		return &smokeReward{layout: m.Layout, data: d, init: init, u0: req.Cases[j].U0}, nil
	})
}

// smokeReward scores candidate images by -J of their controls re-simulated from one case's initial
// square, on every core (a simulator per candidate).
type smokeReward struct {
	layout Layout
	data   *Data
	init   smoke.Initial
	u0     []float64 // the case's given state frame 0 (the misfit's reference)
}

func (c *smokeReward) score(ctx context.Context, r, x0 []float64) error {
	D := c.layout.Dim()
	nu, nf := c.layout.Config().sizes()
	return parallel.Ordered(ctx, 0, len(r), 0, func(ctx context.Context, k int) (float64, error) {
		u, f := make([]float64, nu), make([]float64, nf)
		if err := c.layout.Decode(x0[k*D:(k+1)*D], u, f); err != nil {
			return 0, err
		}
		sim, err := smoke.NewSimulator(c.data.Smoke.Params)
		if err != nil {
			return 0, fmt.Errorf("wdno: %w", err)
		}
		sc, _, err := smokeScore(ctx, c.data, sim, c.init, f, c.u0)
		switch {
		case err != nil && ctx.Err() != nil:
			return 0, ctx.Err()
		case err != nil || math.IsNaN(sc.J):
			return math.Inf(-1), nil // the solver's failure on this candidate
		}
		return -sc.J, nil
	}, func(k int, v float64) error {
		r[k] = v
		return nil
	})
}

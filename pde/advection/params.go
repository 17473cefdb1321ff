package advection

import (
	"math"

	"github.com/trajdiff/trajdiff/pde"
)

// Params fixes the equation, grid and time stepping.
type Params struct {
	Beta   float64 // advection speed
	Cells  int     // N, finite-volume cells on [0, 1]
	T      float64 // horizon
	Frames int     // stored intervals; trajectories hold Frames+1 states at t_k = k T/Frames
	CFL    float64 // |beta| dt/dx <= CFL (0 < CFL <= 1)
}

// DefaultParams returns PDEBench's setting: beta = 1, 1024 cells, T = 2, 200 intervals (201 frames),
// CFL 0.4.
func DefaultParams() Params { return Params{Beta: 1, Cells: 1024, T: 2, Frames: 200, CFL: 0.4} }

// Dx is 1/N.
func (p Params) Dx() float64 { return 1 / float64(p.Cells) }

// X returns the cell centres (i + 1/2)/N.
func (p Params) X() []float64 {
	x := make([]float64, p.Cells)
	for i := range x {
		x[i] = (float64(i) + 0.5) / float64(p.Cells)
	}
	return x
}

// StepsPerFrame returns the number of equal steps per stored interval (0 when beta = 0).
func (p Params) StepsPerFrame() int {
	if p.Beta == 0 {
		return 0
	}
	dtMax := p.CFL * p.Dx() / math.Abs(p.Beta)
	return int(math.Ceil(p.T / float64(p.Frames) / dtMax * (1 - 1e-12)))
}

// Validate checks the parameters.
func (p Params) Validate() error {
	switch {
	case math.IsNaN(p.Beta) || math.IsInf(p.Beta, 0):
		return pde.Invalidf("advection: beta = %v must be finite", p.Beta)
	case p.Cells < 4:
		return pde.Invalidf("advection: %d cells, want at least 4", p.Cells)
	case !(p.T > 0) || math.IsInf(p.T, 0):
		return pde.Invalidf("advection: horizon T = %v must be positive and finite", p.T)
	case p.Frames < 1:
		return pde.Invalidf("advection: %d frames, want at least 1", p.Frames)
	case !(p.CFL > 0 && p.CFL <= 1):
		return pde.Invalidf("advection: CFL number %v, want 0 < CFL <= 1", p.CFL)
	}
	if n := float64(p.StepsPerFrame()) * float64(p.Frames) * float64(p.Cells); n > 1e13 {
		return pde.Invalidf("advection: %.3g cell updates is too many", n)
	}
	return nil
}

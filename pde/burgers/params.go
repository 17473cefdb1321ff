package burgers

import (
	"math"

	"github.com/trajdiff/trajdiff/pde"
)

// Params fixes the equation, the grids and the time stepping.
type Params struct {
	Nu     float64 // viscosity (> 0)
	Cells  int     // N, coarse (stored) grid points, x_j = j/(N+1)
	Refine int     // r, fine intervals per coarse interval: M = r(N+1) - 1 solver points
	T      float64 // horizon
	Frames int     // K, control intervals; trajectories hold K+1 state frames
	// StepsPerFrame is the number of Euler steps per interval; 0 derives the smallest number with
	// nu dt/dx^2 <= DiffusionNumber.
	StepsPerFrame   int
	DiffusionNumber float64 // target d = nu dt/dx^2 when StepsPerFrame is 0 (0 < d <= 1/2)
}

// DefaultParams returns nu = 0.01, 128 stored points, refinement 4 (515 solver points), T = 1,
// 10 intervals and d <= 0.4.
func DefaultParams() Params {
	return Params{Nu: 0.01, Cells: 128, Refine: 4, T: 1, Frames: 10, DiffusionNumber: 0.4}
}

// FinePoints is M = r(N+1) - 1.
func (p Params) FinePoints() int { return p.Refine*(p.Cells+1) - 1 }

// Dx is the fine grid spacing 1/(M+1).
func (p Params) Dx() float64 { return 1 / float64(p.FinePoints()+1) }

// Steps returns the Euler steps per interval.
func (p Params) Steps() int {
	if p.StepsPerFrame > 0 {
		return p.StepsPerFrame
	}
	dx := p.Dx()
	dtMax := p.DiffusionNumber * dx * dx / p.Nu
	return int(math.Ceil(p.T / float64(p.Frames) / dtMax * (1 - 1e-12)))
}

// Dt is the Euler time step T/(K StepsPerFrame).
func (p Params) Dt() float64 { return p.T / float64(p.Frames*p.Steps()) }

// FrameDt is the time between stored frames, T/K.
func (p Params) FrameDt() float64 { return p.T / float64(p.Frames) }

// X returns the coarse grid x_j = j/(N+1), j = 1..N.
func (p Params) X() []float64 {
	x := make([]float64, p.Cells)
	for j := range x {
		x[j] = float64(j+1) / float64(p.Cells+1)
	}
	return x
}

// Validate checks the parameters, including the diffusion stability limit nu dt/dx^2 <= 1/2.
func (p Params) Validate() error {
	switch {
	case !(p.Nu > 0) || math.IsInf(p.Nu, 0):
		return pde.Invalidf("burgers: viscosity nu = %v must be positive and finite", p.Nu)
	case p.Cells < 2:
		return pde.Invalidf("burgers: %d coarse points, want at least 2", p.Cells)
	case p.Refine < 1:
		return pde.Invalidf("burgers: refinement %d, want at least 1", p.Refine)
	case !(p.T > 0) || math.IsInf(p.T, 0):
		return pde.Invalidf("burgers: horizon T = %v must be positive and finite", p.T)
	case p.Frames < 1:
		return pde.Invalidf("burgers: %d frames, want at least 1", p.Frames)
	case p.StepsPerFrame < 0:
		return pde.Invalidf("burgers: %d steps per frame, want >= 0 (0 = derive from the diffusion number)", p.StepsPerFrame)
	case p.StepsPerFrame == 0 && !(p.DiffusionNumber > 0 && p.DiffusionNumber <= 0.5):
		return pde.Invalidf("burgers: diffusion number %v, want 0 < d <= 1/2", p.DiffusionNumber)
	}
	if p.FinePoints() > 1<<26 {
		return pde.Invalidf("burgers: %d fine points is too many", p.FinePoints())
	}
	if d := p.Nu * p.Dt() / (p.Dx() * p.Dx()); d > 0.5 {
		return pde.Invalidf("burgers: nu dt/dx^2 = %.4g exceeds the FTCS stability limit 1/2 (dt = %.4g, dx = %.4g); use more steps per frame",
			d, p.Dt(), p.Dx())
	}
	return nil
}

// MaxStableSpeed is the largest |u| for which FTCS is von Neumann stable at these parameters,
// sqrt(2 nu/dt).
func (p Params) MaxStableSpeed() float64 { return math.Sqrt(2 * p.Nu / p.Dt()) }

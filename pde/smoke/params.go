package smoke

import (
	"math"

	"github.com/trajdiff/trajdiff/pde"
)

// Params fixes the grid, the horizon and the physics switches.
type Params struct {
	N      int // simulation grid N x N cells of unit size (WDNO: 128)
	Save   int // stored grid Save x Save (WDNO: 64); N must be a multiple of Save
	Steps  int // steps after the initial one (WDNO: 256); the run takes Steps+1 steps of dt = 1
	Stride int // steps per stored frame (WDNO: 8); Steps must be a multiple of Stride
	// Buoyancy adds Buoyancy * (density averaged to the face) to the vertical velocity every step
	// (0 in WDNO's data).
	Buoyancy float64
	// AdvectVelocity advects the velocity by itself (semi-Lagrangian, MAC) before the forces; WDNO's
	// data do not (the velocity there is the projection of the control band and the previous field).
	AdvectVelocity bool
	// PlainAdvection uses ordinary semi-Lagrangian density advection instead of the mass-conserving
	// variant (Lentine et al. 2011), reproducing phiflow's advection and its mass error.
	PlainAdvection bool
	InitialVX      float64 // initial uniform velocity (WDNO: 0, 0.2)
	InitialVY      float64
	Tol            float64 // max-norm residual of the pressure solve (WDNO: 1e-8)
	MaxIter        int     // conjugate-gradient iteration limit per solve (WDNO: 500)
}

// DefaultParams returns WDNO's smoke setting: 128^2 simulation, 64^2 storage, 256 + 1 steps, a frame
// every 8 steps (33 frames), no buoyancy or velocity self-advection, initial velocity (0, 0.2),
// pressure tolerance 1e-8.
func DefaultParams() Params {
	return Params{N: 128, Save: 64, Steps: 256, Stride: 8, InitialVY: 0.2, Tol: 1e-8, MaxIter: 500}
}

// Frames is the number of stored frames, Steps/Stride + 1.
func (p Params) Frames() int { return p.Steps/p.Stride + 1 }

// Ratio is N/Save, the side of the block of simulation cells behind one stored cell.
func (p Params) Ratio() int { return p.N / p.Save }

// Validate checks the parameters.
func (p Params) Validate() error {
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	switch {
	case p.N < 32 || p.N%8 != 0 || p.N > 4096:
		return pde.Invalidf("smoke: grid %d, want a multiple of 8 in [32, 4096]", p.N)
	case p.Save < 1 || p.N%p.Save != 0:
		return pde.Invalidf("smoke: stored grid %d must divide the simulation grid %d", p.Save, p.N)
	case p.Steps < 1 || p.Stride < 1 || p.Steps%p.Stride != 0:
		return pde.Invalidf("smoke: %d steps with a frame every %d, want positive and Steps a multiple of Stride", p.Steps, p.Stride)
	case !finite(p.Buoyancy) || !finite(p.InitialVX) || !finite(p.InitialVY):
		return pde.Invalidf("smoke: buoyancy and initial velocity must be finite")
	case !(p.Tol > 0) || !finite(p.Tol):
		return pde.Invalidf("smoke: pressure tolerance %v, want positive", p.Tol)
	case p.MaxIter < 1:
		return pde.Invalidf("smoke: %d pressure iterations, want at least 1", p.MaxIter)
	}
	return nil
}

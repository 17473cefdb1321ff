package cns

import (
	"fmt"
	"math"

	"github.com/trajdiff/trajdiff/pde"
)

// Boundary is the boundary condition at both ends.
type Boundary int

const (
	// Periodic wraps the domain.
	Periodic Boundary = iota
	// Outflow copies the edge cell into the ghosts (zero gradient, PDEBench's "trans").
	Outflow
)

// String returns "periodic" or "outflow".
func (b Boundary) String() string {
	if b == Outflow {
		return "outflow"
	}
	return "periodic"
}

// ParseBoundary is the inverse of Boundary.String.
func ParseBoundary(s string) (Boundary, error) {
	switch s {
	case "periodic":
		return Periodic, nil
	case "outflow", "trans":
		return Outflow, nil
	}
	return 0, fmt.Errorf("unknown boundary %q (want periodic or outflow)", s)
}

// Params fixes the gas, the grid and the time stepping.
type Params struct {
	Gamma    float64 // ratio of specific heats (> 1)
	Eta      float64 // shear viscosity (>= 0)
	Zeta     float64 // bulk viscosity (>= 0)
	Cells    int     // N finite-volume cells on [XL, XR]
	XL, XR   float64
	T        float64 // horizon
	Frames   int     // stored intervals; trajectories hold Frames+1 states at t_k = k T/Frames
	CFL      float64 // dt = CFL dx / max(|u| + c), 0 < CFL <= 1
	ViscCFL  float64 // viscous sub-steps dt_v <= ViscCFL min(rho) dx^2/(4/3 eta + zeta), 0 < ViscCFL <= 1/2
	Boundary Boundary
	// MaxSteps bounds the hydrodynamic steps of one run (0: 10^7), a guard against stalled time steps.
	MaxSteps int
}

// DefaultParams returns PDEBench's 1-D setting: gamma = 5/3, eta = zeta = 0.01, 1024 cells on
// [-1, 1], T = 1, 100 intervals (101 frames), periodic, with CFL 0.5 and viscous CFL 0.4.
func DefaultParams() Params {
	return Params{Gamma: 5.0 / 3.0, Eta: 0.01, Zeta: 0.01, Cells: 1024, XL: -1, XR: 1, T: 1, Frames: 100,
		CFL: 0.5, ViscCFL: 0.4, Boundary: Periodic}
}

// Dx is (XR - XL)/N.
func (p Params) Dx() float64 { return (p.XR - p.XL) / float64(p.Cells) }

// X returns the cell centres.
func (p Params) X() []float64 {
	x := make([]float64, p.Cells)
	for i := range x {
		x[i] = p.XL + (float64(i)+0.5)*p.Dx()
	}
	return x
}

// Viscosity is the longitudinal viscosity 4/3 eta + zeta of the 1-D stress tau = (4/3 eta + zeta) u_x.
func (p Params) Viscosity() float64 { return 4.0/3.0*p.Eta + p.Zeta }

// Validate checks the parameters.
func (p Params) Validate() error {
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	switch {
	case !(p.Gamma > 1) || !finite(p.Gamma):
		return pde.Invalidf("cns: gamma = %v, want > 1", p.Gamma)
	case !(p.Eta >= 0) || !(p.Zeta >= 0) || !finite(p.Eta) || !finite(p.Zeta):
		return pde.Invalidf("cns: viscosities eta = %v, zeta = %v must be finite and non-negative", p.Eta, p.Zeta)
	case p.Cells < 4:
		return pde.Invalidf("cns: %d cells, want at least 4", p.Cells)
	case !(p.XR > p.XL) || !finite(p.XL) || !finite(p.XR):
		return pde.Invalidf("cns: domain [%v, %v] is empty", p.XL, p.XR)
	case !(p.T > 0) || !finite(p.T):
		return pde.Invalidf("cns: horizon T = %v must be positive and finite", p.T)
	case p.Frames < 1:
		return pde.Invalidf("cns: %d frames, want at least 1", p.Frames)
	case !(p.CFL > 0 && p.CFL <= 1):
		return pde.Invalidf("cns: CFL number %v, want 0 < CFL <= 1", p.CFL)
	case !(p.ViscCFL > 0 && p.ViscCFL <= 0.5):
		return pde.Invalidf("cns: viscous CFL number %v, want 0 < CFL <= 1/2", p.ViscCFL)
	case p.Boundary != Periodic && p.Boundary != Outflow:
		return pde.Invalidf("cns: unknown boundary %d", p.Boundary)
	case p.MaxSteps < 0:
		return pde.Invalidf("cns: negative step limit %d", p.MaxSteps)
	}
	return nil
}

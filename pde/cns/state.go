package cns

import (
	"math"

	"github.com/trajdiff/trajdiff/pde"
)

// State is a 1-D gas state in primitive variables, one value per cell.
type State struct {
	Rho, U, P []float64 // density, velocity, pressure
}

// NewState allocates a state of n cells.
func NewState(n int) State {
	return State{Rho: make([]float64, n), U: make([]float64, n), P: make([]float64, n)}
}

// Len is the number of cells.
func (s State) Len() int { return len(s.Rho) }

// Check verifies that the state has n cells, positive finite density and pressure and finite velocity.
func (s State) Check(n int) error {
	if len(s.Rho) != n || len(s.U) != n || len(s.P) != n {
		return pde.Invalidf("cns: state has %d/%d/%d values (rho/u/p), want %d cells", len(s.Rho), len(s.U), len(s.P), n)
	}
	for i := range n {
		r, u, p := s.Rho[i], s.U[i], s.P[i]
		switch {
		case !(r > 0) || math.IsInf(r, 0):
			return pde.Invalidf("cns: density %v at cell %d, want positive and finite", r, i)
		case !(p > 0) || math.IsInf(p, 0):
			return pde.Invalidf("cns: pressure %v at cell %d, want positive and finite", p, i)
		case math.IsNaN(u) || math.IsInf(u, 0):
			return pde.Invalidf("cns: velocity %v at cell %d is not finite", u, i)
		}
	}
	return nil
}

// Totals are the conserved integrals sum_i q_i dx of mass, momentum and energy.
type Totals struct{ Mass, Momentum, Energy float64 }

// Totals returns the conserved integrals of s for ratio of specific heats gamma and spacing dx.
func (s State) Totals(gamma, dx float64) Totals {
	var t Totals
	for i := range s.Rho {
		m := s.Rho[i] * s.U[i]
		t.Mass += s.Rho[i] * dx
		t.Momentum += m * dx
		t.Energy += (s.P[i]/(gamma-1) + 0.5*m*s.U[i]) * dx
	}
	return t
}

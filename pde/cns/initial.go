package cns

import (
	"math"
	"math/rand/v2"

	"github.com/trajdiff/trajdiff/pde"
)

// Initial is a PDEBench "rand" initial condition: density, velocity and pressure profiles (on the
// normalised coordinate (x - XL)/(XR - XL)); density and pressure are min-max normalised over the cell
// centres to [0, 1] and mapped to M v + B.
type Initial struct {
	Rho, U, P           pde.MultiMode
	RhoScale, RhoOffset float64 // M, B of the density
	PScale, POffset     float64 // M, B of the pressure
}

// logUniform draws exp(U[log lo, log hi]).
func logUniform(r *rand.Rand, lo, hi float64) float64 {
	return math.Exp(pde.Uniform(r, math.Log(lo), math.Log(hi)))
}

// RandomInitial draws PDEBench's 1-D CFD "rand" initial condition: three two-mode profiles with modes
// k in 1..3 and window probability 0.5, density scale and offset ~ logU[1, 10], pressure scale and
// offset ~ logU[10, 100].
func RandomInitial(r *rand.Rand) Initial {
	in := Initial{
		Rho: pde.RandomMultiMode(r, 3, 0.5),
		U:   pde.RandomMultiMode(r, 3, 0.5),
		P:   pde.RandomMultiMode(r, 3, 0.5),
	}
	in.RhoScale, in.RhoOffset = logUniform(r, 1, 10), logUniform(r, 1, 10)
	in.PScale, in.POffset = logUniform(r, 10, 100), logUniform(r, 10, 100)
	return in
}

// State samples the initial condition at the cell centres of p.
func (in Initial) State(p Params) State {
	st := NewState(p.Cells)
	L := p.XR - p.XL
	for i, x := range p.X() {
		xi := (x - p.XL) / L
		st.Rho[i], st.U[i], st.P[i] = in.Rho.Eval(xi), in.U.Eval(xi), in.P.Eval(xi)
	}
	normalise(st.Rho, in.RhoScale, in.RhoOffset)
	normalise(st.P, in.PScale, in.POffset)
	return st
}

// normalise maps v to [0, 1] by its min and max (to 0 when constant) and then to scale v + offset.
func normalise(v []float64, scale, offset float64) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, x := range v {
		lo, hi = min(lo, x), max(hi, x)
	}
	for i, x := range v {
		y := 0.0
		if hi > lo {
			y = (x - lo) / (hi - lo)
		}
		v[i] = scale*y + offset
	}
}

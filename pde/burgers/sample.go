package burgers

import (
	"math"
	"math/rand/v2"

	"github.com/trajdiff/trajdiff/pde"
)

// Gaussian is a exp(-(x-c)^2/(2 s^2)).
type Gaussian struct{ A, C, S float64 }

// Eval returns the Gaussian at x.
func (g Gaussian) Eval(x float64) float64 {
	d := (x - g.C) / g.S
	return g.A * math.Exp(-0.5*d*d)
}

// Integral returns int_0^x of the Gaussian, a s sqrt(pi/2) (erf((x-c)/(s sqrt2)) - erf(-c/(s sqrt2))).
func (g Gaussian) Integral(x float64) float64 {
	k := g.S * math.Sqrt2
	return g.A * g.S * math.Sqrt(math.Pi/2) * (math.Erf((x-g.C)/k) - math.Erf(-g.C/k))
}

// GaussianSum is an initial state u0 = sum of Gaussians.
type GaussianSum []Gaussian

// Eval returns u0(x).
func (gs GaussianSum) Eval(x float64) float64 {
	v := 0.0
	for _, g := range gs {
		v += g.Eval(x)
	}
	return v
}

// Integral returns Phi(x) = int_0^x u0, the potential the Cole-Hopf transform needs.
func (gs GaussianSum) Integral(x float64) float64 {
	v := 0.0
	for _, g := range gs {
		v += g.Integral(x)
	}
	return v
}

// Sample evaluates u0 at the coarse points of p.
func (gs GaussianSum) Sample(p Params) []float64 {
	x := p.X()
	for j, xj := range x {
		x[j] = gs.Eval(xj)
	}
	return x
}

// RandomInitial draws WDNO's initial state: a positive bump A1 ~ U[0, 2] at c1 ~ U[0.2, 0.4] and a
// negative bump A2 ~ U[-2, 0] at c2 ~ U[0.6, 0.8], both of width s ~ U[0.05, 0.15].
func RandomInitial(r *rand.Rand) GaussianSum {
	c1, a1, s1 := pde.Uniform(r, 0.2, 0.4), pde.Uniform(r, 0, 2), pde.Uniform(r, 0.05, 0.15)
	c2, a2, s2 := pde.Uniform(r, 0.6, 0.8), pde.Uniform(r, -2, 0), pde.Uniform(r, 0.05, 0.15)
	return GaussianSum{{A: a1, C: c1, S: s1}, {A: a2, C: c2, S: s2}}
}

// ControlBump is one space-time Gaussian of a control: A exp(-(x-MX)^2/(2 SX^2)) exp(-(tau-MT)^2/(2 ST^2)).
type ControlBump struct{ A, MX, SX, MT, ST float64 }

// Control is a random control in WDNO's family, a sum of space-time Gaussians times Factor (2, or 4
// for the partial-control variant), optionally restricted to x < 1/4 or x >= 3/4.
type Control struct {
	Bumps   []ControlBump
	Factor  float64
	Partial bool
}

// Eval returns f(x, tau) at normalised time tau in [0, 1].
func (c Control) Eval(x, tau float64) float64 {
	if c.Partial && x >= 0.25 && x < 0.75 {
		return 0
	}
	v := 0.0
	for _, b := range c.Bumps {
		dx := (x - b.MX) / b.SX
		dt := (tau - b.MT) / b.ST
		v += b.A * math.Exp(-0.5*dx*dx) * c.Factor * math.Exp(-0.5*dt*dt)
	}
	return v
}

// Sample evaluates the control on the coarse grid at the WDNO interval times tau_k = (k+1)/(K+1),
// returning K x N values row-major.
//
// It computes each bump's space and time factors once (N + K exponentials per bump instead of 2 N K)
// and combines them in Eval's order, so every value equals c.Eval(x_j, tau_k) bit for bit.
func (c Control) Sample(p Params) []float64 {
	x := p.X()
	n, k := p.Cells, p.Frames
	out := make([]float64, k*n)
	ex, et := make([]float64, len(c.Bumps)*n), make([]float64, len(c.Bumps)*k)
	for i, b := range c.Bumps {
		for j, xj := range x {
			dx := (xj - b.MX) / b.SX
			ex[i*n+j] = math.Exp(-0.5 * dx * dx)
		}
		for fr := range k {
			dt := (float64(fr+1)/float64(k+1) - b.MT) / b.ST
			et[i*k+fr] = math.Exp(-0.5 * dt * dt)
		}
	}
	for fr := range k {
		row := out[fr*n : (fr+1)*n]
		for j, xj := range x {
			if c.Partial && xj >= 0.25 && xj < 0.75 {
				continue
			}
			v := 0.0
			for i, b := range c.Bumps {
				v += b.A * ex[i*n+j] * c.Factor * et[i*k+fr]
			}
			row[j] = v
		}
	}
	return out
}

// RandomControl draws WDNO's control: 8 bumps, a_0 ~ U[-1.5, 1.5], a_j ~ Bernoulli(1/2) U[-1.5, 1.5],
// centres ~ U[0, 1], widths ~ U[0.1, 0.4] in x and tau.
func RandomControl(r *rand.Rand, partial bool) Control {
	c := Control{Bumps: make([]ControlBump, 8), Factor: 2, Partial: partial}
	if partial {
		c.Factor = 4
	}
	for j := range c.Bumps {
		a := pde.Uniform(r, -1.5, 1.5)
		if j > 0 && r.IntN(2) == 0 {
			a = 0
		}
		c.Bumps[j] = ControlBump{A: a, MX: r.Float64(), SX: pde.Uniform(r, 0.1, 0.4), MT: r.Float64(), ST: pde.Uniform(r, 0.1, 0.4)}
	}
	return c
}

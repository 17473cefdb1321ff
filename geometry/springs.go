package geometry

import (
	"math/rand/v2"
)

// Springs is NRI's spring system in 3-D (GeoTDM's synthetic_sim.py): N unit-mass balls, each pair
// connected by a spring with probability 1/2 (e_ij = e_ji in {0, 1}), Hooke forces
//
//	F_i = -k sum_j e_ij (x_i - x_j),   U = k/2 sum_{i<j} e_ij |x_i - x_j|^2,
//
// clipped component-wise to +-MaxForce. Positions start N(0, LocStd^2), velocities N(0, I) rescaled
// to norm VelNorm, reflected into the box once at the start.
type Springs struct {
	N        int
	BoxSize  float64
	LocStd   float64
	VelNorm  float64
	Strength float64
	TimeStep float64
	MaxForce float64
}

// NewSprings returns the published constants for n balls (GeoTDM: n = 5): box 5, position std 0.5,
// velocity norm 0.5, k = 0.1, dt = 0.001, clip 100.
func NewSprings(n int) *Springs {
	return &Springs{N: n, BoxSize: 5, LocStd: 0.5, VelNorm: 0.5, Strength: 0.1, TimeStep: 0.001, MaxForce: 0.1 / 0.001}
}

// Name returns "springs".
func (c *Springs) Name() string { return "springs" }

// Nodes returns N.
func (c *Springs) Nodes() int { return c.N }

// Dt returns the integrator time step.
func (c *Springs) Dt() float64 { return c.TimeStep }

// Frames returns the number of frames a run saves.
func (c *Springs) Frames(r Run) int { return kickDriftFrames(r) }

// Sample draws the spring graph (lower triangle, mirrored), positions and velocities.
func (c *Springs) Sample(rng *rand.Rand) (State, Params) {
	n := c.N
	e := make([]float64, n*n)
	for i := 1; i < n; i++ {
		for j := 0; j < i; j++ {
			if rng.Float64() < 0.5 {
				e[i*n+j], e[j*n+i] = 1, 1
			}
		}
	}
	x := make([]float64, n*Dim)
	for i := range x {
		x[i] = c.LocStd * rng.NormFloat64()
	}
	return State{X: x, V: unitVelocities(rng, n, c.VelNorm)}, Params{Couplings: e}
}

// Simulate reflects the initial state into the box and runs the published kick-drift loop.
func (c *Springs) Simulate(s State, p Params, r Run) (*Trajectory, error) {
	if err := checkState(c.Name(), s, c.N); err != nil {
		return nil, err
	}
	if err := checkParam(c.Name(), "couplings", p.Couplings, c.N*c.N); err != nil {
		return nil, err
	}
	s = s.Clone()
	if err := reflectIntoBox(c.Name(), s.X, s.V, c.BoxSize); err != nil {
		return nil, err
	}
	return c.integrate(s, p, r)
}

// integrate runs the time loop from s without the initial reflection.
func (c *Springs) integrate(s State, p Params, r Run) (*Trajectory, error) {
	e, k, n := p.Couplings, c.Strength, c.N
	return kickDrift(c, s, p, r, func(f, x []float64) { hooke(f, x, e, k, n) }, c.MaxForce)
}

// hooke writes F_i = sum_j (-k e_ij)(x_i - x_j), pairs once, rows in the published order.
func hooke(f, x, e []float64, k float64, n int) {
	clear(f)
	for i := 0; i < n; i++ {
		xi, yi, zi := x[3*i], x[3*i+1], x[3*i+2]
		for j := i + 1; j < n; j++ {
			eij := e[i*n+j]
			if eij == 0 {
				continue
			}
			c := -k * eij
			fx, fy, fz := c*(xi-x[3*j]), c*(yi-x[3*j+1]), c*(zi-x[3*j+2])
			f[3*i] += fx
			f[3*i+1] += fy
			f[3*i+2] += fz
			f[3*j] -= fx
			f[3*j+1] -= fy
			f[3*j+2] -= fz
		}
	}
}

// Energy returns 1/2 sum v^2 + k/2 sum_{i<j} e_ij r_ij^2.
func (c *Springs) Energy(s State, p Params) float64 {
	u := 0.0
	for i := 0; i < c.N; i++ {
		for j := i + 1; j < c.N; j++ {
			r := dist(s.X, i, j)
			u += 0.5 * c.Strength * p.Couplings[i*c.N+j] * r * r
		}
	}
	return kinetic(s.V, nil) + u
}

// Momentum returns sum_i v_i.
func (c *Springs) Momentum(s State, p Params) [Dim]float64 { return momentum(s.V, nil) }

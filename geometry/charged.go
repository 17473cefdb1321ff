package geometry

import (
	"math"
	"math/rand/v2"
)

// Charged is the charged-particle system of NRI (Kipf et al. 2018) in the 3-D form of EGNN
// (Satorras et al. 2021) used by GeoTDM (Han et al. 2024): N unit-mass particles with charges
// q_i = +-1 (probability 1/2 each) interacting through Coulomb forces without softening,
//
//	F_i = k sum_{j != i} q_i q_j (x_i - x_j) / |x_i - x_j|^3,   U = k sum_{i<j} q_i q_j / |x_i - x_j|,
//
// clipped component-wise to +-MaxForce. Positions start N(0, LocStd^2) per coordinate, velocities
// N(0, I) rescaled to norm VelNorm per particle; the initial state is reflected into [-BoxSize,
// BoxSize]^3, but the 3-D generator has the wall rule of the time loop commented out, so the
// particles move freely afterwards.
type Charged struct {
	N        int
	BoxSize  float64
	LocStd   float64
	VelNorm  float64
	Strength float64
	TimeStep float64
	MaxForce float64
}

// NewCharged returns the published constants for n particles (GeoTDM: n = 5): box 5, position std
// (n/5)^(1/3) (EGNN's density-preserving scaling of NRI's 1.0), velocity norm 0.5, k = 1, dt = 0.001
// and force clip 0.1/dt = 100.
func NewCharged(n int) *Charged {
	return &Charged{N: n, BoxSize: 5, LocStd: math.Cbrt(float64(n) / 5), VelNorm: 0.5, Strength: 1,
		TimeStep: 0.001, MaxForce: 0.1 / 0.001}
}

// Name returns "charged".
func (c *Charged) Name() string { return "charged" }

// Nodes returns N.
func (c *Charged) Nodes() int { return c.N }

// Dt returns the integrator time step.
func (c *Charged) Dt() float64 { return c.TimeStep }

// Frames returns the number of frames a run saves.
func (c *Charged) Frames(r Run) int { return kickDriftFrames(r) }

// Sample draws charges, positions and velocities.
func (c *Charged) Sample(rng *rand.Rand) (State, Params) {
	q := make([]float64, c.N)
	for i := range q {
		q[i] = 1
		if rng.Float64() < 0.5 {
			q[i] = -1
		}
	}
	x := make([]float64, c.N*Dim)
	for i := range x {
		x[i] = c.LocStd * rng.NormFloat64()
	}
	return State{X: x, V: unitVelocities(rng, c.N, c.VelNorm)}, Params{Charges: q}
}

// Simulate reflects the initial state into the box and runs the published kick-drift loop.
func (c *Charged) Simulate(s State, p Params, r Run) (*Trajectory, error) {
	if err := checkState(c.Name(), s, c.N); err != nil {
		return nil, err
	}
	if err := checkParam(c.Name(), "charges", p.Charges, c.N); err != nil {
		return nil, err
	}
	s = s.Clone()
	if err := reflectIntoBox(c.Name(), s.X, s.V, c.BoxSize); err != nil {
		return nil, err
	}
	return c.integrate(s, p, r)
}

// integrate runs the time loop from s without the initial reflection.
func (c *Charged) integrate(s State, p Params, r Run) (*Trajectory, error) {
	q, k := p.Charges, c.Strength
	return kickDrift(c, s, p, r, func(f, x []float64) { coulomb(f, x, q, k) }, c.MaxForce)
}

// coulomb writes F_i = k sum_j q_i q_j (x_i - x_j)/r_ij^3. Each pair is evaluated once and added to
// both particles with opposite signs; particle i still receives its terms in the order j = 0..N-1,
// the order of the published row sums.
func coulomb(f, x, q []float64, k float64) {
	clear(f)
	n := len(q)
	for i := 0; i < n; i++ {
		xi, yi, zi := x[3*i], x[3*i+1], x[3*i+2]
		for j := i + 1; j < n; j++ {
			dx, dy, dz := xi-x[3*j], yi-x[3*j+1], zi-x[3*j+2]
			r2 := dx*dx + dy*dy + dz*dz
			c := k * (q[i] * q[j]) / (r2 * math.Sqrt(r2))
			fx, fy, fz := c*dx, c*dy, c*dz
			f[3*i] += fx
			f[3*i+1] += fy
			f[3*i+2] += fz
			f[3*j] -= fx
			f[3*j+1] -= fy
			f[3*j+2] -= fz
		}
	}
}

// Energy returns 1/2 sum v^2 + k sum_{i<j} q_i q_j / r_ij (the published _energy).
func (c *Charged) Energy(s State, p Params) float64 {
	u := 0.0
	for i := 0; i < c.N; i++ {
		for j := i + 1; j < c.N; j++ {
			u += c.Strength * p.Charges[i] * p.Charges[j] / dist(s.X, i, j)
		}
	}
	return kinetic(s.V, nil) + u
}

// Momentum returns sum_i v_i (unit masses).
func (c *Charged) Momentum(s State, p Params) [Dim]float64 { return momentum(s.V, nil) }

func dist(x []float64, i, j int) float64 {
	dx, dy, dz := x[3*i]-x[3*j], x[3*i+1]-x[3*j+1], x[3*i+2]-x[3*j+2]
	return math.Sqrt(dx*dx + dy*dy + dz*dz)
}

// kinetic returns 1/2 sum_i m_i |v_i|^2 (m = 1 when masses is nil).
func kinetic(v, masses []float64) float64 {
	k := 0.0
	for i, vi := range v {
		m := 1.0
		if masses != nil {
			m = masses[i/Dim]
		}
		k += 0.5 * m * vi * vi
	}
	return k
}

func momentum(v, masses []float64) [Dim]float64 {
	var p [Dim]float64
	for i, vi := range v {
		m := 1.0
		if masses != nil {
			m = masses[i/Dim]
		}
		p[i%Dim] += m * vi
	}
	return p
}

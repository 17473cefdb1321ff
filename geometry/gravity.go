package geometry

import (
	"math"
	"math/rand/v2"
)

// Gravity is GeoTDM's gravitational N-body system (GravitySim): N bodies of mass m_i = 1 with
// Plummer-softened attraction
//
//	a_i = G sum_j m_j (x_j - x_i) (|x_j - x_i|^2 + eps^2)^(-3/2),
//	U   = -G sum_{i<j} m_i m_j / sqrt(|x_i - x_j|^2 + eps^2),
//
// integrated by kick-drift-kick leapfrog without walls or clipping. Positions and velocities start
// N(0, I); the mean velocity is removed (centre-of-mass frame).
type Gravity struct {
	N         int
	G         float64
	Softening float64
	TimeStep  float64
}

// NewGravity returns GeoTDM's constants for n bodies (gen_data.sh: n = 10): G = 1, softening 0.1,
// dt = 0.001.
func NewGravity(n int) *Gravity {
	return &Gravity{N: n, G: 1, Softening: 0.1, TimeStep: 0.001}
}

// Name returns "gravity".
func (c *Gravity) Name() string { return "gravity" }

// Nodes returns N.
func (c *Gravity) Nodes() int { return c.N }

// Dt returns the integrator time step.
func (c *Gravity) Dt() float64 { return c.TimeStep }

// Frames returns the number of frames a run saves.
func (c *Gravity) Frames(r Run) int { return kickDriftKickFrames(r) }

// Sample draws positions and velocities N(0, I), unit masses, and removes the mean momentum.
func (c *Gravity) Sample(rng *rand.Rand) (State, Params) {
	n := c.N
	x := make([]float64, n*Dim)
	v := make([]float64, n*Dim)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	m := make([]float64, n)
	for i := range m {
		m[i] = 1
	}
	removeMeanVelocity(v, m)
	return State{X: x, V: v}, Params{Masses: m}
}

// removeMeanVelocity subtracts mean(m v)/mean(m), as the published generator does.
func removeMeanVelocity(v, m []float64) {
	n := len(m)
	mean := 0.0
	for _, mi := range m {
		mean += mi
	}
	mean /= float64(n)
	for k := 0; k < Dim; k++ {
		s := 0.0
		for i := 0; i < n; i++ {
			s += m[i] * v[i*Dim+k]
		}
		s = s / float64(n) / mean
		for i := 0; i < n; i++ {
			v[i*Dim+k] -= s
		}
	}
}

// Simulate runs the published kick-drift-kick loop; frames include the initial state and the
// forces m_i a_i.
func (c *Gravity) Simulate(s State, p Params, r Run) (*Trajectory, error) {
	if err := checkState(c.Name(), s, c.N); err != nil {
		return nil, err
	}
	if err := checkParam(c.Name(), "masses", p.Masses, c.N); err != nil {
		return nil, err
	}
	return c.integrate(s.Clone(), p, r)
}

// integrate runs the time loop from s (Gravity has no initial reflection).
func (c *Gravity) integrate(s State, p Params, r Run) (*Trajectory, error) {
	m, g, eps2 := p.Masses, c.G, c.Softening*c.Softening
	return kickDriftKick(c, s, p, r, func(a, x []float64) { plummer(a, x, m, g, eps2) })
}

// plummer writes the softened accelerations, pairs once.
func plummer(a, x, m []float64, g, eps2 float64) {
	clear(a)
	n := len(m)
	for i := 0; i < n; i++ {
		xi, yi, zi := x[3*i], x[3*i+1], x[3*i+2]
		for j := i + 1; j < n; j++ {
			dx, dy, dz := x[3*j]-xi, x[3*j+1]-yi, x[3*j+2]-zi
			s := dx*dx + dy*dy + dz*dz + eps2
			c := g / (s * math.Sqrt(s))
			ci, cj := c*m[j], c*m[i]
			a[3*i] += ci * dx
			a[3*i+1] += ci * dy
			a[3*i+2] += ci * dz
			a[3*j] -= cj * dx
			a[3*j+1] -= cj * dy
			a[3*j+2] -= cj * dz
		}
	}
}

// Energy returns 1/2 sum m v^2 - G sum_{i<j} m_i m_j / sqrt(r^2 + eps^2): the Hamiltonian of the
// softened forces. (GeoTDM's _energy leaves the softening out of the potential, which is then not
// the energy the integrator conserves.)
func (c *Gravity) Energy(s State, p Params) float64 {
	u := 0.0
	eps2 := c.Softening * c.Softening
	for i := 0; i < c.N; i++ {
		for j := i + 1; j < c.N; j++ {
			r := dist(s.X, i, j)
			u -= c.G * p.Masses[i] * p.Masses[j] / math.Sqrt(r*r+eps2)
		}
	}
	return kinetic(s.V, p.Masses) + u
}

// Momentum returns sum_i m_i v_i.
func (c *Gravity) Momentum(s State, p Params) [Dim]float64 { return momentum(s.V, p.Masses) }

package geometry

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Dim is the spatial dimension of the N-body systems (the GeoTDM/EGNN setting is 3-D).
const Dim = 3

// State is the phase-space state of N particles: positions X and velocities V, node-major
// (component k of particle i at index 3i+k).
type State struct {
	X, V []float64
}

// Clone returns a deep copy.
func (s State) Clone() State {
	return State{X: append([]float64(nil), s.X...), V: append([]float64(nil), s.V...)}
}

// Params are the per-trajectory constants a system samples with the initial state: the charges q_i
// (charged particles), the symmetric spring indicators e_ij, row-major N x N (springs) or the masses
// m_i (gravity). Fields a system does not use are nil.
type Params struct {
	Charges   []float64
	Couplings []float64
	Masses    []float64
}

// Run fixes the integration and the saved frames: Steps integrator steps of size dt, one frame every
// SampleFreq steps (the published generator: 5000 and 100). MaxFrames > 0 stops the integration as
// soon as that many frames are saved: the frames are the same as those of the full run (GeoTDM trains
// on the first 30), only the unused tail is not computed.
type Run struct {
	Steps      int
	SampleFreq int
	MaxFrames  int
}

// DefaultRun is the published setting: 5000 steps, every 100th kept, the first 30 frames
// (10 conditioning + 20 target frames in GeoTDM).
func DefaultRun() Run { return Run{Steps: 5000, SampleFreq: 100, MaxFrames: 30} }

func (r Run) check() error {
	if r.Steps < 1 || r.SampleFreq < 1 || r.MaxFrames < 0 {
		return fmt.Errorf("geometry: run needs steps >= 1, sample_freq >= 1, max_frames >= 0, got %+v", r)
	}
	if r.Steps%r.SampleFreq != 0 {
		return fmt.Errorf("geometry: steps %d is not a multiple of sample_freq %d (the published generator asserts this)", r.Steps, r.SampleFreq)
	}
	return nil
}

// Trajectory is one simulated trajectory: Frames frames of Nodes particles, row-major
// [frame][node][component]. Step[f] is the integrator step of frame f. Forces is set only where the
// published generator saves it (gravity: m_i a_i at the frame). Energy[f] is the total energy of the
// saved (X, V) of frame f. Clipped counts force components the published clip changed.
type Trajectory struct {
	Frames, Nodes int
	Step          []int
	X, V          []float64
	Forces        []float64
	Energy        []float64
	Clipped       int
	Initial       State
	Params        Params
}

// Frame returns the positions of frame f, node-major.
func (t *Trajectory) Frame(f int) []float64 { return t.X[f*t.Nodes*Dim : (f+1)*t.Nodes*Dim] }

// System is one of the published N-body generators.
type System interface {
	// Name is the CLI name: "charged", "springs" or "gravity".
	Name() string
	// Nodes is the number of particles.
	Nodes() int
	// Dt is the integrator time step.
	Dt() float64
	// Sample draws an initial state and the trajectory's parameters as the published generator does.
	Sample(rng *rand.Rand) (State, Params)
	// Frames is the number of frames Simulate saves for r.
	Frames(r Run) int
	// Simulate integrates from s with the published update and returns the saved frames. s is not
	// modified.
	Simulate(s State, p Params, r Run) (*Trajectory, error)
	// Energy is the total (kinetic + potential) energy whose gradient gives the unclipped forces.
	Energy(s State, p Params) float64
	// Momentum is the total linear momentum sum_i m_i v_i.
	Momentum(s State, p Params) [Dim]float64
}

// checkState validates the shape and finiteness of an initial state for n particles.
func checkState(name string, s State, n int) error {
	if len(s.X) != n*Dim || len(s.V) != n*Dim {
		return fmt.Errorf("geometry %s: state has %d positions and %d velocities, want %d particles x %d = %d each",
			name, len(s.X), len(s.V), n, Dim, n*Dim)
	}
	for i := range s.X {
		if math.IsNaN(s.X[i]) || math.IsInf(s.X[i], 0) || math.IsNaN(s.V[i]) || math.IsInf(s.V[i], 0) {
			return fmt.Errorf("geometry %s: state component %d is not finite (x=%v, v=%v)", name, i, s.X[i], s.V[i])
		}
	}
	return nil
}

func checkParam(name, what string, v []float64, want int) error {
	if len(v) != want {
		return fmt.Errorf("geometry %s: %s has %d values, want %d", name, what, len(v), want)
	}
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("geometry %s: %s[%d] = %v is not finite", name, what, i, x)
		}
	}
	return nil
}

// newTrajectory allocates a trajectory of the given frame count.
func newTrajectory(frames, n int, forces bool, init State, p Params) *Trajectory {
	t := &Trajectory{
		Frames: frames, Nodes: n,
		Step:    make([]int, 0, frames),
		X:       make([]float64, 0, frames*n*Dim),
		V:       make([]float64, 0, frames*n*Dim),
		Energy:  make([]float64, 0, frames),
		Initial: init.Clone(),
		Params:  p,
	}
	if forces {
		t.Forces = make([]float64, 0, frames*n*Dim)
	}
	return t
}

// unitVelocities draws v ~ N(0, I) per particle and rescales each particle's velocity to norm vnorm
// (NRI's initial velocities).
func unitVelocities(rng *rand.Rand, n int, vnorm float64) []float64 {
	v := make([]float64, n*Dim)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	for i := 0; i < n; i++ {
		p := v[i*Dim : i*Dim+Dim]
		s := vnorm / math.Sqrt(p[0]*p[0]+p[1]*p[1]+p[2]*p[2])
		p[0] *= s
		p[1] *= s
		p[2] *= s
	}
	return v
}

// reflectIntoBox is NRI's _clamp, which the 3-D generators apply to the initial state only: a
// coordinate beyond +-L is mirrored back into the box and its velocity component pointed inwards.
// The published code asserts |x| < 3L first; so do we.
func reflectIntoBox(name string, x, v []float64, box float64) error {
	for i := range x {
		if !(x[i] < 3*box && x[i] > -3*box) {
			return fmt.Errorf("geometry %s: initial coordinate %d = %v is outside +-3 box (%v); the published generator rejects it", name, i, x[i], 3*box)
		}
		if x[i] > box {
			x[i] = 2*box - x[i]
			v[i] = -math.Abs(v[i])
		}
		if x[i] < -box {
			x[i] = -2*box - x[i]
			v[i] = math.Abs(v[i])
		}
	}
	return nil
}

// clip limits every force component to [-max, max] and returns how many it changed (NRI's
// F[F > max_F] = max_F; F[F < -max_F] = -max_F).
func clip(f []float64, limit float64) int {
	n := 0
	for i, x := range f {
		if x > limit {
			f[i] = limit
			n++
		} else if x < -limit {
			f[i] = -limit
			n++
		}
	}
	return n
}

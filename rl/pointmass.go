package rl

import "math"

// Constants of D4RL's point-mass MuJoCo model (d4rl/pointmaze/maze_model.py, point_maze()) and of
// MazeEnv.step.
const (
	// TimeStep is <option timestep="0.01"> with frame_skip 1: one env step is one MuJoCo step.
	TimeStep = 0.01
	// Damping is <default><joint damping="1">, on each slide joint.
	Damping = 1.0
	// Gear is the motor gear: the generalised force is 100 u for a control u in [-1, 1].
	Gear = 100.0
	// Radius is the particle's sphere radius; it also sets the contact distance to the walls.
	Radius = 0.1
	// MaxSpeed is MazeEnv.clip_velocity's bound on each qvel component, applied before every step.
	MaxSpeed = 5.0
	// WallOffset is the qpos position of the centre of wall cell (0, 0): walls are boxes of half-size
	// 0.5 at world (w+1, h+1) and the particle body sits at world (1.2, 1.2), qpos = world - 1.2.
	WallOffset = -0.2
)

// Mass is the particle's mass: MuJoCo's inertiafromgeom for a sphere of radius 0.1 and density 1000,
// 4/3 pi 0.1^3 1000 ~ 4.18879. The slide joints' mass matrix is diag(Mass, Mass).
const Mass = 4.0 / 3.0 * math.Pi * Radius * Radius * Radius * 1000

// velocityStep returns qvel after one MuJoCo Euler step without contacts. MuJoCo's Euler integrator
// treats joint damping implicitly (mj_EulerSkip: qacc = (M + h B)^-1 (qfrc_smooth + qfrc_constraint),
// where qfrc_smooth already holds the passive force -B v), so per axis
//
//	v' = v + h (Gear u - Damping v) / (Mass + h Damping).
//
// The position then advances semi-implicitly, x' = x + h v' (mj_advance).
func velocityStep(v, u float64) float64 {
	return v + TimeStep*(Gear*u-Damping*v)/(Mass+TimeStep*Damping)
}

// clamp limits a finite x to [lo, hi].
func clamp(x, lo, hi float64) float64 {
	if x < lo {
		return lo
	}
	if x > hi {
		return hi
	}
	return x
}

package rl

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// RewardType selects MazeEnv's reward.
type RewardType int

const (
	// SparseReward is 1 when the particle is within 0.5 of the target, else 0 (the v1 datasets and
	// the Diffuser scores use it).
	SparseReward RewardType = iota
	// DenseReward is exp(-|xy - target|).
	DenseReward
)

// GoalRadius is the sparse reward's distance threshold.
const GoalRadius = 0.5

// MazeConfig configures a Maze2D environment.
type MazeConfig struct {
	// Layout is "umaze", "medium" or "large".
	Layout string
	Reward RewardType
	// ResetTarget draws a new random target at every reset (D4RL's reset_target, Diffuser's
	// "Multi2D" evaluation); otherwise the target is the layout's goal cell.
	ResetTarget bool
	// MaxEpisodeSteps overrides the layout's time limit (0: the registered 300 / 600 / 800; < 0: none).
	MaxEpisodeSteps int
}

// Maze is D4RL's maze2d environment: a point mass of radius 0.1 on two slide joints in the qpos
// frame, observation (x, y, vx, vy), action (ux, uy) in [-1, 1]^2. See the package documentation for
// the dynamics and the contact model.
type Maze struct {
	layout     *Layout
	col        *collider
	cfg        MazeConfig
	resetCells []Cell
	limit      int

	x, y, vx, vy float64
	tx, ty       float64
	t            int
	started      bool
}

// NewMaze builds an environment; it is not reset yet.
func NewMaze(cfg MazeConfig) (*Maze, error) {
	l, err := LayoutByName(cfg.Layout)
	if err != nil {
		return nil, err
	}
	if cfg.Reward != SparseReward && cfg.Reward != DenseReward {
		return nil, fmt.Errorf("rl: unknown reward type %d", cfg.Reward)
	}
	m := &Maze{layout: l, col: newCollider(l), cfg: cfg, resetCells: l.ResetCells(), limit: l.MaxEpisodeSteps}
	if cfg.MaxEpisodeSteps != 0 {
		m.limit = max(cfg.MaxEpisodeSteps, 0)
	}
	g := l.GoalPoint()
	m.tx, m.ty = g[0], g[1]
	return m, nil
}

// Layout returns the maze layout.
func (m *Maze) Layout() *Layout { return m.layout }

// ObservationSpec is (x, y, vx, vy): positions within the maze's extent, velocities unbounded as in
// D4RL's Box(-inf, inf).
func (m *Maze) ObservationSpec() Box {
	inf := math.Inf(1)
	return Box{Low: []float64{-inf, -inf, -inf, -inf}, High: []float64{inf, inf, inf, inf}, Names: []string{"x", "y", "vx", "vy"}}
}

// ActionSpec is the motor controls (ux, uy) in [-1, 1]^2.
func (m *Maze) ActionSpec() Box {
	return Box{Low: []float64{-1, -1}, High: []float64{1, 1}, Names: []string{"ux", "uy"}}
}

// MaxEpisodeSteps is the time limit (0: none).
func (m *Maze) MaxEpisodeSteps() int { return m.limit }

// SampleCellPoint draws D4RL's random location: a uniform cell of ResetCells plus U(-0.1, 0.1) per
// axis (reset positions and random targets).
func (m *Maze) SampleCellPoint(rng *rand.Rand) (x, y float64) {
	c := m.resetCells[rng.IntN(len(m.resetCells))]
	x = float64(c.W) + (rng.Float64()*0.2 - 0.1)
	y = float64(c.H) + (rng.Float64()*0.2 - 0.1)
	return x, y
}

// Reset draws the initial state from seed as MazeEnv.reset_model does: a random reset location,
// velocity N(0, 0.1^2) per axis, and with ResetTarget a random target. Without ResetTarget the target
// is kept (the goal cell unless SetTarget moved it), as in D4RL.
func (m *Maze) Reset(seed uint64, obs []float64) error {
	if err := checkVector("observation buffer", obs, 4, false); err != nil {
		return err
	}
	rng := StreamRNG(seed, "maze2d/reset/"+m.layout.Name, 0)
	m.resetFrom(rng)
	m.observe(obs)
	return nil
}

func (m *Maze) resetFrom(rng *rand.Rand) {
	m.x, m.y = m.SampleCellPoint(rng)
	m.vx, m.vy = 0.1*rng.NormFloat64(), 0.1*rng.NormFloat64()
	if m.cfg.ResetTarget {
		m.tx, m.ty = m.SampleCellPoint(rng)
	}
	m.t, m.started = 0, true
}

// SetState places the particle; the disc must not overlap a wall (clearance >= -1e-9).
func (m *Maze) SetState(x, y, vx, vy float64) error {
	for _, v := range []float64{x, y, vx, vy} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("rl: state (%v, %v, %v, %v) is not finite", x, y, vx, vy)
		}
	}
	if c := m.col.clearance(x, y); c < -1e-9 {
		return fmt.Errorf("rl: particle at (%v, %v) overlaps a wall of %s by %.3g", x, y, m.layout.Name, -c)
	}
	m.x, m.y, m.vx, m.vy = x, y, vx, vy
	m.t, m.started = 0, true
	return nil
}

// State returns (x, y, vx, vy).
func (m *Maze) State() [4]float64 { return [4]float64{m.x, m.y, m.vx, m.vy} }

// SetTarget moves the target (D4RL's set_target with a location).
func (m *Maze) SetTarget(x, y float64) { m.tx, m.ty = x, y }

// Target returns the target location.
func (m *Maze) Target() (float64, float64) { return m.tx, m.ty }

// Elapsed is the number of steps since the last reset.
func (m *Maze) Elapsed() int { return m.t }

// Step applies one MazeEnv.step: clip the action to [-1, 1], clip the velocity to +-MaxSpeed, one
// Euler step with implicit damping, then the swept wall contact; the reward is computed at the new
// position.
func (m *Maze) Step(action, obs []float64) (Transition, error) {
	if err := checkVector("action", action, 2, true); err != nil {
		return Transition{}, err
	}
	if err := checkVector("observation buffer", obs, 4, false); err != nil {
		return Transition{}, err
	}
	if !m.started {
		return Transition{}, fmt.Errorf("rl: maze %s stepped before Reset", m.layout.Name)
	}
	if m.limit > 0 && m.t >= m.limit {
		return Transition{}, fmt.Errorf("rl: maze %s stepped after its %d-step limit; call Reset", m.layout.Name, m.limit)
	}
	m.advance(action[0], action[1])
	m.t++
	m.observe(obs)
	return Transition{Reward: m.reward(), Truncated: m.limit > 0 && m.t >= m.limit}, nil
}

// advance is the physics of one step.
func (m *Maze) advance(ux, uy float64) {
	ux, uy = clamp(ux, -1, 1), clamp(uy, -1, 1)
	vx := velocityStep(clamp(m.vx, -MaxSpeed, MaxSpeed), ux)
	vy := velocityStep(clamp(m.vy, -MaxSpeed, MaxSpeed), uy)
	m.x, m.y, m.vx, m.vy = m.col.move(m.x, m.y, TimeStep*vx, TimeStep*vy, vx, vy)
}

func (m *Maze) observe(obs []float64) {
	obs[0], obs[1], obs[2], obs[3] = m.x, m.y, m.vx, m.vy
}

func (m *Maze) reward() float64 {
	d := math.Hypot(m.x-m.tx, m.y-m.ty)
	if m.cfg.Reward == DenseReward {
		return math.Exp(-d)
	}
	if d <= GoalRadius {
		return 1
	}
	return 0
}

package rl

import (
	"fmt"
	"math"
)

// Box is a continuous space of Dim() components, component i in [Low[i], High[i]] (infinite bounds
// allowed), with optional component names.
type Box struct {
	Low, High []float64
	Names     []string
}

// Dim is the number of components.
func (b Box) Dim() int { return len(b.Low) }

// Transition is what one step reports besides the observation.
type Transition struct {
	Reward float64
	// Terminated: the episode reached a terminal state of the MDP (never, for Maze2D).
	Terminated bool
	// Truncated: the time limit ended the episode (Gymnasium's TimeLimit semantics).
	Truncated bool
}

// Env is an episodic environment with continuous observations and actions. Implementations are not
// safe for concurrent use; Vec steps many of them in parallel. Observations are written into
// caller-owned slices so that stepping does not allocate.
type Env interface {
	ObservationSpec() Box
	ActionSpec() Box
	// MaxEpisodeSteps is the time limit after which Step reports Truncated (0: none).
	MaxEpisodeSteps() int
	// Reset starts an episode whose initial state is a deterministic function of seed and writes the
	// first observation into obs (length ObservationSpec().Dim()).
	Reset(seed uint64, obs []float64) error
	// Step applies action (length ActionSpec().Dim(); components outside the bounds are clipped,
	// non-finite ones are an error) and writes the next observation into obs. Stepping after the
	// time limit is an error: call Reset.
	Step(action, obs []float64) (Transition, error)
}

// checkVector validates the length and finiteness of an action or observation buffer.
func checkVector(what string, v []float64, dim int, finite bool) error {
	if len(v) != dim {
		return fmt.Errorf("rl: %s has %d components, want %d", what, len(v), dim)
	}
	if finite {
		for i, x := range v {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return fmt.Errorf("rl: %s component %d is %v", what, i, x)
			}
		}
	}
	return nil
}

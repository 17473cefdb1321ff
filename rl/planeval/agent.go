package planeval

import (
	"context"
	"math/rand/v2"

	"github.com/trajdiff/trajdiff/rl"
)

// Agent makes the policy of one episode: Policy gets the episode's maze (reset, with its target set) and
// the episode's own random stream. Policies that plan report their plans by implementing Reporter.
type Agent struct {
	Name   string
	Policy func(ctx context.Context, m *rl.Maze, rng *rand.Rand) (rl.Policy, error)
}

// ExpertAgent is D4RL's waypoint controller (rl.NewControllerPolicy), a fresh one per episode.
func ExpertAgent() Agent {
	return Agent{Name: "expert", Policy: func(_ context.Context, m *rl.Maze, rng *rand.Rand) (rl.Policy, error) {
		return rl.NewControllerPolicy(m, rng), nil
	}}
}

// RandomAgent draws uniform actions from the action box (D4RL's random reference).
func RandomAgent() Agent {
	return Agent{Name: "random", Policy: func(_ context.Context, m *rl.Maze, rng *rand.Rand) (rl.Policy, error) {
		return rl.NewRandomPolicy(m.ActionSpec(), rng), nil
	}}
}

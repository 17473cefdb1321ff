package diffuser

import (
	"context"
	"math/rand/v2"

	"github.com/trajdiff/trajdiff/rl"
	"github.com/trajdiff/trajdiff/rl/planeval"
)

// Agent returns the planner as a planeval agent: one plan per episode, its noise seed drawn from the
// episode's stream.
func (p *Planner) Agent(name string) planeval.Agent {
	return planeval.Agent{Name: name, Policy: func(ctx context.Context, m *rl.Maze, rng *rand.Rand) (rl.Policy, error) {
		return p.Policy(ctx, m, rng.Uint64()), nil
	}}
}

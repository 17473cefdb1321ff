package trajdiffuser

import (
	"context"
	"fmt"
)

// rollout runs the draft autoregressively: the last K (state, return) tokens of the history (the first
// repeated when the history is shorter, as at an episode's start), each followed by the goal for a
// goal-conditioned draft, predict the next pair, which joins the tokens, until the draft holds Horizon
// states from the current one. It returns the draft and the number of draft evaluations.
func (p *Planner) rollout(ctx context.Context, history [][4]float64, returns []float64, goal [2]float64) ([][4]float64, int, error) {
	K, H := p.tokens, p.Horizon()
	toks := make([][5]float64, 0, K+H)
	for i := len(history) - K; i < len(history); i++ {
		j := max(i, 0)
		var t [5]float64
		copy(t[:4], history[j][:])
		t[4] = returns[j]
		toks = append(toks, t)
	}
	draft := make([][4]float64, 1, H)
	draft[0] = history[len(history)-1]
	in := make([]float64, 0, 7*K)
	for len(draft) < H {
		in = in[:0]
		for _, t := range toks[len(toks)-K:] {
			in = append(in, t[:]...)
			if p.goal {
				in = append(in, goal[0], goal[1])
			}
		}
		out, err := p.draft.Predict(ctx, [][]float64{in})
		if err != nil {
			return nil, 0, fmt.Errorf("trajdiffuser: draft: %w", err)
		}
		var t [5]float64
		copy(t[:], out[0])
		toks = append(toks, t)
		draft = append(draft, [4]float64(t[:4]))
	}
	return draft, H - 1, nil
}

package diffuser

import (
	"fmt"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/internal/stream"
)

// HeldOutWindows draws n windows of h steps [ax, ay, x, y, vx, vy] from a maze2d dataset that training never
// saw (e.g. `trajdiff simulate maze2d --segments goal` with another seed): episode i, for the episodes of at
// least h steps in index order, gives one window starting at an offset drawn uniformly from a stream keyed
// by (seed, episode index). It fails if the dataset has fewer than n such episodes.
func HeldOutWindows(ds *datasets.Dataset, h, n int, seed uint64) ([]InverseProblem, error) {
	if h < 2 || n < 1 {
		return nil, badInput("held-out windows need a horizon of at least 2 and at least 1 window, got %d and %d", h, n)
	}
	if ds.Kind() != datasets.Episodes {
		return nil, badInput("held-out windows come from an episodes dataset, got %v", ds.Kind())
	}
	var out []InverseProblem
	for i := 0; i < ds.Len() && len(out) < n; i++ {
		ep, err := ds.Episode(i)
		if err != nil {
			return nil, fmt.Errorf("diffuser: held-out episode %d: %w", i, err)
		}
		if ep.Len < h {
			continue
		}
		if a, o := ep.Actions.Shape, ep.Observations.Shape; a[1] != actionDim || o[1] != obsDim {
			return nil, badInput("episode %d has %d actions and %d observations per step; maze2d has 2 and 4", i, a[1], o[1])
		}
		off := stream.RNG(seed, "diffuser/inverse", uint64(i), "heldout").IntN(ep.Len - h + 1)
		w := make([][6]float64, h)
		for t := range w {
			for k := 0; k < actionDim; k++ {
				w[t][k] = ep.Actions.At((off+t)*actionDim + k)
			}
			for k := 0; k < obsDim; k++ {
				w[t][obsOffset+k] = ep.Observations.At((off+t)*obsDim + k)
			}
		}
		out = append(out, InverseProblem{Truth: w})
	}
	if len(out) < n {
		return nil, badInput("the dataset has %d episodes of at least %d steps, %d windows asked for", len(out), h, n)
	}
	return out, nil
}

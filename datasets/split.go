package datasets

import "fmt"

// FlatEpisodes is the D4RL layout: N steps of every field back to back, episodes delimited by
// terminals and timeouts. Observations has N*ObservationDim values, Actions N*ActionDim, each
// info N*Dim.
type FlatEpisodes struct {
	Spec         EpisodeSpec
	Observations []float64
	Actions      []float64
	Rewards      []float64
	Terminals    []bool
	Timeouts     []bool // nil when the file has none
	Infos        map[string][]float64
}

// SplitEpisodes cuts flat D4RL data into episodes the way D4RL's sequence_dataset (and Diffuser's
// copy of it) does: an episode ends at the first step whose terminal or timeout flag is set.
// Unlike Diffuser, which drops them, steps after the last flag form a final episode with neither
// flag set, so no data is lost; pass dropIncomplete to drop them instead. It returns the episodes
// and the number of dropped steps.
func SplitEpisodes(f FlatEpisodes, dropIncomplete bool) ([]Episode, int, error) {
	N := len(f.Rewards)
	check := func(name string, n, dim int) error {
		if n != N*dim {
			return fmt.Errorf("split episodes: %s has %d values, want %d steps x %d", name, n, N, dim)
		}
		return nil
	}
	if err := check(ColObservations, len(f.Observations), f.Spec.ObservationDim); err != nil {
		return nil, 0, err
	}
	if err := check(ColActions, len(f.Actions), f.Spec.ActionDim); err != nil {
		return nil, 0, err
	}
	if len(f.Terminals) != N || (f.Timeouts != nil && len(f.Timeouts) != N) {
		return nil, 0, fmt.Errorf("split episodes: terminals (%d) and timeouts (%d) need %d entries", len(f.Terminals), len(f.Timeouts), N)
	}
	for _, in := range f.Spec.Infos {
		if err := check(InfoPrefix+in.Name, len(f.Infos[in.Name]), in.Dim); err != nil {
			return nil, 0, err
		}
	}
	var eps []Episode
	cut := func(a, b int) Episode {
		od, ad := f.Spec.ObservationDim, f.Spec.ActionDim
		e := Episode{Observations: f.Observations[a*od : b*od], Actions: f.Actions[a*ad : b*ad], Rewards: f.Rewards[a:b],
			Terminals: f.Terminals[a:b], Infos: map[string][]float64{}}
		if f.Timeouts != nil {
			e.Timeouts = f.Timeouts[a:b]
		}
		for _, in := range f.Spec.Infos {
			e.Infos[in.Name] = f.Infos[in.Name][a*in.Dim : b*in.Dim]
		}
		return e
	}
	start := 0
	for i := 0; i < N; i++ {
		if f.Terminals[i] || (f.Timeouts != nil && f.Timeouts[i]) {
			eps = append(eps, cut(start, i+1))
			start = i + 1
		}
	}
	dropped := 0
	if start < N {
		if dropIncomplete {
			dropped = N - start
		} else {
			eps = append(eps, cut(start, N))
		}
	}
	return eps, dropped, nil
}

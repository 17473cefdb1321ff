package planeval

import (
	"fmt"
	"slices"
)

// Pool joins complete evaluations of the same agents on the same maze made with different seeds into one
// evaluation over all their episodes, so that a summary is the mean +- standard error over episodes and
// seeds (Diffuser reports its maze2d scores this way). Each part must hold every one of its episodes
// (unsharded, or merged by Merge); no seed may appear twice, since its episodes would then count twice.
// Episodes are renumbered in the order of the parts and keep their reset seeds; the pooled Results has
// Seed 0 and lists the seeds in Seeds. Summaries are recomputed from the episodes.
func Pool(parts ...*Results) (*Results, error) {
	if len(parts) < 2 {
		return nil, fmt.Errorf("planeval: pooling needs at least two evaluations, got %d", len(parts))
	}
	a := parts[0]
	out := &Results{Layout: a.Layout, Env: a.Env, Multi: a.Multi}
	for k, p := range parts {
		if p.Layout != a.Layout || p.Env != a.Env || p.Multi != a.Multi {
			return nil, fmt.Errorf("planeval: evaluation %d is %s, evaluation 0 is %s", k, p.Env, a.Env)
		}
		if p.Shards > 1 {
			return nil, fmt.Errorf("planeval: evaluation %d is shard %d/%d: merge its shards first", k, p.Shard, p.Shards)
		}
		if len(p.Agents) != len(a.Agents) {
			return nil, fmt.Errorf("planeval: evaluation %d has %d agents, evaluation 0 has %d", k, len(p.Agents), len(a.Agents))
		}
		for j, ar := range p.Agents {
			if ar.Summary.Agent != a.Agents[j].Summary.Agent {
				return nil, fmt.Errorf("planeval: evaluation %d's agent %d is %q, evaluation 0's is %q", k, j, ar.Summary.Agent, a.Agents[j].Summary.Agent)
			}
			if len(ar.Episodes) != p.Episodes {
				return nil, fmt.Errorf("planeval: evaluation %d's agent %s holds %d of its %d episodes", k, ar.Summary.Agent, len(ar.Episodes), p.Episodes)
			}
		}
		for _, s := range p.seeds() {
			if slices.Contains(out.Seeds, s) {
				return nil, fmt.Errorf("planeval: seed %d is in two evaluations", s)
			}
			out.Seeds = append(out.Seeds, s)
		}
		out.Episodes += p.Episodes
	}
	for j := range a.Agents {
		var eps []Episode
		for _, p := range parts {
			for _, ep := range p.Agents[j].Episodes {
				ep.Index = len(eps)
				eps = append(eps, ep)
			}
		}
		out.Agents = append(out.Agents, AgentResult{Summary: Summarize(a.Agents[j].Summary.Agent, eps), Episodes: eps})
	}
	return out, nil
}

// seeds are the evaluation seeds behind r: its Seeds if pooled, else its Seed.
func (r *Results) seeds() []uint64 {
	if len(r.Seeds) > 0 {
		return r.Seeds
	}
	return []uint64{r.Seed}
}

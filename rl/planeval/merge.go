package planeval

import (
	"fmt"
	"slices"
)

// Merge joins the results of the shards of one evaluation (EvalConfig.Shard) into the results of the
// whole: the parts must agree on the maze, targets, episode count, seed, shard count and agents, and
// together hold every episode exactly once. Summaries are recomputed from the episodes, so a merged
// evaluation equals the unsharded one up to timings.
func Merge(parts ...*Results) (*Results, error) {
	if len(parts) == 0 {
		return nil, fmt.Errorf("planeval: nothing to merge")
	}
	a := parts[0]
	out := &Results{Layout: a.Layout, Env: a.Env, Multi: a.Multi, Episodes: a.Episodes, Seed: a.Seed}
	seen := make([]bool, a.Episodes)
	for k, p := range parts {
		if len(p.Seeds) > 0 {
			return nil, fmt.Errorf("planeval: part %d pools seeds %v; merge joins the shards of one evaluation", k, p.Seeds)
		}
		if p.Layout != a.Layout || p.Env != a.Env || p.Multi != a.Multi || p.Episodes != a.Episodes || p.Seed != a.Seed || p.Shards != a.Shards {
			return nil, fmt.Errorf("planeval: part %d is %s, %d episodes, seed %d, %d shards; part 0 is %s, %d episodes, seed %d, %d shards",
				k, p.Env, p.Episodes, p.Seed, p.Shards, a.Env, a.Episodes, a.Seed, a.Shards)
		}
		if len(p.Agents) != len(a.Agents) {
			return nil, fmt.Errorf("planeval: part %d has %d agents, part 0 has %d", k, len(p.Agents), len(a.Agents))
		}
		for j, ar := range p.Agents {
			if ar.Summary.Agent != a.Agents[j].Summary.Agent {
				return nil, fmt.Errorf("planeval: part %d's agent %d is %q, part 0's is %q", k, j, ar.Summary.Agent, a.Agents[j].Summary.Agent)
			}
			if j > 0 {
				continue
			}
			for _, ep := range ar.Episodes {
				if ep.Index < 0 || ep.Index >= a.Episodes {
					return nil, fmt.Errorf("planeval: part %d holds episode %d of %d", k, ep.Index, a.Episodes)
				}
				if seen[ep.Index] {
					return nil, fmt.Errorf("planeval: episode %d is in two parts", ep.Index)
				}
				seen[ep.Index] = true
			}
		}
	}
	if i := slices.Index(seen, false); i >= 0 {
		return nil, fmt.Errorf("planeval: episode %d is in no part (a shard is missing)", i)
	}
	for j := range a.Agents {
		var eps []Episode
		for _, p := range parts {
			eps = append(eps, p.Agents[j].Episodes...)
		}
		if len(eps) != a.Episodes {
			return nil, fmt.Errorf("planeval: agent %s has %d episodes, want %d", a.Agents[j].Summary.Agent, len(eps), a.Episodes)
		}
		slices.SortFunc(eps, func(x, y Episode) int { return x.Index - y.Index })
		for i, ep := range eps {
			if ep.Index != i {
				return nil, fmt.Errorf("planeval: agent %s lacks episode %d or holds it twice", a.Agents[j].Summary.Agent, i)
			}
		}
		out.Agents = append(out.Agents, AgentResult{Summary: Summarize(a.Agents[j].Summary.Agent, eps), Episodes: eps})
	}
	return out, nil
}

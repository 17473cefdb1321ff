package planeval_test

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/trajdiff/trajdiff/rl/planeval"
)

// Pooling evaluations of two seeds summarises all their episodes together: the pooled mean and standard
// error are those of the concatenated scores (computed here directly), the episodes keep their starts and
// are renumbered, and a repeated seed, an unmerged shard, another maze or other agents are refused.
func TestPoolSummarisesTheEpisodesOfEverySeed(t *testing.T) {
	agents := []planeval.Agent{planeval.ExpertAgent(), planeval.RandomAgent()}
	eval := func(c planeval.EvalConfig) *planeval.Results {
		t.Helper()
		r, err := planeval.Evaluate(context.Background(), c, agents)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	a := eval(planeval.EvalConfig{Layout: "umaze", Episodes: 3, Seed: 1, Workers: 1})
	b := eval(planeval.EvalConfig{Layout: "umaze", Episodes: 4, Seed: 2, Workers: 1})
	pooled, err := planeval.Pool(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if pooled.Episodes != 7 || !slices.Equal(pooled.Seeds, []uint64{1, 2}) || pooled.Seed != 0 {
		t.Fatalf("pooled: %d episodes, seeds %v, seed %d", pooled.Episodes, pooled.Seeds, pooled.Seed)
	}
	for j, ar := range pooled.Agents {
		var scores []float64
		for _, p := range []*planeval.Results{a, b} {
			for _, ep := range p.Agents[j].Episodes {
				scores = append(scores, ep.Score)
			}
		}
		mean, ss := 0.0, 0.0
		for _, s := range scores {
			mean += s / float64(len(scores))
		}
		for _, s := range scores {
			ss += (s - mean) * (s - mean)
		}
		se := math.Sqrt(ss/float64(len(scores))) / math.Sqrt(float64(len(scores))) // population std, as Diffuser
		if got := ar.Summary; len(ar.Episodes) != 7 || math.Abs(got.ScoreMean-mean) > 1e-9 || math.Abs(got.ScoreSE-se) > 1e-9 {
			t.Errorf("%s: pooled %v ± %v over %d episodes, want %v ± %v over 7", got.Agent, got.ScoreMean, got.ScoreSE, len(ar.Episodes), mean, se)
		}
		for i, ep := range ar.Episodes {
			src := a.Agents[j].Episodes
			k := i
			if i >= 3 {
				src, k = b.Agents[j].Episodes, i-3
			}
			if ep.Index != i || ep.Start != src[k].Start || ep.ResetSeed != src[k].ResetSeed {
				t.Errorf("%s: pooled episode %d is not episode %d of its seed", ar.Summary.Agent, i, k)
			}
		}
	}
	shard := eval(planeval.EvalConfig{Layout: "umaze", Episodes: 4, Seed: 3, Shard: 0, Shards: 2, Workers: 1})
	medium := eval(planeval.EvalConfig{Layout: "medium", Episodes: 1, Seed: 4, Workers: 1})
	fewer := *b
	fewer.Seed, fewer.Agents = 5, b.Agents[:1]
	for name, parts := range map[string][]*planeval.Results{
		"one evaluation":   {a},
		"repeated seed":    {a, b, a},
		"repeated pooled":  {pooled, b},
		"unmerged shard":   {a, shard},
		"another maze":     {a, medium},
		"different agents": {a, &fewer},
	} {
		if _, err := planeval.Pool(parts...); err == nil {
			t.Errorf("%s: pooled", name)
		}
	}
	if _, err := planeval.Merge(pooled); err == nil {
		t.Error("a pooled evaluation was merged as a shard")
	}
}

package planeval_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/trajdiff/trajdiff/rl"
	"github.com/trajdiff/trajdiff/rl/planeval"
)

// A path is measured, not clipped: points inside walls or outside the maze and segments that jump across a
// wall are counted, with the path's step lengths.
func TestPathWallsAreCountedNotClipped(t *testing.T) {
	l, _ := rl.LayoutByName("umaze")
	// (3, 1) -> (1, 1) straight through the wall cell (2, 1), which spans x in [1.3, 2.3), in 4 steps of 0.5.
	q := planeval.MeasurePath(l, [][2]float64{{3, 1}, {2.5, 1}, {2, 1}, {1.5, 1}, {1, 1}})
	if q.WallPoints != 2 || q.WallSegments != 3 || q.OutsidePoints != 0 || q.MeanStep != 0.5 || q.MaxStep != 0.5 || !q.InWalls() {
		t.Errorf("through the wall: %+v", q)
	}
	if q := planeval.MeasurePath(l, [][2]float64{{3, 1}, {3, 3}, {1, 3}, {1, 1}}); q.InWalls() {
		t.Errorf("around the wall: %+v", q)
	}
}

// replanner is a fake planning agent: it tracks the target with the expert and "plans" a straight line
// to the target every step, taking a fixed time and 2 NFE per plan.
type replanner struct {
	expert rl.Policy
	maze   *rl.Maze
	plans  []planeval.PlanStats
}

func (r *replanner) Act(obs, act []float64) error {
	tx, ty := r.maze.Target()
	r.plans = append(r.plans, planeval.PlanStats{Latency: time.Millisecond, NFE: 2,
		Positions: [][2]float64{{obs[0], obs[1]}, {tx, ty}}})
	return r.expert.Act(obs, act)
}

func (r *replanner) Plans() []planeval.PlanStats { return r.plans }

func replanAgent() planeval.Agent {
	return planeval.Agent{Name: "replan", Policy: func(_ context.Context, m *rl.Maze, rng *rand.Rand) (rl.Policy, error) {
		return &replanner{expert: rl.NewControllerPolicy(m, rng), maze: m}, nil
	}}
}

// Shards of an evaluation merge into exactly the unsharded evaluation (timings aside), every agent faces the
// same starts and goals, and a replanning agent's plans are counted per plan and per environment step.
func TestShardsMergeIntoTheWholeEvaluation(t *testing.T) {
	agents := []planeval.Agent{replanAgent(), planeval.ExpertAgent(), planeval.RandomAgent()}
	cfg := planeval.EvalConfig{Layout: "umaze", Multi: true, Episodes: 5, Seed: 3, Workers: 2}
	whole, err := planeval.Evaluate(context.Background(), cfg, agents)
	if err != nil {
		t.Fatal(err)
	}
	var parts []*planeval.Results
	for k := 2; k >= 0; k-- { // any order
		c := cfg
		c.Shard, c.Shards, c.Workers = k, 3, 1
		p, err := planeval.Evaluate(context.Background(), c, agents)
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, p)
	}
	merged, err := planeval.Merge(parts...)
	if err != nil {
		t.Fatal(err)
	}
	for j, ar := range whole.Agents {
		mr := merged.Agents[j]
		if len(mr.Episodes) != 5 {
			t.Fatalf("%s: %d merged episodes", ar.Summary.Agent, len(mr.Episodes))
		}
		for i, ep := range ar.Episodes {
			me := mr.Episodes[i]
			if me.Index != i || me.Return != ep.Return || me.Start != ep.Start || me.Goal != ep.Goal || me.Path[300] != ep.Path[300] {
				t.Errorf("%s episode %d differs after sharding", ar.Summary.Agent, i)
			}
			if ep.Start != whole.Agents[0].Episodes[i].Start || ep.Goal != whole.Agents[0].Episodes[i].Goal {
				t.Errorf("%s episode %d: another start or goal", ar.Summary.Agent, i)
			}
		}
		a, b := ar.Summary, mr.Summary
		if a.ScoreMean != b.ScoreMean || a.ScoreSE != b.ScoreSE || a.SuccessRate != b.SuccessRate || a.Plans != b.Plans {
			t.Errorf("%s: summary %+v, merged %+v", a.Agent, a, b)
		}
	}
	rp := whole.Agents[0].Summary
	if rp.Plans != 5*300 || rp.NFEPerPlan != 2 || rp.NFEPerStep != 2 || rp.PlanMedian != 1e-3 {
		t.Errorf("replanning agent: %d plans, %v NFE/plan, %v NFE/step, median %v", rp.Plans, rp.NFEPerPlan, rp.NFEPerStep, rp.PlanMedian)
	}
	if ex := whole.Agents[1].Summary; ex.Plans != 0 || ex.SuccessRate < 1 {
		t.Errorf("expert: %+v", ex)
	}
	// Missing or repeated shards are refused.
	if _, err := planeval.Merge(parts[0], parts[1]); err == nil {
		t.Error("a missing shard was merged")
	}
	if _, err := planeval.Merge(parts[0], parts[0], parts[1], parts[2]); err == nil {
		t.Error("a repeated shard was merged")
	}
	other := *parts[2]
	other.Seed++
	if _, err := planeval.Merge(parts[0], parts[1], &other); err == nil {
		t.Error("a shard of another seed was merged")
	}
}

// Evaluate validates its configuration and stops on a cancelled context.
func TestEvaluateRejectsBadConfigsAndStopsWhenCancelled(t *testing.T) {
	agents := []planeval.Agent{planeval.RandomAgent()}
	for name, cfg := range map[string]planeval.EvalConfig{
		"no episodes":        {Layout: "umaze"},
		"unknown layout":     {Layout: "spiral", Episodes: 1},
		"shard out of range": {Layout: "umaze", Episodes: 4, Shard: 2, Shards: 2},
		"more shards":        {Layout: "umaze", Episodes: 2, Shards: 3},
	} {
		if _, err := planeval.Evaluate(context.Background(), cfg, agents); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := planeval.Evaluate(context.Background(), planeval.EvalConfig{Layout: "umaze", Episodes: 1}, nil); err == nil {
		t.Error("no agents: accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := planeval.Evaluate(ctx, planeval.EvalConfig{Layout: "umaze", Episodes: 4}, agents); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

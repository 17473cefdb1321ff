package planeval_test

import (
	"context"
	"fmt"
	"log"

	"github.com/trajdiff/trajdiff/rl/planeval"
)

// Scoring agents closed-loop: D4RL's expert controller and uniform random actions on maze2d-umaze-v1,
// run as two shards (as `trajdiff plan evaluate --shard i/n` does on a cluster) and merged; the merge
// equals one unsharded run, since every episode's seed depends only on (Seed, episode).
func ExampleEvaluate() {
	agents := []planeval.Agent{planeval.ExpertAgent(), planeval.RandomAgent()}
	var parts []*planeval.Results
	for shard := range 2 {
		cfg := planeval.EvalConfig{Layout: "umaze", Episodes: 10, Seed: 7, Shard: shard, Shards: 2, Workers: 1}
		res, err := planeval.Evaluate(context.Background(), cfg, agents)
		if err != nil {
			log.Fatal(err)
		}
		parts = append(parts, res)
	}
	all, err := planeval.Merge(parts...)
	if err != nil {
		log.Fatal(err)
	}
	whole, err := planeval.Evaluate(context.Background(), planeval.EvalConfig{Layout: "umaze", Episodes: 10, Seed: 7, Workers: 1}, agents)
	if err != nil {
		log.Fatal(err)
	}
	for i, a := range all.Agents {
		s := a.Summary
		fmt.Printf("%-6s score %5.1f ± %.1f, success %3.0f%%, same as unsharded: %v\n", s.Agent, s.ScoreMean, s.ScoreSE,
			100*s.SuccessRate, s.ScoreMean == whole.Agents[i].Summary.ScoreMean)
	}
	// Output:
	// expert score 137.1 ± 8.1, success 100%, same as unsharded: true
	// random score -17.3 ± 0.0, success   0%, same as unsharded: true
}

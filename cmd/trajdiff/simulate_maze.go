package main

import (
	"context"
	"fmt"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/rl"
)

// mazeSimSystems is maze2d, which takes over its command line (field run): its unit of work is a chunk
// of the stream.
func mazeSimSystems() []simSystem {
	return []simSystem{{name: "maze2d", run: runSimulateMaze,
		summary: "D4RL maze2d offline data (waypoint-controller expert; umaze, medium, large) -> episodes dataset"}}
}

// runSimulateMaze is `trajdiff simulate maze2d`: D4RL's maze2d data recipe written as an episodes
// dataset (observations, actions, relabelled sparse rewards, timeouts at segment ends, infos/goal).
func runSimulateMaze(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "simulate maze2d", "simulate maze2d --layout umaze|medium|large --out FILE [--steps N] [--seed S] [--shard i/n|auto] [flags]")
	layout := fs.String("layout", "umaze", "maze layout: umaze, medium, large")
	o := addSimOutput(fs, "output dataset file (.arrow or .parquet)", 0, "base seed; chunk k draws from (seed, k)",
		"write only shard `i/n` (0 <= i < n) of the chunks: [i C/n, (i+1) C/n)", "auto")
	steps := fs.Int("steps", 0, "total steps (0: D4RL's 1M / 2M / 4M for umaze / medium / large)")
	chunk := fs.Int("chunk-steps", 100000, "steps per independent chunk (each starts with a reset); chunks run in parallel and are the unit of -shard")
	noise := fs.Float64("noise", 0, "standard deviation of Gaussian action noise (D4RL --noisy: 0.5)")
	segments := fs.String("segments", rl.SegmentsTarget, "episode cut: target (D4RL's: at each target reached or the time limit) or goal (Diffuser's maze2d re-cut: where the agent leaves the evaluation goal)")
	goalReturns := fs.Bool("goal-returns", false, "also write infos/goal_return, the discounted returns of reaching the controller's own target (a goal-conditioned Decision Diffuser's label)")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if err := wantArgs(fs, 0, "none"); err != nil {
		return err
	}
	si, sn, opts, _, err := o.check(env)
	if err != nil {
		return err
	}
	recipe := rl.DatasetConfig{Layout: *layout, Steps: *steps, ChunkSteps: *chunk, Seed: *o.seed, ActionNoise: *noise, Segments: *segments, GoalReturns: *goalReturns, Workers: *o.workers}
	if _, _, err := recipe.ForShard(si, sn); err != nil {
		return usagef("%v", err)
	}
	l, err := rl.LayoutByName(*layout)
	if err != nil {
		return usagef("%v", err)
	}
	if !*o.quiet {
		recipe.Progress = newProgressBar(env.stderr, "simulate maze2d "+l.Name, "steps", 0).Func()
	}
	opts.Generator = datasets.Generator{Name: "trajdiff simulate maze2d", Version: "1"}
	st, err := rl.WriteDataset(ctx, *o.out, rl.WriteConfig{Recipe: recipe, Shard: si, Shards: sn}, opts)
	if err != nil {
		return err
	}
	ended := "reached their target"
	if *segments == rl.SegmentsGoal {
		ended = "end by leaving the goal"
	}
	fmt.Fprintf(env.stdout, "maze2d %s: %d steps, %d episodes (%d %s), mean length %.1f, reward rate %.4f -> %s\n",
		l.Name, st.Steps, st.Episodes, st.Solved, ended, float64(st.Steps)/float64(max(st.Episodes, 1)), st.Rewards/float64(max(st.Steps, 1)), *o.out)
	return nil
}

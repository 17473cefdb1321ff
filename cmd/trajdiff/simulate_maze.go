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
	fs := newFlagSet(env, "simulate maze2d", "simulate maze2d --layout umaze|medium|large --out FILE [--steps N] [--seed S] [--shard i/n] [flags]")
	layout := fs.String("layout", "umaze", "maze layout: umaze, medium, large")
	o := addSimOutput(fs, "output dataset file (.arrow or .parquet)", 0, "base seed; chunk k draws from (seed, k)",
		"write only shard `i/n` (0 <= i < n) of the chunks: [i C/n, (i+1) C/n)", "auto")
	steps := fs.Int("steps", 0, "total steps (0: D4RL's 1M / 2M / 4M for umaze / medium / large)")
	chunk := fs.Int("chunk-steps", 100000, "steps per independent chunk (each starts with a reset); chunks run in parallel and are the unit of -shard")
	noise := fs.Float64("noise", 0, "standard deviation of Gaussian action noise (D4RL --noisy: 0.5)")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if err := wantArgs(fs, 0, "none"); err != nil {
		return err
	}
	si, sn, opts, _, err := o.check()
	if err != nil {
		return err
	}
	out, seed, workers, quiet := o.out, o.seed, o.workers, o.quiet
	cfg := rl.DatasetConfig{Layout: *layout, Steps: *steps, ChunkSteps: *chunk, Seed: *seed, ActionNoise: *noise, Workers: *workers}
	total, _, _, err := cfg.Resolve()
	if err != nil {
		return usagef("%v", err)
	}
	cfg.FirstChunk = total * si / sn
	cfg.Chunks = total*(si+1)/sn - cfg.FirstChunk
	if cfg.Chunks == 0 {
		return usagef("shard %d/%d of %d chunks is empty; use fewer shards or a smaller --chunk-steps", si, sn, total)
	}
	l, err := rl.LayoutByName(*layout)
	if err != nil {
		return usagef("%v", err)
	}
	// Every episode has at least one step, so chunk c's episodes fit in ids [c C, (c+1) C) with C the
	// chunk length: shards written separately get disjoint ids and can be opened and merged together.
	opts.FirstID = int64(cfg.FirstChunk) * int64(cfg.ChunkSteps)
	opts.Generator = datasets.Generator{Name: "trajdiff simulate maze2d", Version: "1", Seed: int64(*seed), Params: map[string]any{
		"layout": l.Name, "d4rl_env": l.D4RLName, "steps": cfg.Steps, "chunk_steps": cfg.ChunkSteps, "shard": fmt.Sprintf("%d/%d", si, sn),
		"first_chunk": cfg.FirstChunk, "chunks": cfg.Chunks, "total_chunks": total, "action_noise": cfg.ActionNoise,
		"max_episode_steps": l.MaxEpisodeSteps, "goal": []int{l.Goal.W, l.Goal.H},
		"ref_min_score": l.RefMinScore, "ref_max_score": l.RefMaxScore,
		"reward": "sparse, relabelled: 1 if |observation xy - goal| <= 0.5",
	}}
	opts.Description = fmt.Sprintf("D4RL %s data recipe (waypoint controller, segments cut at success or %d+1 steps), chunks %d..%d of %d",
		l.D4RLName, l.MaxEpisodeSteps, cfg.FirstChunk, cfg.FirstChunk+cfg.Chunks-1, total)
	spec := datasets.EpisodeSpec{ObservationDim: 4, ActionDim: 2, Infos: []datasets.InfoSpec{{Name: "goal", Dim: 2}}}
	w, err := datasets.CreateEpisodes(*out, spec, opts)
	if err != nil {
		return err
	}
	shardSteps := min(cfg.Steps, (cfg.FirstChunk+cfg.Chunks)*cfg.ChunkSteps) - cfg.FirstChunk*cfg.ChunkSteps
	if !*quiet {
		bar := newProgressBar(env.stderr, "simulate maze2d "+l.Name, "steps", shardSteps)
		cfg.Progress = func(done, _ int) { bar.Update(done) }
	}
	st, err := writeMazeEpisodes(ctx, w, cfg)
	if err != nil {
		return err
	}
	episodes, solved, rewards, n := st.episodes, st.solved, st.rewards, st.steps
	fmt.Fprintf(env.stdout, "maze2d %s: %d steps, %d episodes (%d reached their target), mean length %.1f, reward rate %.4f -> %s\n",
		l.Name, n, episodes, solved, float64(n)/float64(max(episodes, 1)), rewards/float64(max(n, 1)), *out)
	return nil
}

// mazeStats summarises a written maze2d stream.
type mazeStats struct {
	episodes, solved, steps int
	rewards                 float64
}

// writeMazeEpisodes runs the D4RL recipe and writes its episodes (timeout on each last step, infos/goal),
// then closes w; on an error w is aborted.
func writeMazeEpisodes(ctx context.Context, w *datasets.EpisodeWriter, cfg rl.DatasetConfig) (mazeStats, error) {
	var st mazeStats
	err := rl.GenerateDataset(ctx, cfg, func(ep *rl.Episode) error {
		T := ep.Len()
		timeouts := make([]bool, T)
		timeouts[T-1] = true
		st.episodes++
		if ep.Solved {
			st.solved++
		}
		for _, r := range ep.Rewards {
			st.rewards += r
		}
		st.steps += T
		return w.Write(datasets.Episode{Observations: ep.Observations, Actions: ep.Actions, Rewards: ep.Rewards,
			Timeouts: timeouts, Infos: map[string][]float64{"goal": ep.Goals}})
	})
	if err != nil {
		w.Abort()
		return st, err
	}
	return st, w.Close()
}

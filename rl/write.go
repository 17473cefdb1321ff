package rl

import (
	"context"
	"fmt"
	"math"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/internal/shard"
)

// EpisodeSpec is the episodes-dataset layout of the maze2d recipe: observations (x, y, vx, vy), actions
// (ax, ay) and the controller's target as infos/goal, as in D4RL's maze2d files; with goalReturns also
// the goal-relative returns-to-go as infos/goal_return (GoalReturns).
func EpisodeSpec(goalReturns bool) datasets.EpisodeSpec {
	spec := datasets.EpisodeSpec{ObservationDim: 4, ActionDim: 2, Infos: []datasets.InfoSpec{{Name: "goal", Dim: 2}}}
	if goalReturns {
		spec.Infos = append(spec.Infos, datasets.InfoSpec{Name: GoalReturnInfo, Dim: 1})
	}
	return spec
}

// DatasetStats summarises written episodes.
type DatasetStats struct {
	Episodes, Solved, Steps int // Solved: episodes that ended at their target
	Rewards                 float64
}

// WriteEpisodes runs the recipe (GenerateDataset) and writes its episodes to w in stream order, each
// with a timeout on its last step (a segment ends at success, the time limit or the chunk's end, never
// at a terminal state), infos/goal and, with cfg.GoalReturns, infos/goal_return; then it closes w. On an
// error w is aborted, so no file is left. w must have EpisodeSpec(cfg.GoalReturns)'s layout.
func WriteEpisodes(ctx context.Context, w *datasets.EpisodeWriter, cfg DatasetConfig) (DatasetStats, error) {
	var st DatasetStats
	err := GenerateDataset(ctx, cfg, func(ep *Episode) error {
		T := ep.Len()
		timeouts := make([]bool, T)
		timeouts[T-1] = true
		st.Episodes++
		if ep.Solved {
			st.Solved++
		}
		for _, r := range ep.Rewards {
			st.Rewards += r
		}
		st.Steps += T
		infos := map[string][]float64{"goal": ep.Goals}
		if cfg.GoalReturns {
			infos[GoalReturnInfo] = GoalReturns(ep, GoalReturnDiscount)
		}
		return w.Write(datasets.Episode{Observations: ep.Observations, Actions: ep.Actions, Rewards: ep.Rewards,
			Timeouts: timeouts, Infos: infos})
	})
	if err != nil {
		w.Abort()
		return st, err
	}
	return st, w.Close()
}

// ForShard returns c with FirstChunk and Chunks selecting shard i of n of the recipe's chunks
// (internal/shard's rule) and the total number of chunks. An empty shard is an error: it would write
// a file without episodes.
func (c DatasetConfig) ForShard(i, n int) (DatasetConfig, int, error) {
	c.FirstChunk, c.Chunks = 0, 0
	total, _, _, err := c.Resolve()
	if err != nil {
		return c, 0, err
	}
	lo, hi, err := shard.Range(total, i, n)
	if err != nil {
		return c, 0, fmt.Errorf("rl dataset: %w", err)
	}
	if lo == hi {
		return c, 0, fmt.Errorf("rl dataset: shard %d/%d of %d chunks is empty; use fewer shards or smaller chunks", i, n, total)
	}
	c.FirstChunk, c.Chunks = lo, hi-lo
	return c, total, nil
}

// WriteConfig selects what WriteDataset writes: shard Shard of Shards of the chunks of Recipe.
type WriteConfig struct {
	// Recipe is the data recipe; its FirstChunk and Chunks are set from the shard.
	Recipe DatasetConfig
	// Shard of Shards selects a contiguous block of the chunks; Shards 0 means 1.
	Shard, Shards int
}

// WriteDataset writes cfg's shard of the maze2d recipe as an episodes dataset (EpisodeSpec) at path,
// atomically. Episode ids start at FirstChunk * ChunkSteps: every episode has at least one step, so
// chunk c's episodes fit in ids [c C, (c+1) C) for chunk length C, and shards written separately get
// disjoint ids and open and merge together. opts sets the format, compression, element type and
// Overwrite; WriteDataset sets FirstID, Description and the generator's seed and parameters, keeping
// opts.Generator's Name and Version (default "trajdiff/rl maze2d", "1").
func WriteDataset(ctx context.Context, path string, cfg WriteConfig, opts datasets.WriteOptions) (DatasetStats, error) {
	if cfg.Shards == 0 {
		cfg.Shards = 1
	}
	rc, total, err := cfg.Recipe.ForShard(cfg.Shard, cfg.Shards)
	if err != nil {
		return DatasetStats{}, err
	}
	if rc.Seed > math.MaxInt64 {
		return DatasetStats{}, fmt.Errorf("rl dataset: seed %d exceeds 2^63-1", rc.Seed)
	}
	l, err := LayoutByName(rc.Layout)
	if err != nil {
		return DatasetStats{}, err
	}
	opts.FirstID = int64(rc.FirstChunk) * int64(rc.ChunkSteps)
	if opts.Generator.Name == "" {
		opts.Generator.Name, opts.Generator.Version = "trajdiff/rl maze2d", "1"
	}
	opts.Generator.Seed = int64(rc.Seed)
	opts.Generator.Params = map[string]any{
		"layout": l.Name, "d4rl_env": l.D4RLName, "steps": rc.Steps, "chunk_steps": rc.ChunkSteps, "shard": fmt.Sprintf("%d/%d", cfg.Shard, cfg.Shards),
		"first_chunk": rc.FirstChunk, "chunks": rc.Chunks, "total_chunks": total, "action_noise": rc.ActionNoise,
		"segments":          rc.Segments,
		"max_episode_steps": l.MaxEpisodeSteps, "goal": []int{l.Goal.W, l.Goal.H},
		"ref_min_score": l.RefMinScore, "ref_max_score": l.RefMaxScore,
		"reward": "sparse, relabelled: 1 if |observation xy - goal| <= 0.5",
	}
	if rc.GoalReturns {
		opts.Generator.Params["goal_return"] = fmt.Sprintf("infos/%s: discounted (%v) count of steps within %v of the controller's target held at the step, to the segment's end",
			GoalReturnInfo, GoalReturnDiscount, GoalRadius)
	}
	cut := fmt.Sprintf("segments cut at success or %d+1 steps", l.MaxEpisodeSteps)
	if rc.Segments == SegmentsGoal {
		cut = fmt.Sprintf("segments re-cut where the agent leaves the goal (%d, %d) as Diffuser's maze2d_set_terminals", l.Goal.W, l.Goal.H)
	}
	opts.Description = fmt.Sprintf("D4RL %s data recipe (waypoint controller, %s), chunks %d..%d of %d",
		l.D4RLName, cut, rc.FirstChunk, rc.FirstChunk+rc.Chunks-1, total)
	w, err := datasets.CreateEpisodes(path, EpisodeSpec(rc.GoalReturns), opts)
	if err != nil {
		return DatasetStats{}, err
	}
	return WriteEpisodes(ctx, w, rc)
}

package rl

import (
	"context"
	"fmt"
	"math"

	"github.com/trajdiff/trajdiff/internal/parallel"
)

// DatasetConfig configures the D4RL maze2d data recipe (scripts/generation/generate_maze2d_datasets.py).
type DatasetConfig struct {
	Layout string
	// Steps is the total number of steps (0: the layout's 1M / 2M / 4M).
	Steps int
	// ChunkSteps splits the stream into independent chunks of this many steps, each starting from
	// its own environment reset and random stream, so chunks run in parallel and shard cleanly
	// (0: 100000). D4RL's script is one chunk of Steps.
	ChunkSteps int
	Seed       uint64
	// ActionNoise is the standard deviation of Gaussian noise added to the controller's actions
	// (D4RL's --noisy uses 0.5; the released datasets were made without).
	ActionNoise float64
	// Segments is how the stream is cut into episodes: SegmentsTarget (D4RL's episodes, the default when
	// empty) or SegmentsGoal (Diffuser's maze2d re-cut). Either way the steps are the same.
	Segments string
	// GoalReturns also writes the goal-relative returns-to-go (GoalReturns) as the info column
	// infos/goal_return, the label of a goal-conditioned Decision Diffuser; the steps are the same.
	GoalReturns bool
	// FirstChunk and Chunks select a range of chunks for sharding (Chunks 0: all from FirstChunk).
	FirstChunk, Chunks int
	Workers            int
	// Progress, when set, is called from the calling goroutine after each chunk with the steps done
	// and the total of the selected chunks.
	Progress func(done, total int)
}

// Episode is one segment of the stream: the steps from one target draw to the controller's success
// or the time limit, row-major.
type Episode struct {
	// Observations are (x, y, vx, vy) before each step, T x 4.
	Observations []float64
	// Actions are the applied (clipped) actions, T x 2.
	Actions []float64
	// Rewards are D4RL's relabelled sparse rewards: 1 where the observation is within 0.5 of the
	// layout's goal (the fixed target of the evaluation environment), T.
	Rewards []float64
	// Goals are the controller's target (x, y) at each step, T x 2 (D4RL's infos/goal).
	Goals []float64
	// Solved reports that the segment ended because the controller reached its target; otherwise
	// it hit the time limit or the end of its chunk.
	Solved bool
	// Chunk is the chunk the episode came from.
	Chunk int
}

// Len is the number of steps.
func (e *Episode) Len() int { return len(e.Rewards) }

// Resolve fills the defaults and returns the total number of chunks and the selected range.
func (c *DatasetConfig) Resolve() (total, first, n int, err error) {
	l, err := LayoutByName(c.Layout)
	if err != nil {
		return 0, 0, 0, err
	}
	if c.Steps == 0 {
		c.Steps = l.DatasetSteps
	}
	if c.ChunkSteps == 0 {
		c.ChunkSteps = 100_000
	}
	if c.Steps < 1 || c.ChunkSteps < 1 {
		return 0, 0, 0, fmt.Errorf("rl dataset: steps %d and chunk steps %d must be >= 1", c.Steps, c.ChunkSteps)
	}
	switch c.Segments {
	case "":
		c.Segments = SegmentsTarget
	case SegmentsTarget, SegmentsGoal:
	default:
		return 0, 0, 0, fmt.Errorf("rl dataset: segments %q: want %q or %q", c.Segments, SegmentsTarget, SegmentsGoal)
	}
	if c.ActionNoise < 0 || math.IsNaN(c.ActionNoise) || math.IsInf(c.ActionNoise, 0) {
		return 0, 0, 0, fmt.Errorf("rl dataset: action noise %v must be finite and >= 0", c.ActionNoise)
	}
	total = (c.Steps + c.ChunkSteps - 1) / c.ChunkSteps
	n = c.Chunks
	if n == 0 {
		n = total - c.FirstChunk
	}
	if c.FirstChunk < 0 || n < 0 || c.FirstChunk+n > total {
		return 0, 0, 0, fmt.Errorf("rl dataset: chunks [%d, %d) outside the %d chunks of %d steps", c.FirstChunk, c.FirstChunk+n, total, c.Steps)
	}
	return total, c.FirstChunk, n, nil
}

// chunkLen is the number of steps of chunk k (the last one may be shorter).
func (c *DatasetConfig) chunkLen(k int) int { return min(c.ChunkSteps, c.Steps-k*c.ChunkSteps) }

// GenerateDataset runs the recipe on the selected chunks in parallel and calls emit for every episode
// in stream order from the calling goroutine. The output depends only on the configuration, not on
// Workers or on how the chunks are sharded.
func GenerateDataset(ctx context.Context, cfg DatasetConfig, emit func(ep *Episode) error) error {
	_, first, n, err := cfg.Resolve()
	if err != nil {
		return err
	}
	total := 0
	for k := first; k < first+n; k++ {
		total += cfg.chunkLen(k)
	}
	done := 0
	return parallel.Ordered(ctx, 0, n, cfg.Workers, func(_ context.Context, i int) ([]*Episode, error) {
		return SimulateChunk(cfg, first+i)
	}, func(i int, eps []*Episode) error {
		for _, ep := range eps {
			if err := emit(ep); err != nil {
				return err
			}
			done += ep.Len()
		}
		if cfg.Progress != nil {
			cfg.Progress(done, total)
		}
		return nil
	})
}

// SimulateChunk runs chunk k of the recipe: reset the environment (target drawn first, as D4RL calls
// set_target before reset), then every step ask the waypoint controller for an action towards the
// current target, optionally add noise, clip, record and step. A segment ends when the controller
// reports success or after MaxEpisodeSteps + 1 steps (D4RL's ts >= max_episode_steps check comes
// before the step is recorded); then a new random target is drawn and the environment carries on
// without a reset. The last segment is cut at the chunk's end.
//
// One deliberate difference: D4RL's loop keeps the pre-step observation after a segment ends (it only
// assigns s = ns when not done), so its next segment starts with a stale copy of the last state. Here
// the next segment starts from the true state, so every recorded transition is a real step.
func SimulateChunk(cfg DatasetConfig, k int) ([]*Episode, error) {
	total, _, _, err := cfg.Resolve()
	if err != nil {
		return nil, err
	}
	if k < 0 || k >= total {
		return nil, fmt.Errorf("rl dataset: chunk %d outside [0, %d)", k, total)
	}
	m, err := NewMaze(MazeConfig{Layout: cfg.Layout, MaxEpisodeSteps: -1})
	if err != nil {
		return nil, err
	}
	l := m.layout
	rng := StreamRNG(cfg.Seed, "maze2d/dataset/"+l.Name, uint64(k))
	ctrl := NewWaypointController(l, rng)
	m.SetTarget(m.SampleCellPoint(rng))
	m.resetFrom(rng)
	g := l.GoalPoint()
	gx, gy := g[0], g[1]
	steps := cfg.chunkLen(k)
	var eps []*Episode
	ep := &Episode{Chunk: k}
	ts := 0
	for s := 0; s < steps; s++ {
		tx, ty := m.Target()
		a, done := ctrl.Action([2]float64{m.x, m.y}, [2]float64{m.vx, m.vy}, [2]float64{tx, ty})
		if cfg.ActionNoise > 0 {
			a[0] += cfg.ActionNoise * rng.NormFloat64()
			a[1] += cfg.ActionNoise * rng.NormFloat64()
		}
		a[0], a[1] = clamp(a[0], -1, 1), clamp(a[1], -1, 1)
		solved := done
		if ts >= l.MaxEpisodeSteps {
			done = true
		}
		r := 0.0
		if math.Hypot(m.x-gx, m.y-gy) <= GoalRadius {
			r = 1
		}
		ep.Observations = append(ep.Observations, m.x, m.y, m.vx, m.vy)
		ep.Actions = append(ep.Actions, a[0], a[1])
		ep.Rewards = append(ep.Rewards, r)
		ep.Goals = append(ep.Goals, tx, ty)
		m.advance(a[0], a[1])
		ts++
		if done {
			ep.Solved = solved
			eps = append(eps, ep)
			ep = &Episode{Chunk: k}
			m.SetTarget(m.SampleCellPoint(rng))
			ts = 0
		}
	}
	if ep.Len() > 0 {
		eps = append(eps, ep)
	}
	if cfg.Segments == SegmentsGoal {
		return recutAtGoal(eps, l)
	}
	return eps, nil
}

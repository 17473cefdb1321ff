package rl

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"
)

func collectEpisodes(t *testing.T, cfg DatasetConfig) []*Episode {
	t.Helper()
	var eps []*Episode
	if err := GenerateDataset(context.Background(), cfg, func(ep *Episode) error {
		eps = append(eps, ep)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return eps
}

func sameEpisodes(a, b []*Episode) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !slices.Equal(a[i].Observations, b[i].Observations) || !slices.Equal(a[i].Actions, b[i].Actions) ||
			!slices.Equal(a[i].Goals, b[i].Goals) || a[i].Solved != b[i].Solved || a[i].Chunk != b[i].Chunk {
			return false
		}
	}
	return true
}

// TestDatasetDeterministicAndShardable: the same episodes for any number of workers, and the chunks
// of a sharded run concatenate to the full run.
func TestDatasetDeterministicAndShardable(t *testing.T) {
	cfg := DatasetConfig{Layout: "umaze", Steps: 25000, ChunkSteps: 5000, Seed: 3, Workers: 1}
	one := collectEpisodes(t, cfg)
	cfg.Workers = 4
	many := collectEpisodes(t, cfg)
	a := cfg
	a.FirstChunk, a.Chunks = 0, 2
	b := cfg
	b.FirstChunk, b.Chunks = 2, 0
	sharded := append(collectEpisodes(t, a), collectEpisodes(t, b)...)
	if !sameEpisodes(one, many) || !sameEpisodes(one, sharded) {
		t.Fatal("episodes depend on workers or sharding")
	}
	steps := 0
	for _, ep := range one {
		steps += ep.Len()
	}
	if steps != 25000 {
		t.Errorf("%d steps, want 25000", steps)
	}
	cfg.Seed = 4
	if sameEpisodes(one, collectEpisodes(t, cfg)) {
		t.Error("seed has no effect")
	}
}

// TestDatasetFollowsTheRecipe checks the stream's structure on every layout: within a chunk each
// recorded transition is a real environment step (also across segment boundaries), the goal is fixed
// within a segment, segments end on success or after MaxEpisodeSteps + 1 steps, rewards are the
// sparse reward of the observation w.r.t. the layout's goal, and the noise-free controller solves
// nearly every segment.
func TestDatasetFollowsTheRecipe(t *testing.T) {
	for _, name := range LayoutNames() {
		cfg := DatasetConfig{Layout: name, Steps: 40000, ChunkSteps: 20000, Seed: 1}
		eps := collectEpisodes(t, cfg)
		l, _ := LayoutByName(name)
		m, _ := NewMaze(MazeConfig{Layout: name, MaxEpisodeSteps: -1})
		obs := make([]float64, 4)
		solved, full, rewards, steps := 0, 0, 0.0, 0
		for i, ep := range eps {
			T := ep.Len()
			if len(ep.Observations) != 4*T || len(ep.Actions) != 2*T || len(ep.Goals) != 2*T {
				t.Fatalf("%s episode %d: shapes %d/%d/%d for %d steps", name, i, len(ep.Observations), len(ep.Actions), len(ep.Goals), T)
			}
			lastOfChunk := i+1 == len(eps) || eps[i+1].Chunk != ep.Chunk
			switch {
			case ep.Solved:
				solved++
			case T == l.MaxEpisodeSteps+1:
				full++
			case !lastOfChunk:
				t.Errorf("%s episode %d: ended after %d steps without success or time limit", name, i, T)
			}
			if T > l.MaxEpisodeSteps+1 {
				t.Errorf("%s episode %d has %d steps", name, i, T)
			}
			for s := 0; s < T; s++ {
				if ep.Goals[2*s] != ep.Goals[0] || ep.Goals[2*s+1] != ep.Goals[1] {
					t.Fatalf("%s episode %d: goal changes within the segment", name, i)
				}
				o := ep.Observations[4*s : 4*s+4]
				want := 0.0
				if math.Hypot(o[0]-float64(l.Goal.W), o[1]-float64(l.Goal.H)) <= GoalRadius {
					want = 1
				}
				if ep.Rewards[s] != want {
					t.Fatalf("%s episode %d step %d: reward %v, want %v", name, i, s, ep.Rewards[s], want)
				}
				rewards += want
				if a := ep.Actions[2*s : 2*s+2]; math.Abs(a[0]) > 1 || math.Abs(a[1]) > 1 {
					t.Fatalf("action %v outside [-1, 1]", a)
				}
				// The next observation: within the segment, or the first of the next segment of the chunk.
				var next []float64
				switch {
				case s+1 < T:
					next = ep.Observations[4*s+4 : 4*s+8]
				case !lastOfChunk:
					next = eps[i+1].Observations[:4]
				default:
					continue
				}
				if err := m.SetState(o[0], o[1], o[2], o[3]); err != nil {
					t.Fatal(err)
				}
				if _, err := m.Step(ep.Actions[2*s:2*s+2], obs); err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(obs, next) {
					t.Fatalf("%s episode %d step %d: recorded next state %v, the step gives %v", name, i, s, next, obs)
				}
			}
			steps += T
		}
		t.Logf("%s: %d steps, %d segments (%d solved, %d timed out), mean length %.1f, reward rate %.3f",
			name, steps, len(eps), solved, full, float64(steps)/float64(len(eps)), rewards/float64(steps))
		if solved < 9*len(eps)/10 {
			t.Errorf("%s: only %d of %d segments solved", name, solved, len(eps))
		}
	}
}

func TestDatasetConfigErrors(t *testing.T) {
	bad := []DatasetConfig{
		{Layout: "nope"},
		{Layout: "umaze", Steps: -1},
		{Layout: "umaze", ActionNoise: math.NaN()},
		{Layout: "umaze", Steps: 1000, ChunkSteps: 100, FirstChunk: 8, Chunks: 3},
		{Layout: "umaze", Steps: 1000, ChunkSteps: 100, FirstChunk: 11},
	}
	for _, c := range bad {
		if err := GenerateDataset(context.Background(), c, func(*Episode) error { return nil }); err == nil {
			t.Errorf("config %+v accepted", c)
		}
	}
	c := DatasetConfig{Layout: "medium"}
	total, first, n, err := c.Resolve()
	if err != nil || total != 20 || first != 0 || n != 20 || c.Steps != 2_000_000 {
		t.Errorf("medium defaults: %d chunks [%d, +%d), %d steps, %v", total, first, n, c.Steps, err)
	}
	stop := errors.New("stop")
	err = GenerateDataset(context.Background(), DatasetConfig{Layout: "umaze", Steps: 3000, ChunkSteps: 1000}, func(*Episode) error { return stop })
	if !errors.Is(err, stop) {
		t.Errorf("emit error lost: %v", err)
	}
	noisy := collectEpisodes(t, DatasetConfig{Layout: "umaze", Steps: 2000, ActionNoise: 0.5})
	clean := collectEpisodes(t, DatasetConfig{Layout: "umaze", Steps: 2000})
	if sameEpisodes(noisy, clean) {
		t.Error("action noise has no effect")
	}
}

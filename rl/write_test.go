package rl_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/rl"
)

// TestWriteDatasetHoldsTheRecipe: the file holds GenerateDataset's episodes (float64 output) with a
// timeout on each last step, is byte-identical for 1 and 3 workers, its stats count what it holds, and
// its shards open together as the same episodes.
func TestWriteDatasetHoldsTheRecipe(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	recipe := rl.DatasetConfig{Layout: "umaze", Steps: 3000, ChunkSteps: 1000, Seed: 5, Workers: 1}
	opts := datasets.WriteOptions{DType: datasets.Float64}
	one, three := filepath.Join(dir, "one.arrow"), filepath.Join(dir, "three.arrow")
	st, err := rl.WriteDataset(ctx, one, rl.WriteConfig{Recipe: recipe}, opts)
	if err != nil {
		t.Fatal(err)
	}
	recipe.Workers = 3
	if _, err := rl.WriteDataset(ctx, three, rl.WriteConfig{Recipe: recipe}, opts); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(one)
	b, _ := os.ReadFile(three)
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Fatalf("1 and 3 workers wrote different files (%d vs %d bytes)", len(a), len(b))
	}
	var shards []string
	for i := range 2 {
		p := filepath.Join(dir, "shard"+string(rune('0'+i))+".arrow")
		if _, err := rl.WriteDataset(ctx, p, rl.WriteConfig{Recipe: recipe, Shard: i, Shards: 2}, opts); err != nil {
			t.Fatal(err)
		}
		shards = append(shards, p)
	}
	var want []*rl.Episode
	if err := rl.GenerateDataset(ctx, recipe, func(ep *rl.Episode) error { want = append(want, ep); return nil }); err != nil {
		t.Fatal(err)
	}
	d, err := datasets.Open(one)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	together, err := datasets.OpenFiles(shards...)
	if err != nil {
		t.Fatalf("opening the shards as one dataset: %v", err)
	}
	defer together.Close()
	if d.Len() != len(want) || together.Len() != len(want) || st.Episodes != len(want) || st.Steps != 3000 || d.NumRows() != 3000 {
		t.Fatalf("%d / %d episodes, stats %+v, want %d episodes of 3000 steps", d.Len(), together.Len(), st, len(want))
	}
	if g := d.Metadata().Generator; g.Params["layout"] != "umaze" || g.Seed != 5 || g.Name != "trajdiff/rl maze2d" {
		t.Errorf("generator %+v", g)
	}
	for i, w := range want {
		for _, ds := range []*datasets.Dataset{d, together} {
			ep, err := ds.Episode(i)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ep.Observations.Float64(), w.Observations) || !slices.Equal(ep.Actions.Float64(), w.Actions) ||
				!slices.Equal(ep.Rewards.Float64(), w.Rewards) || !slices.Equal(ep.Infos["goal"].Float64(), w.Goals) {
				t.Fatalf("episode %d differs from the recipe's", i)
			}
			if !ep.Timeouts[ep.Len-1] || slices.Contains(ep.Terminals, true) || slices.Contains(ep.Timeouts[:ep.Len-1], true) {
				t.Fatalf("episode %d flags: timeouts %v", i, ep.Timeouts)
			}
		}
	}
}

func TestForShard(t *testing.T) {
	c := rl.DatasetConfig{Layout: "umaze", Steps: 2500, ChunkSteps: 1000}
	s, total, err := c.ForShard(1, 2)
	if err != nil || total != 3 || s.FirstChunk != 1 || s.Chunks != 2 {
		t.Errorf("shard 1/2 of 3 chunks: first %d, %d chunks of %d, %v", s.FirstChunk, s.Chunks, total, err)
	}
	for _, bad := range [][2]int{{0, 4}, {2, 2}, {-1, 2}} {
		if _, _, err := c.ForShard(bad[0], bad[1]); err == nil {
			t.Errorf("shard %d/%d of 3 chunks: no error", bad[0], bad[1])
		}
	}
	if _, _, err := (rl.DatasetConfig{Layout: "open"}).ForShard(0, 1); err == nil {
		t.Error("unknown layout: no error")
	}
}

func TestWriteDatasetCancelled(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.arrow")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	recipe := rl.DatasetConfig{Layout: "umaze", Steps: 2000, ChunkSteps: 1000}
	if _, err := rl.WriteDataset(ctx, path, rl.WriteConfig{Recipe: recipe}, datasets.WriteOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("a cancelled write left %s", path)
	}
}

package main

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/rl"
)

// TestSimulateMazeWritesTheRecipe: the episodes file holds rl.GenerateDataset's stream (float64
// output), with a timeout on every episode's last step and the goal info; the shards' episodes
// concatenate to it, and the shards (disjoint episode ids) open together and merge into it.
func TestSimulateMazeWritesTheRecipe(t *testing.T) {
	dir := t.TempDir()
	full := filepath.Join(dir, "umaze.arrow")
	args := []string{"-layout", "umaze", "-steps", "3000", "-chunk-steps", "1000", "-seed", "5", "-dtype", "float64"}
	out, err := callCLI(runSimulateMaze, append(args, "-out", full)...)
	if err != nil || !strings.Contains(out, "3000 steps") {
		t.Fatalf("%v\n%s", err, out)
	}
	var shards []string
	for _, sh := range []string{"0/2", "1/2"} {
		p := filepath.Join(dir, "shard"+sh[:1]+".arrow")
		if out, err := callCLI(runSimulateMaze, append(args, "-out", p, "-shard", sh)...); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		shards = append(shards, p)
	}
	var want []*rl.Episode
	if err := rl.GenerateDataset(context.Background(), rl.DatasetConfig{Layout: "umaze", Steps: 3000, ChunkSteps: 1000, Seed: 5},
		func(ep *rl.Episode) error { want = append(want, ep); return nil }); err != nil {
		t.Fatal(err)
	}
	d, err := datasets.Open(full)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	type ref struct {
		ds *datasets.Dataset
		i  int
	}
	var fromShards []ref
	for _, p := range shards {
		s, err := datasets.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		for i := 0; i < s.Len(); i++ {
			fromShards = append(fromShards, ref{s, i})
		}
	}
	together, err := datasets.OpenFiles(shards...)
	if err != nil {
		t.Fatalf("opening the shards as one dataset: %v", err)
	}
	defer together.Close()
	merged := filepath.Join(dir, "merged.arrow")
	if code, out, errs := runCLI(append([]string{"data", "merge", merged}, shards...)...); code != 0 {
		t.Fatalf("data merge: %d\n%s\n%s", code, out, errs)
	}
	m, err := datasets.Open(merged)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if together.Len() != len(want) || m.Len() != len(want) {
		t.Fatalf("shards together %d episodes, merged %d, want %d", together.Len(), m.Len(), len(want))
	}
	if d.Len() != len(want) || len(fromShards) != len(want) || d.NumRows() != 3000 {
		t.Fatalf("%d / %d episodes and %d rows, want %d episodes", d.Len(), len(fromShards), d.NumRows(), len(want))
	}
	if g := d.Metadata().Generator; g.Params["layout"] != "umaze" || g.Seed != 5 {
		t.Errorf("generator %+v", g)
	}
	for i, w := range want {
		for _, r := range []ref{{d, i}, fromShards[i], {together, i}, {m, i}} {
			ep, err := r.ds.Episode(r.i)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ep.Observations.Float64(), w.Observations) || !slices.Equal(ep.Actions.Float64(), w.Actions) ||
				!slices.Equal(ep.Rewards.Float64(), w.Rewards) || !slices.Equal(ep.Infos["goal"].Float64(), w.Goals) {
				t.Fatalf("episode %d differs from the library's", i)
			}
			if !ep.Timeouts[ep.Len-1] || slices.Contains(ep.Terminals, true) || slices.Contains(ep.Timeouts[:ep.Len-1], true) {
				t.Fatalf("episode %d flags: timeouts %v", i, ep.Timeouts)
			}
		}
	}
}

func TestSimulateMazeUsageErrors(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"-layout", "umaze"},
		{"-layout", "open", "-out", filepath.Join(dir, "x.arrow")},
		{"-layout", "umaze", "-steps", "100", "-chunk-steps", "100", "-shard", "0/2", "-out", filepath.Join(dir, "x.arrow")},
		{"-layout", "umaze", "-noise", "-1", "-out", filepath.Join(dir, "x.arrow")},
		{"-layout", "umaze", "-compression", "gzip", "-out", filepath.Join(dir, "x.arrow")},
	} {
		_, err := callCLI(runSimulateMaze, args...)
		var ue *usageError
		if !errors.As(err, &ue) {
			t.Errorf("%v: got %v, want a usage error", args, err)
		}
	}
}

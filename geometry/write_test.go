package geometry_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/geometry"
)

func writeSplit(t *testing.T, path string, sys geometry.System, cfg geometry.WriteConfig, opts datasets.WriteOptions) {
	t.Helper()
	if _, _, err := geometry.WriteSplit(context.Background(), path, sys, cfg, opts); err != nil {
		t.Fatal(err)
	}
}

// TestWriteSplitHoldsTheLibrarysTrajectories: the file holds exactly SimulateIndex's trajectories
// (float64 output), is byte-identical for 1 and 3 workers, and its shards concatenate to it.
func TestWriteSplitHoldsTheLibrarysTrajectories(t *testing.T) {
	dir := t.TempDir()
	sys := geometry.NewCharged(5)
	run := geometry.Run{Steps: 1000, SampleFreq: 100, MaxFrames: 4}
	cfg := geometry.WriteConfig{Seed: 9, Split: geometry.Split{Name: "train", Count: 5}, Run: run, Workers: 1}
	opts := datasets.WriteOptions{DType: datasets.Float64}
	one, three := filepath.Join(dir, "one.arrow"), filepath.Join(dir, "three.arrow")
	writeSplit(t, one, sys, cfg, opts)
	cfg.Workers = 3
	writeSplit(t, three, sys, cfg, opts)
	a, _ := os.ReadFile(one)
	b, _ := os.ReadFile(three)
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Fatalf("1 and 3 workers wrote different files (%d vs %d bytes)", len(a), len(b))
	}
	var shards []string
	for i := range 2 {
		c := cfg
		c.Shard, c.Shards = i, 2
		p := filepath.Join(dir, geometry.SplitFile("train", i, 2, ".arrow"))
		writeSplit(t, p, sys, c, opts)
		shards = append(shards, p)
	}
	if filepath.Base(shards[1]) != "train-00001-of-00002.arrow" {
		t.Errorf("shard file %s", shards[1])
	}
	d, err := datasets.Open(one)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	md := d.Metadata()
	if d.Len() != 5 || md.Geometric.Frames != 4 || md.Geometric.Nodes != 5 || md.Geometric.NodeFeatureNames[0] != "charge" ||
		md.Geometric.Dt != 0.1 || md.Generator.Seed != 9 || md.Generator.Name != "trajdiff/geometry charged" {
		t.Fatalf("metadata %+v %+v, %d trajectories", md.Geometric, md.Generator, d.Len())
	}
	sh, err := datasets.OpenFiles(shards...)
	if err != nil {
		t.Fatal(err)
	}
	defer sh.Close()
	for i := 0; i < 5; i++ {
		want, err := geometry.SimulateIndex(sys, 9, "train", i, run)
		if err != nil {
			t.Fatal(err)
		}
		for _, ds := range []*datasets.Dataset{d, sh} {
			v, err := ds.Trajectory(i)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(v.Positions.Float64(), want.X) || !slices.Equal(v.Velocities.Float64(), want.V) ||
				!slices.Equal(v.NodeFeatures.Float64(), want.Params.Charges) || !slices.Equal(v.Energies.Float64(), want.Energy) {
				t.Fatalf("trajectory %d differs from the library's", i)
			}
		}
	}
}

func TestWriteSplitSpringsAndGravityColumns(t *testing.T) {
	dir := t.TempDir()
	for _, sys := range []geometry.System{geometry.NewSprings(5), geometry.NewGravity(10)} {
		path := filepath.Join(dir, sys.Name()+".parquet")
		run := geometry.Run{Steps: 500, SampleFreq: 100}
		writeSplit(t, path, sys, geometry.WriteConfig{Seed: 43, Split: geometry.Split{Name: "test", Count: 3}, Run: run},
			datasets.WriteOptions{Format: datasets.FormatParquet})
		d, err := datasets.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		v, err := d.Trajectory(0)
		if err != nil {
			t.Fatal(err)
		}
		spec := d.Metadata().Geometric
		switch sys.Name() {
		case "springs":
			want, _ := geometry.SimulateIndex(sys, 43, "test", 0, run)
			edges := 0
			for a := 0; a < 5; a++ {
				for b := 0; b < 5; b++ {
					if want.Params.Couplings[a*5+b] != 0 {
						edges++
					}
				}
			}
			if !spec.Edges || len(v.Edges) != 2*edges || spec.Frames != 4 {
				t.Errorf("springs: %d edge indices for %d springs, %d frames", len(v.Edges), edges, spec.Frames)
			}
		case "gravity":
			if !spec.Forces || v.Forces.Len() != 5*10*3 || spec.Frames != 5 || spec.NodeFeatureNames[0] != "mass" {
				t.Errorf("gravity: spec %+v, %d force values", spec, v.Forces.Len())
			}
		}
		d.Close()
	}
}

func TestWriteSplitRejects(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.arrow")
	good := geometry.WriteConfig{Split: geometry.Split{Name: "a", Count: 2}, Run: geometry.Run{Steps: 200, SampleFreq: 100}}
	for name, cfg := range map[string]geometry.WriteConfig{
		"shard 2/2":   {Split: good.Split, Run: good.Run, Shard: 2, Shards: 2},
		"huge seed":   {Split: good.Split, Run: good.Run, Seed: 1 << 63},
		"bad run":     {Split: good.Split, Run: geometry.Run{Steps: 150, SampleFreq: 100}},
		"neg. shards": {Split: good.Split, Run: good.Run, Shards: -1},
	} {
		if _, _, err := geometry.WriteSplit(context.Background(), path, geometry.NewSprings(5), cfg, datasets.WriteOptions{}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := geometry.WriteSplit(ctx, path, geometry.NewSprings(5), good, datasets.WriteOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: got %v", err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("a rejected or cancelled write left %s", path)
	}
}

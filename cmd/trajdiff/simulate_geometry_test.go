package main

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/geometry"
)

// callCLI runs one of this package's command functions with captured output.
func callCLI(f func(context.Context, *cliEnv, []string) error, args ...string) (string, error) {
	var out, errb bytes.Buffer
	err := f(context.Background(), &cliEnv{stdout: &out, stderr: &errb}, args)
	return out.String() + errb.String(), err
}

func nbody(system string) func(context.Context, *cliEnv, []string) error {
	return func(ctx context.Context, env *cliEnv, args []string) error {
		return runSimulateNBody(ctx, env, system, args)
	}
}

// TestSimulateNBodyWritesTheLibrarysTrajectories: the flags reach geometry.WriteSplit: the files hold
// exactly geometry.SimulateIndex's trajectories (float64 output), split by split, under the CLI's
// generator name, and shards (-shard i/n) concatenate to the full split.
func TestSimulateNBodyWritesTheLibrarysTrajectories(t *testing.T) {
	dir := t.TempDir()
	args := []string{"-splits", "train=5,val=2", "-steps", "1000", "-frames", "4", "-seed", "9", "-dtype", "float64"}
	if out, err := callCLI(nbody("charged"), append(args, "-out", dir)...); err != nil || !strings.Contains(out, "5 train trajectories") {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, sh := range []string{"0/2", "1/2"} {
		if out, err := callCLI(nbody("charged"), append(args, "-out", filepath.Join(dir, "shards"), "-shard", sh)...); err != nil {
			t.Fatalf("shard %s: %v\n%s", sh, err, out)
		}
	}
	d, err := datasets.Open(filepath.Join(dir, "train.arrow"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	md := d.Metadata()
	if d.Len() != 5 || md.Geometric.Frames != 4 || md.Geometric.Nodes != 5 || md.Geometric.NodeFeatureNames[0] != "charge" ||
		md.Geometric.Dt != 0.1 || md.Generator.Seed != 9 {
		t.Fatalf("metadata %+v %+v, %d trajectories", md.Geometric, md.Generator, d.Len())
	}
	sh, err := datasets.OpenFiles(filepath.Join(dir, "shards", "train-00000-of-00002.arrow"), filepath.Join(dir, "shards", "train-00001-of-00002.arrow"))
	if err != nil {
		t.Fatal(err)
	}
	defer sh.Close()
	sys := geometry.NewCharged(5)
	run := geometry.Run{Steps: 1000, SampleFreq: 100, MaxFrames: 4}
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
	val, err := datasets.Open(filepath.Join(dir, "val.arrow"))
	if err != nil || val.Len() != 2 {
		t.Fatalf("val split: %v", err)
	}
	val.Close()
}

func TestSimulateNBodyUsageErrors(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{},
		{"-out", dir, "-shard", "2/2"},
		{"-out", dir, "-shard", "x"},
		{"-out", dir, "-splits", "train=0"},
		{"-out", dir, "-splits", "train=3,train=4"},
		{"-out", dir, "-steps", "1050"},
		{"-out", dir, "-nodes", "1"},
		{"-out", dir, "-dtype", "float16"},
		{"-out", dir, "extra"},
	} {
		_, err := callCLI(nbody("charged"), args...)
		var ue *usageError
		if !errors.As(err, &ue) {
			t.Errorf("%v: got %v, want a usage error", args, err)
		}
	}
	// Existing output without -force is an I/O error, not a usage error.
	if _, err := callCLI(nbody("springs"), "-out", dir, "-splits", "a=1", "-steps", "200", "-frames", "1"); err != nil {
		t.Fatal(err)
	}
	if _, err := callCLI(nbody("springs"), "-out", dir, "-splits", "a=1", "-steps", "200", "-frames", "1"); err == nil {
		t.Error("existing file overwritten without -force")
	}
}

package datasets

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeGeneratorShard writes shard i of n of a toy generator run with `per` trajectories per shard, as the
// generators of pde, geometry and rl label them. seed changes the run's configuration.
func writeGeneratorShard(t *testing.T, path string, i, n, per int, seed int64) {
	t.Helper()
	opts := WriteOptions{FirstID: int64(i * per), Generator: Generator{Name: "toy", Version: "1", Seed: seed,
		Params: map[string]any{"shard": fmt.Sprintf("%d/%d", i, n), "first_trajectory": i * per, "trajectories": per, "cells": 3}}}
	w, err := CreateFields(path, FieldSpec{Frames: 2, Grid: []int{3}, StateChannels: 1}, opts)
	if err != nil {
		t.Fatal(err)
	}
	for k := 0; k < per; k++ {
		v := float64(i*per + k)
		if err := w.Write(FieldTrajectory{State: []float64{v, v, v, v, v, v}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestShardsMergeInShardOrderFromAGlob(t *testing.T) {
	dir := t.TempDir()
	// Named so that name order is not shard order.
	for i, name := range []string{"c.arrow", "a.arrow", "b.arrow"} {
		writeGeneratorShard(t, filepath.Join(dir, name), i, 3, 2, 7)
	}
	set, err := CollectShards([]string{filepath.Join(dir, "*.arrow")})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"c.arrow", "a.arrow", "b.arrow"}
	for k, f := range set.Files {
		if filepath.Base(f) != want[k] {
			t.Fatalf("merge order %v, want %v", set.Files, want)
		}
	}
	if set.Shards != 3 || set.Generator.Params["shard"] != "0/1" || set.Generator.Params["trajectories"] != 6.0 ||
		set.Generator.Params["first_trajectory"] != 0.0 || set.Generator.Params["cells"] != 3.0 {
		t.Fatalf("merged generator %+v (shards %d)", set.Generator, set.Shards)
	}
	// A directory gives the same set.
	dset, err := CollectShards([]string{dir})
	if err != nil || strings.Join(dset.Files, ",") != strings.Join(set.Files, ",") {
		t.Fatalf("directory: %v %v", dset, err)
	}
}

func TestMissingShardsAreNamedByIndex(t *testing.T) {
	dir := t.TempDir()
	for _, i := range []int{0, 2, 4} {
		writeGeneratorShard(t, filepath.Join(dir, fmt.Sprintf("part-%d.arrow", i)), i, 5, 1, 7)
	}
	_, err := CollectShards([]string{dir})
	if err == nil || !strings.Contains(err.Error(), "missing shard(s) 1, 3 of 5") {
		t.Fatalf("want missing shards 1 and 3 named, got %v", err)
	}
}

func TestShardsOfAnotherConfigurationAreRefused(t *testing.T) {
	dir := t.TempDir()
	writeGeneratorShard(t, filepath.Join(dir, "p0.arrow"), 0, 2, 1, 7)
	writeGeneratorShard(t, filepath.Join(dir, "p1.arrow"), 1, 2, 1, 8)
	if _, err := CollectShards([]string{dir}); err == nil || !strings.Contains(err.Error(), "seed 7 vs 8") {
		t.Fatalf("want the seed named, got %v", err)
	}
	if err := os.Remove(filepath.Join(dir, "p1.arrow")); err != nil {
		t.Fatal(err)
	}
	writeGeneratorShard(t, filepath.Join(dir, "p1.arrow"), 1, 3, 1, 7)
	if _, err := CollectShards([]string{dir}); err == nil || !strings.Contains(err.Error(), "different shard counts") {
		t.Fatalf("want the shard counts named, got %v", err)
	}
}

func TestAShardWrittenTwiceIsRefused(t *testing.T) {
	dir := t.TempDir()
	writeGeneratorShard(t, filepath.Join(dir, "p0.arrow"), 0, 2, 2, 7)
	writeGeneratorShard(t, filepath.Join(dir, "p1.arrow"), 1, 2, 2, 7)
	writeGeneratorShard(t, filepath.Join(dir, "p1-again.arrow"), 1, 2, 2, 7)
	if _, err := CollectShards([]string{dir}); err == nil || !strings.Contains(err.Error(), "written twice") {
		t.Fatalf("want a repeated shard refused, got %v", err)
	}
	p0 := filepath.Join(dir, "p0.arrow")
	if _, err := CollectShards([]string{p0, p0}); err == nil || !strings.Contains(err.Error(), "given twice") {
		t.Fatalf("want a file given twice refused, got %v", err)
	}
	if _, err := CollectShards([]string{filepath.Join(dir, "*.parquet")}); err == nil || !strings.Contains(err.Error(), "matches no file") {
		t.Fatalf("want an empty pattern refused, got %v", err)
	}
}

func TestFilesWithoutShardMetadataKeepTheirOrder(t *testing.T) {
	dir := t.TempDir()
	var paths []string
	for _, name := range []string{"z.arrow", "y.arrow"} {
		p := filepath.Join(dir, name)
		w, err := CreateFields(p, FieldSpec{Frames: 1, Grid: []int{2}, StateChannels: 1}, WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Write(FieldTrajectory{State: []float64{1, 2}}); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	set, err := CollectShards(paths)
	if err != nil || set.Shards != 0 || set.Files[0] != paths[0] {
		t.Fatalf("plain files: %+v %v", set, err)
	}
	writeGeneratorShard(t, filepath.Join(dir, "g.arrow"), 0, 1, 1, 7)
	if _, err := CollectShards([]string{paths[0], filepath.Join(dir, "g.arrow")}); err == nil || !strings.Contains(err.Error(), "no shard metadata") {
		t.Fatalf("want a mix refused, got %v", err)
	}
}

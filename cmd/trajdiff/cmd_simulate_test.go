package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/datasets"
)

func readFields(t *testing.T, path string) ([][]float64, [][]float64, datasets.Metadata) {
	t.Helper()
	d, err := datasets.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var states, controls [][]float64
	for i := 0; i < d.Len(); i++ {
		v, err := d.Field(i)
		if err != nil {
			t.Fatal(err)
		}
		states = append(states, v.State.AppendFloat64(nil))
		if v.Control.Len() > 0 {
			controls = append(controls, v.Control.AppendFloat64(nil))
		}
	}
	return states, controls, d.Metadata()
}

func sameRows(t *testing.T, what string, a, b [][]float64) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%s: %d vs %d trajectories", what, len(a), len(b))
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			t.Fatalf("%s: trajectory %d has %d vs %d values", what, i, len(a[i]), len(b[i]))
		}
		for j := range a[i] {
			if a[i][j] != b[i][j] {
				t.Fatalf("%s: trajectory %d differs at %d: %v vs %v", what, i, j, a[i][j], b[i][j])
			}
		}
	}
}

// TestSimulateDeterministicAndSharded checks that the dataset does not depend on the number of workers
// and that shards written separately and merged with 'data merge' equal the single-file dataset.
func TestSimulateDeterministicAndSharded(t *testing.T) {
	dir := t.TempDir()
	base := []string{"simulate", "burgers", "--n", "7", "--seed", "5", "--cells", "32", "--refine", "2", "--frames", "4",
		"--diffusion-number", "0.05", "--quiet"}
	run := func(name string, extra ...string) string {
		p := filepath.Join(dir, name)
		code, out, errs := runCLI(append(append(append([]string{}, base...), "--out", p), extra...)...)
		if code != 0 || !strings.Contains(out, "burgers trajectories") {
			t.Fatalf("%v: exit %d\n%s\n%s", extra, code, out, errs)
		}
		return p
	}
	one := run("one.arrow", "--workers", "1")
	three := run("three.arrow", "--workers", "3")
	s1, c1, md := readFields(t, one)
	s3, c3, _ := readFields(t, three)
	sameRows(t, "1 vs 3 workers (state)", s1, s3)
	sameRows(t, "1 vs 3 workers (control)", c1, c3)
	if md.Fields.Frames != 5 || md.Fields.Grid[0] != 32 || md.Generator.Seed != 5 || md.Generator.Params["refine"] != float64(2) {
		t.Errorf("metadata %+v / %+v", md.Fields, md.Generator)
	}
	var parts []string
	for i := range 3 {
		parts = append(parts, run("part"+string(rune('0'+i))+".arrow", "--shard", string(rune('0'+i))+"/3", "--workers", "2"))
	}
	_, _, m1 := readFields(t, parts[1])
	if m1.Generator.Params["first_trajectory"] != float64(2) || m1.Generator.Params["trajectories"] != float64(2) {
		t.Errorf("shard 1/3 of 7 should hold trajectories 2..3: %v", m1.Generator.Params)
	}
	merged := filepath.Join(dir, "merged.arrow")
	if code, out, errs := runCLI(append([]string{"data", "merge", merged}, parts...)...); code != 0 {
		t.Fatalf("merge: %d\n%s\n%s", code, out, errs)
	}
	sm, cm, _ := readFields(t, merged)
	sameRows(t, "merged shards (state)", s1, sm)
	sameRows(t, "merged shards (control)", c1, cm)
}

func TestSimulateUsageErrors(t *testing.T) {
	out := filepath.Join(t.TempDir(), "x.arrow")
	for _, args := range [][]string{
		{"simulate"},
		{"simulate", "lorenz", "--n", "1", "--out", out},
		{"simulate", "burgers", "--out", out},
		{"simulate", "burgers", "--n", "2"},
		{"simulate", "burgers", "--n", "2", "--out", out, "--shard", "2/2"},
		{"simulate", "burgers", "--n", "2", "--out", out, "--shard", "x"},
		{"simulate", "burgers", "--n", "2", "--out", out, "--nu", "0"},
		{"simulate", "burgers", "--n", "2", "--out", out, "--steps-per-frame", "10"},
		{"simulate", "cns", "--n", "2", "--out", out, "--boundary", "reflect"},
		{"simulate", "advection", "--n", "2", "--out", out, "--cfl", "3"},
		{"simulate", "smoke", "--n", "2", "--out", out, "--grid", "100"},
		{"simulate", "burgers", "--n", "2", "--out", out, "--dtype", "int8"},
	} {
		if code, o, e := runCLI(args...); code != 2 {
			t.Errorf("%v: exit %d, want 2\n%s\n%s", args, code, o, e)
		}
	}
	if code, o, _ := runCLI("simulate", "--help"); code != 0 || !strings.Contains(o, "smoke") {
		t.Errorf("simulate --help: %d\n%s", code, o)
	}
	if code, o, _ := runCLI("simulate", "cns", "--help"); code != 0 || !strings.Contains(o, "-eta") {
		t.Errorf("simulate cns --help: %d\n%s", code, o)
	}
}

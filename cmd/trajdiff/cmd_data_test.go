package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/datasets/npy"
)

func TestDataConvertInspectValidate(t *testing.T) {
	dir := t.TempDir()
	md17 := filepath.Join(dir, "md17.arrow")
	code, out, errs := runCLI("data", "convert", "-frames", "3", "../../testdata/datasets/md17_tiny.npz", md17)
	if code != 0 || !strings.Contains(out, "2 trajectories") {
		t.Fatalf("md17 convert: code %d\n%s\n%s", code, out, errs)
	}
	pq := filepath.Join(dir, "md17.parquet")
	if code, out, errs = runCLI("data", "convert", "-compression", "zstd", md17, pq); code != 0 {
		t.Fatalf("ipc -> parquet: code %d\n%s\n%s", code, out, errs)
	}
	code, out, errs = runCLI("data", "inspect", pq)
	for _, want := range []string{"kind:           geometric", "parquet", "2 trajectories", "positions", "angstrom", "sgdml-md17", "mean"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Fatalf("inspect: code %d, %q missing\n%s\n%s", code, want, out, errs)
		}
	}
	if code, out, _ = runCLI("data", "validate", pq); code != 0 || !strings.HasPrefix(out, "ok: ") {
		t.Fatalf("validate: code %d %s", code, out)
	}
	code, out, _ = runCLI("data", "inspect", "-json", md17)
	if code != 0 || !strings.Contains(out, `"kind": "geometric"`) {
		t.Fatalf("inspect -json: %d %s", code, out)
	}
	// NumPy with axis names; the result matches the array after transposition.
	f := filepath.Join(dir, "fields.arrow")
	code, out, errs = runCLI("data", "convert", "-kind", "fields", "-axes", "time,trajectory,channel,x", "-dt", "0.5",
		"../../testdata/datasets/fields_time_traj_channel_x.npy", f)
	if code != 0 {
		t.Fatalf("numpy convert: %d\n%s\n%s", code, out, errs)
	}
	d, err := datasets.Open(f)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := d.Field(1)
	if v.State.At(5) != float64(24+5)*0.125+1 {
		t.Fatalf("state[1][5] = %v", v.State.At(5))
	}
	d.Close()
}

func TestDataErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.arrow")
	os.WriteFile(bad, []byte("ARROW1\x00\x00not really"), 0o644)
	code, _, errs := runCLI("data", "validate", bad)
	if code != 1 || !strings.Contains(errs, "invalid") || !strings.Contains(errs, bad) {
		t.Fatalf("validate of a broken file: code %d %s", code, errs)
	}
	if code, _, _ = runCLI("data", "convert", "only-one-arg"); code != 2 {
		t.Fatalf("missing argument: code %d, want 2", code)
	}
	if code, _, _ = runCLI("data", "frobnicate"); code != 2 {
		t.Fatalf("unknown subcommand: code %d, want 2", code)
	}
	code, _, errs = runCLI("data", "convert", "-kind", "fields", "-axes", "time,trajectory,channel,w",
		"../../testdata/datasets/fields_time_traj_channel_x.npy", filepath.Join(dir, "x.arrow"))
	if code != 1 || !strings.Contains(errs, `"w"`) {
		t.Fatalf("bad axis name: code %d %s", code, errs)
	}
	if code, out, _ := runCLI("data", "--help"); code != 0 || !strings.Contains(out, "inspect") {
		t.Fatalf("help: %d %s", code, out)
	}
}

func TestDataMerge(t *testing.T) {
	dir := t.TempDir()
	shards := filepath.Join(dir, "shards")
	if code, out, errs := runCLI("data", "convert", "-frames", "3", "-shard-rows", "1", "../../testdata/datasets/md17_tiny.npz", shards); code != 0 {
		t.Fatalf("convert to shards: %d\n%s\n%s", code, out, errs)
	}
	parts, _ := filepath.Glob(filepath.Join(shards, "part-*.arrow"))
	if len(parts) != 2 {
		t.Fatalf("want 2 shards, got %v", parts)
	}
	merged := filepath.Join(dir, "merged.arrow")
	code, out, errs := runCLI(append([]string{"data", "merge", merged}, parts...)...)
	if code != 0 || !strings.Contains(out, "merged 2 file(s), 2 geometric") {
		t.Fatalf("merge: %d\n%s\n%s", code, out, errs)
	}
	whole, err := datasets.Open(shards)
	if err != nil {
		t.Fatal(err)
	}
	defer whole.Close()
	m, err := datasets.Open(merged)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for i := 0; i < 2; i++ {
		a, _ := whole.Trajectory(i)
		b, _ := m.Trajectory(i)
		if a.Positions.Len() != b.Positions.Len() || a.Positions.At(7) != b.Positions.At(7) {
			t.Fatalf("trajectory %d differs after merge", i)
		}
	}
	if code, _, _ := runCLI("data", "merge", merged); code != 2 {
		t.Errorf("merge without shards: exit %d, want 2", code)
	}
}

// The MD17 protocol flags reach the importer: every 10th of 201 frames (21 kept), the train part
// (12 frames), 3 windows of 4 frames at stride 3; and they are refused for other inputs.
func TestDataConvertMD17Protocol(t *testing.T) {
	dir := t.TempDir()
	const frames, atoms = 201, 2
	R := make([]float64, frames*atoms*3)
	for i := range R {
		R[i] = float64(i / (atoms * 3))
	}
	in := filepath.Join(dir, "md17_synthetic.npz")
	if err := npy.WriteNPZ(in, map[string]*npy.Array{"R": npy.Float64Array([]int{frames, atoms, 3}, R), "z": npy.Int64Array([]int{atoms}, []int64{6, 1})}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "train.arrow")
	code, stdout, errs := runCLI("data", "convert", "-from", "md17", "-every", "10", "-split", "train", "-frames", "4", "-windows", "3", "-features", "geotdm", in, out)
	if code != 0 || !strings.Contains(stdout, "3 trajectories") {
		t.Fatalf("convert: code %d\n%s\n%s", code, stdout, errs)
	}
	d, err := datasets.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	v, err := d.Trajectory(2)
	if err != nil {
		t.Fatal(err)
	}
	if v.Positions.At(0) != 60 || v.Positions.At(3*atoms*3) != 90 || d.Metadata().Geometric.NodeFeatureDim != 30 {
		t.Fatalf("window 2 starts at frame %v, ends at %v; %d node features", v.Positions.At(0), v.Positions.At(3*atoms*3), d.Metadata().Geometric.NodeFeatureDim)
	}
	for _, c := range [][]string{
		{"-from", "md17", "-every", "10", "-split", "train", "-frames", "4", "-windows", "30", in},
		{"-from", "md17", "-split", "holdout", in},
		{"-from", "md17", "-every", "-2", in},
		{"-from", "arrow", "-every", "10", out},
	} {
		args := append([]string{"data", "convert"}, c...)
		if code, _, errs := runCLI(append(args, filepath.Join(dir, "x.arrow"))...); code == 0 || errs == "" {
			t.Errorf("%v: code %d, stderr %q", c, code, errs)
		}
	}
}

package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/pde/wdno"
	"github.com/trajdiff/trajdiff/train"
)

// tinyWDNO trains a wavelet-space model of task on data for a few steps and returns its run directory.
func tinyWDNO(t *testing.T, dir, data, task string, steps int) string {
	t.Helper()
	c := wdno.Config{Out: filepath.Join(dir, "wdno-"+task), Task: task, Data: wdno.DataConfig{Path: data},
		Layout: wdno.LayoutConfig{Space: wdno.SpaceWavelet}, Objective: train.ObjectiveConfig{Process: "vp-cosine"}, Train: train.DefaultOptions()}
	c.Network = nn.Spec{Arch: "mlp", MLP: &nn.MLPConfig{Dim: 9 * 8 * 8, Hidden: []int{64, 64}, TimeDim: 16}}
	c.Train.Steps, c.Train.Batch, c.Train.LR, c.Train.Warmup, c.Train.CheckpointEvery = steps, 16, 1e-3, 10, 0
	c.Train.MinLR = 1e-4
	c.Sample.Steps = 10
	if _, err := wdno.Train(context.Background(), c, false, nil); err != nil {
		t.Fatal(err)
	}
	return c.Out
}

// pde generate writes a control model's trajectories and their re-simulations for a shard of the test
// cases; plot draws a generated trajectory over its truth (matched by source id) and over its
// re-simulation.
func TestPDEGenerateAndPlotFields(t *testing.T) {
	dir := t.TempDir()
	data := tinyBurgers(t, dir, "train.arrow", 16, 1, 12)
	test := tinyBurgers(t, dir, "test.arrow", 5, 2, 12)
	ckpt := tinyWDNO(t, dir, data, "control", 5)
	gen, resim := filepath.Join(dir, "gen.arrow"), filepath.Join(dir, "resim.arrow")
	args := []string{"pde", "generate", "--checkpoint", ckpt, "--data", test, "--out", gen, "--resim", resim,
		"--limit", "4", "--shard", "1/2", "--batch", "1", "--steps", "5", "--seed", "2"}
	code, out, errs := runCLI(args...)
	if code != 0 || !strings.Contains(out, "2 generated -> "+gen) || !strings.Contains(out, "2 re-simulated") {
		t.Fatalf("pde generate: %d\n%s\n%s", code, out, errs)
	}
	d, err := datasets.Open(gen)
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 2 || d.ID(0) != 2 {
		t.Errorf("generated %d rows, first id %d; want cases 2 and 3", d.Len(), d.ID(0))
	}
	v, err := d.Field(1)
	if err != nil {
		t.Fatal(err)
	}
	if v.Params.At(0) != 3 || v.Params.At(1) != 3 {
		t.Errorf("row 1 params (%v, %v), want source id 3, index 3", v.Params.At(0), v.Params.At(1))
	}
	d.Close()
	// Existing outputs need --force; a simulation-only flag misuse and missing flags are usage errors.
	if code, _, errs := runCLI(args...); code == 0 || !strings.Contains(errs, "exists") {
		t.Errorf("overwrote without --force: %d %s", code, errs)
	}
	if code, out, errs := runCLI(append(args, "--force")...); code != 0 {
		t.Errorf("--force: %d\n%s\n%s", code, out, errs)
	}
	// Burgers' control guidance runs on the device: not refused as a usage error (a build without GPU support
	// then fails opening the device; pde_gpu_test.go compares the runs where there is one).
	if code, _, errs := runCLI(append(args, "--force", "--device", "gpu")...); code == 2 || strings.Contains(errs, "--guidance 0") {
		t.Errorf("--device gpu with Burgers' control guidance: exit %d, %q; refused as a usage error", code, errs)
	}
	for _, bad := range [][]string{
		{"pde", "generate", "--checkpoint", ckpt, "--data", test},
		{"pde", "generate", "--checkpoint", ckpt, "--data", test, "--out", filepath.Join(dir, "x.arrow"), "--shard", "3/2"},
		{"pde", "generate", "--checkpoint", ckpt, "--data", test, "--out", filepath.Join(dir, "x.arrow"), "--solver", "nope"},
	} {
		if code, _, _ := runCLI(bad...); code == 0 {
			t.Errorf("%v succeeded", bad)
		}
	}

	png := func(name string) string { return filepath.Join(dir, name) }
	for _, c := range []struct {
		args []string
		w, h int
	}{
		{[]string{test, "-out", png("test.png"), "-index", "4"}, 640, 320},
		{[]string{gen, "-out", png("gen.png"), "-index", "1", "-truth", test, "-width", "480"}, 480, 720},
		{[]string{gen, "-out", png("resim.png"), "-truth", resim}, 640, 960},
		{[]string{test, "-out", png("rev.png"), "-index", "3", "-truth", gen}, 640, 960},
	} {
		code, out, errs := runCLI(append([]string{"plot"}, c.args...)...)
		if code != 0 || !strings.Contains(out, "->") {
			t.Fatalf("plot %v: %d\n%s\n%s", c.args, code, out, errs)
		}
		w, h, ink := pngInk(t, c.args[2])
		t.Logf("plot %v: %dx%d, %.1f%% inked", c.args, w, h, 100*ink)
		if w != c.w || h != c.h || ink < 0.2 {
			t.Errorf("plot %v: %dx%d with %.3f inked pixels, want %dx%d", c.args, w, h, ink, c.w, c.h)
		}
	}
	// 2-D fields, an index out of range and a truth without the source trajectory are errors.
	flat := filepath.Join(dir, "cube.arrow") // a 3-D grid: plot draws 1-D and 2-D fields only
	fw, err := datasets.CreateFields(flat, datasets.FieldSpec{Frames: 2, Grid: []int{2, 3, 4}, StateChannels: 1}, datasets.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := fw.Write(datasets.FieldTrajectory{State: make([]float64, 48)}); err != nil {
		t.Fatal(err)
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	other := tinyBurgers(t, dir, "other.arrow", 2, 3, 12)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"plot", flat, "-out", png("x.png")}, "3-D grid"},
		{[]string{"plot", gen, "-out", png("x.png"), "-index", "2"}, "has 2 trajectories"},
		{[]string{"plot", gen, "-out", png("x.png"), "-index", "1", "-truth", other}, "no trajectory of source id 3"},
		{[]string{"plot", test, "-out", png("x.png"), "-truth", flat}, "does not hold fields"},
	} {
		code, _, errs := runCLI(c.args...)
		if code == 0 || !strings.Contains(errs, c.want) {
			t.Errorf("%v: code %d, stderr %q; want an error containing %q", c.args, code, errs, c.want)
		}
	}
	if _, err := os.Stat(png("x.png")); err == nil {
		t.Error("a failed plot left a file")
	}
}

// pde generate takes a smoke control checkpoint: the generated trajectories of a shard and their
// re-simulations with pde/smoke are smoke fields datasets with the test data's columns and source_id,
// source_index appended, and plot matches a generated row to its test case and its re-simulation by that
// source id (not by row index); pde evaluate takes the re-simulated dataset as test data.
func TestPDEGenerateSmokeControl(t *testing.T) {
	dir := t.TempDir()
	for _, ds := range []struct{ name, n, seed string }{{"train.arrow", "4", "1"}, {"test.arrow", "4", "2"}} {
		if code, out, errs := runCLI("simulate", "smoke", "--grid", "32", "--save", "8", "--steps", "32", "--stride", "4",
			"--n", ds.n, "--seed", ds.seed, "--quiet", "--out", filepath.Join(dir, ds.name)); code != 0 {
			t.Fatalf("simulate smoke: exit %d\n%s\n%s", code, out, errs)
		}
	}
	c := wdno.Config{Out: filepath.Join(dir, "run"), Task: "control", Data: wdno.DataConfig{Path: filepath.Join(dir, "train.arrow")},
		Layout: wdno.LayoutConfig{Space: wdno.SpacePhysical}, Objective: train.ObjectiveConfig{Process: "vp-cosine"}, Train: train.DefaultOptions()}
	c.Network = nn.Spec{Arch: "mlp", MLP: &nn.MLPConfig{Dim: 6 * 8 * 8 * 8, Hidden: []int{8}, TimeDim: 4}}
	c.Train.Steps, c.Train.Batch, c.Train.Warmup, c.Train.CheckpointEvery = 2, 2, 1, 0
	if _, err := wdno.Train(context.Background(), c, false, nil); err != nil {
		t.Fatal(err)
	}
	test, gen, resim := filepath.Join(dir, "test.arrow"), filepath.Join(dir, "gen.arrow"), filepath.Join(dir, "resim.arrow")
	code, out, errs := runCLI("pde", "generate", "--checkpoint", c.Out, "--data", test, "--out", gen, "--resim", resim,
		"--limit", "4", "--shard", "1/2", "--batch", "2", "--steps", "3", "--seed", "2")
	if code != 0 || !strings.Contains(out, "2 generated -> "+gen) || !strings.Contains(out, "2 re-simulated") {
		t.Fatalf("pde generate: %d\n%s\n%s", code, out, errs)
	}
	src, err := datasets.Open(test)
	if err != nil {
		t.Fatal(err)
	}
	names := src.Metadata().Fields.ParamNames
	src.Close()
	for _, p := range []string{gen, resim} {
		d, err := wdno.OpenData(p)
		if err != nil {
			t.Fatal(err)
		}
		if !d.IsSmoke() || d.Len() != 2 || d.ID(0) != 2 {
			t.Errorf("%s: smoke %v, %d rows, first id %d; want cases 2 and 3", p, d.IsSmoke(), d.Len(), d.ID(0))
		}
		d.Close()
		g, err := datasets.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := g.Metadata().Fields.ParamNames; !slices.Equal(got, append(slices.Clone(names), wdno.ParamSourceID, wdno.ParamSourceIndex)) {
			t.Errorf("%s: params %v, want the test data's %v and the source's id and index", p, got, names)
		}
		g.Close()
	}
	// The model of the test data's generator evaluates the re-simulated dataset as test data.
	if code, out, errs := runCLI("pde", "evaluate", "--checkpoint", c.Out, "--data", resim, "--steps", "2"); code != 0 || !strings.Contains(out, "smoke_out") {
		t.Errorf("pde evaluate on the re-simulated dataset: %d\n%s\n%s", code, out, errs)
	}
	// Row 0 of the generated dataset is case 2: the truth is found by source_id, not by row index.
	g, err := datasets.Open(gen)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	v, err := g.Field(0)
	if err != nil {
		t.Fatal(err)
	}
	for truth, want := range map[string]string{test: "test.arrow #2", resim: "resim.arrow #0"} {
		if _, name, err := truthField(truth, g, v); err != nil || name != want {
			t.Errorf("the truth of generated row 0 in %s: %q, %v; want %q", truth, name, err, want)
		}
	}
	for _, truth := range []string{test, resim} {
		png := filepath.Join(dir, filepath.Base(truth)+".png")
		if code, out, errs := runCLI("plot", gen, "--out", png, "--index", "1", "--truth", truth, "--channels", "density,cx"); code != 0 || !strings.Contains(out, "->") {
			t.Fatalf("plot --truth %s: %d\n%s\n%s", truth, code, out, errs)
		}
		if _, _, ink := pngInk(t, png); ink < 0.1 {
			t.Errorf("plot --truth %s: %.3f inked", truth, ink)
		}
	}
}

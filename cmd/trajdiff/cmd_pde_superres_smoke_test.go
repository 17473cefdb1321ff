package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/pde/wdno"
)

// A smoke super-resolution model trains from a configuration on 8 frames of 8 x 8 (pairs 8 | 4 and 4 | 2 in
// space) and `pde superres` refines 2 x 2 inputs of a 16 x 16 test set three times, the last past its
// training, with a table row per level and method and a report; a test set whose grid halves to an odd side is refused.
func TestPDESuperresRefinesSmokePastTraining(t *testing.T) {
	dir := t.TempDir()
	for _, ds := range []struct{ name, save, n, seed string }{{"train.arrow", "8", "6", "1"}, {"test.arrow", "16", "2", "2"}} {
		if code, out, errs := runCLI("simulate", "smoke", "--grid", "32", "--save", ds.save, "--steps", "32", "--stride", "4",
			"--n", ds.n, "--seed", ds.seed, "--quiet", "--out", filepath.Join(dir, ds.name)); code != 0 {
			t.Fatalf("simulate smoke: exit %d\n%s\n%s", code, out, errs)
		}
	}
	cfg := filepath.Join(dir, "sr.toml")
	if err := os.WriteFile(cfg, []byte(`out = "run-sr"
task = "superres"
[superres]
levels = [0, 1]
[data]
path = "train.arrow"
[network]
arch = "unet3d"
[network.unet3d]
channels = 82
frames = 8
height = 8
width = 8
dim = 24
dim_mults = [1, 2]
groups = 4
attn_heads = 1
attn_dim_head = 4
init_kernel = 3
[train]
steps = 3
batch = 2
warmup = 1
[sample]
steps = 2
`), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := runCLI("pde", "train", "--config", cfg); code != 0 {
		t.Fatalf("train: exit %d\n%s\n%s", code, out, errs)
	}
	report := filepath.Join(dir, "sr.json")
	run := filepath.Join(dir, "run-sr")
	code, out, errs := runCLI("pde", "superres", "--checkpoint", run, "--data", filepath.Join(dir, "test.arrow"), "--passes", "3", "--out", report)
	if code != 0 {
		t.Fatalf("superres: exit %d\n%s\n%s", code, out, errs)
	}
	for _, row := range []string{"8x4x4      false     wdno", "8x8x8      false     cubic", "8x16x16    true      wdno", "8x16x16    true      bilinear"} {
		if !strings.Contains(out, row) {
			t.Errorf("the table has no row %q:\n%s", row, out)
		}
	}
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	var rep wdno.SuperresReport
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Input != [2]int{8, 4} || len(rep.Levels) != 3 || rep.Cases != 2 {
		t.Errorf("report: input %v, %d levels, %d cases", rep.Input, len(rep.Levels), rep.Cases)
	}
	for _, lv := range rep.Levels {
		for _, m := range rep.Methods {
			if v := lv.MSE[m]; !(v >= 0) {
				t.Errorf("%s %s: MSE %v", lv.Label(), m, v)
			}
		}
	}
	// 24 x 24 halves to 12, 6 and 3: a fourth pass would need the 3 x 3 grid halved.
	odd := filepath.Join(dir, "odd.arrow")
	if code, out, errs := runCLI("simulate", "smoke", "--grid", "48", "--save", "24", "--steps", "32", "--stride", "4",
		"--n", "1", "--quiet", "--out", odd); code != 0 {
		t.Fatalf("simulate smoke: exit %d\n%s\n%s", code, out, errs)
	}
	if code, _, errs = runCLI("pde", "superres", "--checkpoint", run, "--data", odd, "--passes", "4"); code == 0 || !strings.Contains(errs, "even sides") {
		t.Errorf("a 24 x 24 test set, 4 passes: exit %d, %s", code, errs)
	}
}

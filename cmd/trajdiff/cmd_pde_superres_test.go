package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/pde/wdno"
)

// A super-resolution model trains from a configuration on 9 x 12 data and `pde superres` refines 5 x 6
// inputs of a 17 x 24 test set twice, the second time past its training, with a table row per level and
// method and a report; a simulation checkpoint is refused.
func TestPDESuperresRefinesPastTraining(t *testing.T) {
	dir := t.TempDir()
	tinyBurgers(t, dir, "train.arrow", 16, 1, 12)
	test := filepath.Join(dir, "test.arrow")
	if code, out, errs := runCLI("simulate", "burgers", "--n", "3", "--seed", "2", "--cells", "24", "--refine", "2", "--frames", "16",
		"--t", "1", "--steps-per-frame", "100", "--quiet", "--out", test); code != 0 {
		t.Fatalf("simulate: exit %d\n%s\n%s", code, out, errs)
	}
	cfg := filepath.Join(dir, "sr.toml")
	if err := os.WriteFile(cfg, []byte(`out = "run-sr"
task = "superres"
[superres]
levels = [0, 1]
[data]
path = "train.arrow"
[network]
arch = "unet2d"
[network.unet2d]
channels = 17
height = 8
width = 8
dim = 4
dim_mults = [1, 2]
linear_attention = false
mid_attention = false
[train]
steps = 4
batch = 4
warmup = 1
[sample]
steps = 3
`), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := runCLI("pde", "train", "--config", cfg); code != 0 {
		t.Fatalf("train: exit %d\n%s\n%s", code, out, errs)
	}
	report := filepath.Join(dir, "sr.json")
	code, out, errs := runCLI("pde", "superres", "--checkpoint", filepath.Join(dir, "run-sr"), "--data", test, "--passes", "2", "--out", report)
	if code != 0 {
		t.Fatalf("superres: exit %d\n%s\n%s", code, out, errs)
	}
	for _, row := range []string{"9x12       false     wdno", "17x24      true      bilinear"} {
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
	if rep.Input != [2]int{5, 6} || len(rep.Levels) != 2 || rep.Cases != 3 {
		t.Errorf("report: input %v, %d levels, %d cases", rep.Input, len(rep.Levels), rep.Cases)
	}
	if code, _, errs = runCLI("pde", "superres", "--checkpoint", filepath.Join(dir, "run-sr"), "--data", test, "--passes", "0"); code == 0 || !strings.Contains(errs, "--passes") {
		t.Errorf("--passes 0: exit %d, %s", code, errs)
	}
	if code, _, errs = runCLI("pde", "superres", "--data", test); code == 0 || !strings.Contains(errs, "--checkpoint") {
		t.Errorf("no checkpoint: exit %d, %s", code, errs)
	}
}

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tinyBurgers writes a Burgers dataset of 9 frames x 12 points with the CLI.
func tinyBurgers(t *testing.T, dir, name string, n, seed, cells int) string {
	t.Helper()
	p := filepath.Join(dir, name)
	code, out, errs := runCLI("simulate", "burgers", "--n", fmt.Sprint(n), "--seed", fmt.Sprint(seed), "--cells", fmt.Sprint(cells),
		"--refine", "2", "--frames", "8", "--t", "1", "--steps-per-frame", "100", "--quiet", "--out", p)
	if code != 0 {
		t.Fatalf("simulate: exit %d\n%s\n%s", code, out, errs)
	}
	return p
}

// tinyPDEConfig writes a pde train configuration with a small mlp for the wavelet layout of tinyBurgers.
func tinyPDEConfig(t *testing.T, dir, task string) string {
	t.Helper()
	cfg := fmt.Sprintf(`out = "run-%s"
task = "%s"
[data]
path = "train.arrow"
[layout]
space = "wavelet"
[network]
arch = "mlp"
[network.mlp]
dim = 576
hidden = [32]
time_dim = 8
[train]
steps = 20
batch = 8
lr = 1e-3
warmup = 2
min_lr = 1e-4
checkpoint_every = 10
[sample]
steps = 5
`, task, task)
	p := filepath.Join(dir, task+".toml")
	if err := os.WriteFile(p, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Train, evaluate a control model in two shards with every baseline, merge: one table with every method.
func TestPDETrainEvaluateMerge(t *testing.T) {
	dir := t.TempDir()
	tinyBurgers(t, dir, "train.arrow", 32, 1, 12)
	test := tinyBurgers(t, dir, "test.arrow", 4, 2, 12)
	cfg := tinyPDEConfig(t, dir, "control")
	if code, out, errs := runCLI("pde", "train", "--config", cfg); code != 0 || !strings.Contains(out, "trained 20 steps") {
		t.Fatalf("pde train: exit %d\n%s\n%s", code, out, errs)
	}
	run := filepath.Join(dir, "run-control")
	var reports []string
	for i := range 2 {
		rep := filepath.Join(dir, fmt.Sprintf("rep-%d.json", i))
		code, out, errs := runCLI("pde", "evaluate", "--checkpoint", run, "--data", test, "--shard", fmt.Sprintf("%d/2", i),
			"--adjoint-iters", "5", "--out", rep)
		if code != 0 {
			t.Fatalf("pde evaluate shard %d: exit %d\n%s\n%s", i, code, out, errs)
		}
		reports = append(reports, rep)
	}
	merged := filepath.Join(dir, "merged.json")
	code, out, errs := runCLI(append([]string{"pde", "merge", "--out", merged}, reports...)...)
	if code != 0 {
		t.Fatalf("pde merge: exit %d\n%s\n%s", code, out, errs)
	}
	for _, m := range []string{"wdno", "zero-control", "dataset-control", "adjoint-optimum"} {
		if !strings.Contains(out, m+" ") {
			t.Errorf("merged table lacks %s:\n%s", m, out)
		}
	}
	if !strings.Contains(out, "J mean") {
		t.Errorf("merged table:\n%s", out)
	}
	// Merging a shard with itself is refused: every case is scored once.
	if code, _, _ := runCLI("pde", "merge", reports[0], reports[0]); code == 0 {
		t.Error("a report merged with itself")
	}
	// Per test case against every baseline: WDNO and the two others against each of the three.
	code, out, errs = runCLI("pde", "compare", merged)
	if code != 0 || strings.Count(out, "\nwdno ") != 3 || !strings.Contains(out, "adjoint-optimum") {
		t.Fatalf("pde compare: exit %d\n%s\n%s", code, out, errs)
	}
	if code, out, errs := runCLI("pde", "compare", "--against", "zero-control", merged); code != 0 || strings.Count(out, "zero-control") != 3 {
		t.Fatalf("pde compare --against zero-control: exit %d\n%s\n%s", code, out, errs)
	}
	// --project-ends makes the model's own trajectories end at their target (own misfit 0) under its own name.
	ends := filepath.Join(dir, "ends.json")
	code, out, errs = runCLI("pde", "evaluate", "--checkpoint", run, "--data", test, "--baseline", "", "--project-ends", "frames", "--out", ends)
	if code != 0 || !strings.Contains(out, "wdno+ends ") {
		t.Fatalf("pde evaluate --project-ends: exit %d\n%s\n%s", code, out, errs)
	}
	reps, err := loadPDEReports([]string{ends})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range reps[0].Results {
		if r.TargetMisfit > 1e-20 {
			t.Errorf("case %d: the projected model's own u(T) is %.3g from u*", r.Case, r.TargetMisfit)
		}
	}
	// Shards are one method's halves: they are merged, not compared.
	if code, _, errs := runCLI(append([]string{"pde", "compare"}, reports...)...); code == 0 || !strings.Contains(errs, "merge shards") {
		t.Errorf("compare of two shards: exit %d, %s", code, errs)
	}
}

func TestPDEEvaluateRejectsBadInput(t *testing.T) {
	dir := t.TempDir()
	tinyBurgers(t, dir, "train.arrow", 16, 1, 12)
	other := tinyBurgers(t, dir, "other.arrow", 2, 3, 14)
	cfg := tinyPDEConfig(t, dir, "simulate")
	if code, out, errs := runCLI("pde", "train", "--config", cfg, "--steps", "2"); code != 0 {
		t.Fatalf("pde train: exit %d\n%s\n%s", code, out, errs)
	}
	run := filepath.Join(dir, "run-simulate")
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"pde", "evaluate", "--checkpoint", run, "--data", other}, 1, "trained on"},
		{[]string{"pde", "evaluate", "--checkpoint", run}, 2, "required"},
		{[]string{"pde", "evaluate", "--checkpoint", run, "--data", other, "--shard", "3/2"}, 2, "shard"},
		{[]string{"pde", "evaluate", "--checkpoint", run, "--data", other, "--weights", "best"}, 2, "weights"},
		{[]string{"pde", "evaluate", "--checkpoint", dir, "--data", other}, 1, ""},
		{[]string{"pde", "evaluate", "--checkpoint", run, "--data", other, "--refine-iters", "2"}, 2, "polishes controls"},
		{[]string{"pde", "evaluate", "--checkpoint", run, "--data", other, "--refine-iters", "-1"}, 2, "refine-iters"},
		{[]string{"pde", "evaluate", "--checkpoint", run, "--data", other, "--project-ends", "ends"}, 2, "want frames or orthogonal"},
		{[]string{"pde", "train", "--config", filepath.Join(dir, "missing.toml")}, 2, "missing"},
	} {
		code, out, errs := runCLI(c.args...)
		if code != c.code || !strings.Contains(out+errs, c.want) {
			t.Errorf("%v: exit %d (want %d)\n%s%s", c.args[1:], code, c.code, out, errs)
		}
	}
}

// pdeTrain writes cfg to dir/name and runs `pde train --config` on it.
func pdeTrain(t *testing.T, dir, name, cfg string) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := runCLI("pde", "train", "--config", p); code != 0 {
		t.Fatalf("pde train: exit %d\n%s\n%s", code, out, errs)
	}
}

// tinySmokeData simulates 8 training and 2 test smoke trajectories (grid 32, 8 stored frames) into dir's
// train.arrow and test.arrow.
func tinySmokeData(t *testing.T, dir string) {
	t.Helper()
	for _, ds := range []struct {
		name    string
		n, seed int
	}{{"train.arrow", 8, 1}, {"test.arrow", 2, 2}} {
		code, out, errs := runCLI("simulate", "smoke", "--grid", "32", "--save", "8", "--steps", "32", "--stride", "4",
			"--n", fmt.Sprint(ds.n), "--seed", fmt.Sprint(ds.seed), "--quiet", "--out", filepath.Join(dir, ds.name))
		if code != 0 {
			t.Fatalf("simulate smoke: exit %d\n%s\n%s", code, out, errs)
		}
	}
}

// tinySmokeMLP trains a physical-space smoke control model in miniature: an MLP (hidden 16) on the smoke
// data of tinySmokeData, 4 steps. It returns the run directory and a test set of 2 cases.
func tinySmokeMLP(t *testing.T, dir string) (run, test string) {
	t.Helper()
	tinySmokeData(t, dir)
	cfg := `out = "run-smoke"
task = "control"
[data]
path = "train.arrow"
[layout]
space = "physical"
[network]
arch = "mlp"
[network.mlp]
dim = 3072
hidden = [16]
time_dim = 8
[train]
steps = 4
batch = 2
warmup = 1
checkpoint_every = 4
[sample]
steps = 3
`
	pdeTrain(t, dir, "smoke.toml", cfg)
	return filepath.Join(dir, "run-smoke"), filepath.Join(dir, "test.arrow")
}

// The same verbs run smoke control when the configuration's data are smoke: train, evaluate next to the
// zero and dataset controls (the adjoint baseline only when asked: it is slow), a table of smoke_out and
// leakage; --baseline adjoint adds the adjoint optimum from the dataset's control.
func TestPDESmokeControlTrainEvaluate(t *testing.T) {
	dir := t.TempDir()
	run, test := tinySmokeMLP(t, dir)
	code, out, errs := runCLI("pde", "evaluate", "--checkpoint", run, "--data", test)
	if code != 0 {
		t.Fatalf("pde evaluate: exit %d\n%s\n%s", code, out, errs)
	}
	for _, want := range []string{"smoke_out", "leakage", "ddpm-physical ", "zero-control ", "dataset-control "} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "adjoint") {
		t.Errorf("the adjoint baseline ran without being asked for:\n%s", out)
	}
	code, out, errs = runCLI("pde", "evaluate", "--checkpoint", run, "--data", test, "--baseline", "adjoint", "--adjoint-iters", "2",
		"--refine-iters", "2")
	if code != 0 || !strings.Contains(out, "adjoint-from-dataset ") || !strings.Contains(out, "ddpm-physical+adjoint-2 ") {
		t.Errorf("the adjoint baseline and the refined model on smoke: exit %d\n%s\n%s", code, out, errs)
	}
}

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/pde/wdno"
)

// An estimation model trains from a configuration and `pde estimate` scores every method on the same
// readings, writing a report whose summary matches the table; without a checkpoint the model-free
// baselines still run, and a model method without one is refused.
func TestPDEEstimateScoresEveryMethod(t *testing.T) {
	dir := t.TempDir()
	tinyBurgers(t, dir, "train.arrow", 32, 1, 12)
	test := tinyBurgers(t, dir, "test.arrow", 4, 2, 12)
	cfg := tinyPDEConfig(t, dir, "estimate")
	if code, out, errs := runCLI("pde", "train", "--config", cfg); code != 0 {
		t.Fatalf("train: exit %d\n%s\n%s", code, out, errs)
	}
	report := filepath.Join(dir, "est.json")
	code, out, errs := runCLI("pde", "estimate", "--checkpoint", filepath.Join(dir, "run-estimate"), "--data", test,
		"--sensors", "3", "--frames", "0,4,8", "--noise", "0.02", "--steps", "4", "--out", report)
	if code != 0 {
		t.Fatalf("estimate: exit %d\n%s\n%s", code, out, errs)
	}
	for _, m := range wdno.EstimateMethods() {
		if !strings.Contains(out, "\n"+string(m)+" ") {
			t.Errorf("the table has no row for %s:\n%s", m, out)
		}
	}
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	var rep wdno.EstimationReport
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != 4*len(wdno.EstimateMethods()) || len(rep.Sensors.Cells) != 3 || rep.Sensors.Noise != 0.02 {
		t.Errorf("report: %d results, sensors %+v", len(rep.Results), rep.Sensors)
	}
	code, out, _ = runCLI("pde", "estimate", "--data", test, "--sensors", "4")
	if code != 0 || !strings.Contains(out, "resimulate") || strings.Contains(out, "reddiff") {
		t.Errorf("model-free estimation: exit %d\n%s", code, out)
	}
	if code, _, errs = runCLI("pde", "estimate", "--data", test, "--methods", "reddiff"); code == 0 || !strings.Contains(errs, "trained") {
		t.Errorf("RED-Diff without a checkpoint: exit %d, %s", code, errs)
	}
	if code, _, errs = runCLI("pde", "estimate", "--data", test, "--cells", "3,x"); code == 0 || !strings.Contains(errs, "--cells") {
		t.Errorf("a bad --cells list: exit %d, %s", code, errs)
	}
}

// pde evaluate --particle-method samples a control model by search with the true control cost, names the
// method after the search, and refuses a simulation model or a missing budget.
func TestPDEEvaluateSearchesByControlCost(t *testing.T) {
	dir := t.TempDir()
	tinyBurgers(t, dir, "train.arrow", 32, 1, 12)
	test := tinyBurgers(t, dir, "test.arrow", 3, 2, 12)
	for _, task := range []string{"control", "simulate"} {
		if code, out, errs := runCLI("pde", "train", "--config", tinyPDEConfig(t, dir, task)); code != 0 {
			t.Fatalf("train %s: exit %d\n%s\n%s", task, code, out, errs)
		}
	}
	control := filepath.Join(dir, "run-control")
	code, out, errs := runCLI("pde", "evaluate", "--checkpoint", control, "--data", test, "--baseline", "zero",
		"--steps", "5", "--particle-method", "best-of-n", "--nfe-budget", "15")
	if code != 0 || !strings.Contains(out, "wdno+best-of-n-15") || !strings.Contains(out, "zero") {
		t.Fatalf("search: exit %d\n%s\n%s", code, out, errs)
	}
	if code, _, errs = runCLI("pde", "evaluate", "--checkpoint", filepath.Join(dir, "run-simulate"), "--data", test,
		"--particle-method", "best-of-n", "--nfe-budget", "15"); code == 0 || !strings.Contains(errs, "control cost") {
		t.Errorf("a simulation model searched: exit %d, %s", code, errs)
	}
	if code, _, errs = runCLI("pde", "evaluate", "--checkpoint", control, "--data", test, "--particle-method", "rollover"); code == 0 || !strings.Contains(errs, "--nfe-budget") {
		t.Errorf("no budget: exit %d, %s", code, errs)
	}
}

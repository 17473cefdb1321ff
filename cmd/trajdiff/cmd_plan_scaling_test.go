package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// plan scaling prints each search method's reward at each budget with the evaluations it spent, and plan
// evaluate plans by search with --particle-method; budgets the method cannot split exit 2.
func TestPlanScalingAndSearchFlags(t *testing.T) {
	dir, run := trainTinyUMaze(t, "")
	results := filepath.Join(dir, "scaling.json")
	code, out, errs := runCLI("plan", "scaling", "--checkpoint", run, "--methods", "best-of-n,resample,rollover", "--budgets", "3,6",
		"--pairs", "2", "--seeds", "1", "--out", results)
	if code != 0 {
		t.Fatalf("plan scaling: %d\n%s\n%s", code, out, errs)
	}
	for _, want := range []string{"best-of-n/dpmpp-2m", "resample/ddim", "rollover/ddim", "reward (±SE)"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	b, err := os.ReadFile(results)
	if err != nil {
		t.Fatal(err)
	}
	var doc scalingResults
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Points) != 6 {
		t.Fatalf("%d points, want 3 methods x 2 budgets", len(doc.Points))
	}
	for _, p := range doc.Points {
		if p.NFE != float64(p.Budget) || p.Plans != 2 {
			t.Errorf("%s at %d: %v NFE per plan over %d plans", p.Method, p.Budget, p.NFE, p.Plans)
		}
	}
	code, out, errs = runCLI("plan", "evaluate", "--checkpoint", run, "--episodes", "1", "--baselines=false", "--particle-method", "rollover", "--nfe-budget", "6")
	if code != 0 || !strings.Contains(out, "rollover/ddim 3 steps (6 NFE from noise)") {
		t.Errorf("plan evaluate with rollover: %d\n%s\n%s", code, out, errs)
	}
	if code, _, errs := runCLI("plan", "evaluate", "--checkpoint", run, "--episodes", "1", "--particle-method", "best-of-n", "--nfe-budget", "4"); code != 2 || !strings.Contains(errs, "not a multiple") {
		t.Errorf("best-of-n with 4 evaluations of 3-step plans: exit %d\n%s", code, errs)
	}
	if code, _, errs := runCLI("plan", "scaling", "--checkpoint", run, "--budgets", "3,x"); code != 2 {
		t.Errorf("--budgets 3,x: exit %d\n%s", code, errs)
	}
}

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// trainValueRun trains a tiny value run of the given network section on trainTinyUMaze's data in dir.
func trainValueRun(t *testing.T, dir, name, network string) string {
	t.Helper()
	cfg := filepath.Join(dir, name+".toml")
	if err := os.WriteFile(cfg, []byte(`out = "`+name+`"
[data]
path = "umaze.arrow"
horizon = 8
columns = ["actions", "observations"]
normalizer = "limits"
no_padding = true
discount = 0.99
returns_scale = 10
`+network+`
[objective]
kind = "value"
process = "vp-cosine"
[train]
steps = 10
batch = 8
warmup = 0
checkpoint_every = 0
`), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := runCLI("train", "--config", cfg); code != 0 {
		t.Fatalf("train %s: %d\n%s\n%s", name, code, out, errs)
	}
	return filepath.Join(dir, name)
}

// plan evaluate plans goal-free with --no-goal and guides with a value run (--value, --value-scale); a value
// flag it cannot use is a usage error (exit 2) with a message.
func TestPlanEvaluateGuidesWithAValueRun(t *testing.T) {
	dir, run := trainTinyUMaze(t, "")
	value := trainValueRun(t, dir, "value", `[network]
arch = "regressor"
[network.regressor]
in = 56
out = 1
hidden = [16]`)
	code, out, errs := runCLI("plan", "evaluate", "--checkpoint", run, "--no-goal", "--value", value, "--value-scale", "2", "--value-steps", "2",
		"--episodes", "2", "--seed", "3", "--baselines=false")
	if code != 0 || !strings.Contains(out, "diffuser") {
		t.Fatalf("guided evaluation: exit %d\n%s\n%s", code, out, errs)
	}
	for _, bad := range [][]string{
		{"--no-goal", "--value", run},                           // a denoiser is not a value model
		{"--no-goal", "--value", value, "--value-scale", "NaN"}, // not a finite scale
		{"--no-goal", "--value", value, "--value-steps", "-1"},
		{"--no-goal", "--planner", "decision-diffuser"},
	} {
		args := append([]string{"plan", "evaluate", "--checkpoint", run, "--episodes", "1", "--baselines=false"}, bad...)
		if code, _, errs := runCLI(args...); code != 2 || errs == "" {
			t.Errorf("%v: exit %d (%q), want 2 with a message", bad, code, errs)
		}
	}
}

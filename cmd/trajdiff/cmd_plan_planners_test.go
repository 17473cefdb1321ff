package main

import (
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// `plan evaluate` runs Decision Diffuser (replanning, returns guidance, warm starts, inverse dynamics) and
// Trajectory Diffuser (draft, refinement, critic) from tiny runs of `train --config`, and refuses what
// they cannot do.
func TestPlanEvaluateRunsTheReplanningPlanners(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "umaze.arrow")
	if code, out, errs := runCLI("simulate", "maze2d", "--layout", "umaze", "--segments", "goal", "--steps", "4000", "--chunk-steps", "4000", "--out", data, "--quiet"); code != 0 {
		t.Fatalf("simulate: %d\n%s\n%s", code, out, errs)
	}
	goalData := filepath.Join(dir, "umaze-goal.arrow")
	if code, out, errs := runCLI("simulate", "maze2d", "--layout", "umaze", "--segments", "goal", "--goal-returns", "--steps", "4000", "--chunk-steps", "4000", "--out", goalData, "--quiet"); code != 0 {
		t.Fatalf("simulate --goal-returns: %d\n%s\n%s", code, out, errs)
	}
	const common = `
[train]
steps = 10
batch = 8
warmup = 0
checkpoint_every = 0
`
	configs := map[string]string{
		"states": `out = "states"
[data]
path = "umaze.arrow"
horizon = 8
columns = ["observations"]
no_padding = true
condition = ["returns"]
returns_scale = 40.0
inpaint = ["0:0", "0:1", "0:2", "0:3"]
[network]
arch = "mlp"
[network.mlp]
dim = 32
hidden = [16]
time_dim = 8
cond_dim = 1
[objective]
process = "vp-cosine"
[sample]
clip_x0 = true
` + common + "cond_dropout = 0.25\n",
	}
	maps.Copy(configs, tdRegressions(common))
	// The same state model, conditioned on the goal-relative return and the goal instead.
	configs["goal-states"] = strings.NewReplacer(`out = "states"`, `out = "goal-states"`, `path = "umaze.arrow"`, `path = "umaze-goal.arrow"`,
		"condition = [\"returns\"]\nreturns_scale = 40.0", `condition = ["info:goal_return:0", "info:goal:0", "info:goal:1"]`,
		"cond_dim = 1", "cond_dim = 3").Replace(configs["states"])
	// Trajectory Diffuser's draft and critic on the goal-relative return, with the goal as window columns.
	configs["goal-draft"] = strings.NewReplacer(`out = "draft"`, `out = "goal-draft"`, `path = "umaze.arrow"`, `path = "umaze-goal.arrow"`,
		`columns = ["observations"]`, `columns = ["observations", "infos/goal_return", "infos/goal"]`, "returns_scale = 40.0\n", "",
		`"0:3", "returns@0"`, `"0:3", "0:4", "0:5", "0:6"`, `"1:3", "returns@1"`, `"1:3", "1:4", "1:5", "1:6"`, `"returns@2"`, `"2:4"`,
		"token_dim = 5", "token_dim = 7").Replace(configs["draft"])
	configs["goal-critic"] = strings.NewReplacer(`out = "critic"`, `out = "goal-critic"`, `path = "umaze.arrow"`, `path = "umaze-goal.arrow"`,
		`columns = ["actions", "observations"]`, `columns = ["actions", "observations", "infos/goal", "infos/goal_return"]`,
		"returns_scale = 40.0\n", "", `"0:5"]`, `"0:5", "0:6", "0:7"]`, `targets = ["returns"]`, `targets = ["0:8"]`, "in = 6", "in = 8").Replace(configs["critic"])
	for name, text := range configs {
		cfg := filepath.Join(dir, name+".toml")
		if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		if code, out, errs := runCLI("train", "--config", cfg); code != 0 {
			t.Fatalf("train %s: %d\n%s\n%s", name, code, out, errs)
		}
	}
	run := func(name string) string { return filepath.Join(dir, name) }
	results := filepath.Join(dir, "dd.json")
	code, out, errs := runCLI("plan", "evaluate", "--planner", "decision-diffuser", "--checkpoint", run("states"), "--invdyn", run("invdyn"),
		"--episodes", "1", "--steps", "2", "--warm-time", "0.1", "--warm-steps", "1", "--baselines=false", "--out", results)
	if code != 0 {
		t.Fatalf("plan evaluate --planner decision-diffuser: %d\n%s\n%s", code, out, errs)
	}
	for _, want := range []string{"decision-diffuser", "guidance 1.2 on return 36", "warm starts at t 0.1 with 1 step(s)", "controller invdyn"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if b, err := os.ReadFile(results); err != nil || !strings.Contains(string(b), `"planner": "decision-diffuser"`) || !strings.Contains(string(b), `"warm_steps": 1`) {
		t.Errorf("results file: %v\n%.400s", err, b)
	}
	// A goal-conditioned state model plans to Multi2D's random goals, by default for 0.9 of the data's
	// largest goal-relative return.
	code, out, errs = runCLI("plan", "evaluate", "--planner", "decision-diffuser", "--checkpoint", run("goal-states"), "--invdyn", run("invdyn"),
		"--multi", "--episodes", "1", "--steps", "2", "--replan-every", "50", "--baselines=false")
	if code != 0 {
		t.Fatalf("plan evaluate --planner decision-diffuser --multi: %d\n%s\n%s", code, out, errs)
	}
	for _, want := range []string{"multi2d-umaze", "decision-diffuser", "guidance 1.2 on return"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	code, out, errs = runCLI("plan", "evaluate", "--planner", "trajectory-diffuser", "--checkpoint", run("states"), "--invdyn", run("invdyn"),
		"--draft", run("draft"), "--critic", run("critic"), "--candidates", "2", "--refine-steps", "1", "--episodes", "1", "--baselines=false")
	if code != 0 {
		t.Fatalf("plan evaluate --planner trajectory-diffuser: %d\n%s\n%s", code, out, errs)
	}
	for _, want := range []string{"trajectory-diffuser", "draft of 7 evaluations", "2 candidates", "guidance 1.1"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	code, out, errs = runCLI("plan", "evaluate", "--planner", "trajectory-diffuser", "--checkpoint", run("goal-states"), "--invdyn", run("invdyn"),
		"--draft", run("goal-draft"), "--critic", run("goal-critic"), "--candidates", "2", "--refine-steps", "1", "--replan-every", "50", "--fixed-return", "--episodes", "1", "--multi", "--baselines=false")
	if code != 0 || !strings.Contains(out, "multi2d-umaze") || !strings.Contains(out, "the return fixed") {
		t.Fatalf("plan evaluate --planner trajectory-diffuser --multi with goal-conditioned models: %d\n%s\n%s", code, out, errs)
	}
	for _, bad := range [][]string{
		{"plan", "evaluate", "--planner", "decision-diffuser", "--checkpoint", run("states"), "--multi"},
		{"plan", "evaluate", "--planner", "trajectory-diffuser", "--checkpoint", run("states"), "--invdyn", run("invdyn"), "--draft", run("draft"), "--critic", run("critic"), "--multi"},
		{"plan", "evaluate", "--planner", "trajectory-diffuser", "--checkpoint", run("goal-states"), "--invdyn", run("invdyn"), "--draft", run("draft"), "--critic", run("goal-critic")},
		{"plan", "evaluate", "--planner", "decision-diffuser", "--checkpoint", run("states"), "--invdyn", run("critic")},
		{"plan", "evaluate", "--planner", "decision-diffuser", "--checkpoint", run("invdyn")},
		{"plan", "evaluate", "--planner", "trajectory-diffuser", "--checkpoint", run("states"), "--invdyn", run("invdyn"), "--critic", run("critic")},
		{"plan", "evaluate", "--planner", "trajectory-diffuser", "--checkpoint", run("states"), "--invdyn", run("invdyn"), "--draft", run("critic"), "--critic", run("critic")},
		{"plan", "evaluate", "--planner", "mpc", "--checkpoint", run("states")},
		{"plan", "evaluate", "--planner", "decision-diffuser", "--checkpoint", run("states"), "--invdyn", run("invdyn"), "--replan-stalled", "50"},
		{"plan", "evaluate", "--planner", "decision-diffuser", "--checkpoint", run("states"), "--invdyn", run("invdyn"), "--wall-clearance", "0.15"},
		{"plan", "evaluate", "--planner", "decision-diffuser", "--checkpoint", run("states"), "--invdyn", run("invdyn"), "--fixed-return"},
	} {
		if code, _, errs := runCLI(bad...); code != 2 || errs == "" {
			t.Errorf("%v: exit %d (%q), want 2 with a message", bad[2:], code, errs)
		}
	}
}

// tdRegressions are the tiny regression runs of the replanning planners' tests on umaze.arrow, each with
// the [train] table train: the inverse dynamics, and Trajectory Diffuser's critic and 2-token draft.
func tdRegressions(train string) map[string]string {
	return map[string]string{
		"invdyn": `out = "invdyn"
[data]
path = "umaze.arrow"
horizon = 2
columns = ["actions", "observations"]
no_padding = true
inputs = ["0:2", "0:3", "0:4", "0:5", "1:2", "1:3", "1:4", "1:5"]
targets = ["0:0", "0:1"]
[network]
arch = "regressor"
[network.regressor]
in = 8
out = 2
hidden = [16]
[objective]
kind = "regression"
` + train,
		"critic": `out = "critic"
[data]
path = "umaze.arrow"
horizon = 1
columns = ["actions", "observations"]
no_padding = true
returns_scale = 40.0
inputs = ["0:0", "0:1", "0:2", "0:3", "0:4", "0:5"]
targets = ["returns"]
[network]
arch = "regressor"
[network.regressor]
in = 6
out = 1
hidden = [16]
[objective]
kind = "regression"
` + train,
		"draft": `out = "draft"
[data]
path = "umaze.arrow"
horizon = 3
columns = ["observations"]
no_padding = true
returns_scale = 40.0
inputs = ["0:0", "0:1", "0:2", "0:3", "returns@0", "1:0", "1:1", "1:2", "1:3", "returns@1"]
targets = ["2:0", "2:1", "2:2", "2:3", "returns@2"]
[network]
arch = "seq_regressor"
[network.seq_regressor]
tokens = 2
token_dim = 5
out = 5
width = 8
depth = 1
heads = 2
[objective]
kind = "regression"
` + train,
	}
}

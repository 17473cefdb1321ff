package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A maze2d dataset simulated by the CLI, a tiny model trained by `train --config`, and `plan evaluate`
// over 2 episodes: the table compares Diffuser with the expert and random actions, and the results file
// holds every episode, the summaries and the command; bad flags exit 2.
func TestPlanEvaluateRunsEndToEnd(t *testing.T) {
	dir, run := trainTinyUMaze(t, "")
	results, png, plans := filepath.Join(dir, "results.json"), filepath.Join(dir, "paths.png"), filepath.Join(dir, "plans.png")
	code, out, errs := runCLI("plan", "evaluate", "--checkpoint", run, "--episodes", "2", "--seed", "5", "--multi", "--out", results, "--plot", png, "--plot-plans", plans)
	if code != 0 {
		t.Fatalf("plan evaluate: %d\n%s\n%s", code, out, errs)
	}
	for _, want := range []string{"multi2d-umaze", "score (±SE)", "diffuser", "expert", "random", "3 NFE"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	var doc struct {
		Command string `json:"command"`
		Config  struct {
			Data struct {
				Horizon int `json:"horizon"`
			} `json:"data"`
		} `json:"config"`
		Planner struct {
			NFE int `json:"nfe"`
		} `json:"planner"`
		Results struct {
			Agents []struct {
				Summary struct {
					Agent string `json:"agent"`
				} `json:"summary"`
				Episodes []struct {
					Steps int     `json:"steps"`
					Score float64 `json:"score"`
				} `json:"episodes"`
			} `json:"agents"`
		} `json:"results"`
	}
	b, err := os.ReadFile(results)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(doc.Command, "--episodes 2") || doc.Config.Data.Horizon != 8 || doc.Planner.NFE != 3 || len(doc.Results.Agents) != 3 {
		t.Fatalf("results file: %s", b)
	}
	for _, a := range doc.Results.Agents {
		if len(a.Episodes) != 2 || a.Episodes[0].Steps != 300 {
			t.Errorf("%s: %d episodes", a.Summary.Agent, len(a.Episodes))
		}
	}
	for _, f := range []string{png, plans} {
		if st, err := os.Stat(f); err != nil || st.Size() == 0 {
			t.Errorf("plot %s: %v", f, err)
		}
	}
	// Two shards merge into the unsharded evaluation.
	var parts []string
	for _, sh := range []string{"0/2", "1/2"} {
		part := filepath.Join(dir, "part"+sh[:1]+".json")
		if code, out, errs := runCLI("plan", "evaluate", "--checkpoint", run, "--episodes", "2", "--seed", "5", "--multi", "--shard", sh, "--out", part); code != 0 {
			t.Fatalf("plan evaluate --shard %s: %d\n%s\n%s", sh, code, out, errs)
		}
		parts = append(parts, part)
	}
	merged := filepath.Join(dir, "merged.json")
	code, mout, errs := runCLI(append([]string{"plan", "merge", "--out", merged}, parts...)...)
	if code != 0 {
		t.Fatalf("plan merge: %d\n%s\n%s", code, mout, errs)
	}
	// Scores, returns and success rates agree (the columns before the timings).
	scores := func(s string) (cols []string) {
		for _, line := range strings.Split(s, "\n") {
			if i := strings.Index(line, "%"); i > 0 && !strings.Contains(line, "score") {
				cols = append(cols, line[:i])
			}
		}
		return cols
	}
	if a, b := scores(mout), scores(out); len(a) != 3 || strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Errorf("merged table differs from the unsharded one:\n%s\n%s", mout, out)
	}
	if code, _, errs := runCLI("plan", "merge", parts[0]); code == 0 {
		t.Errorf("merging one of two shards succeeded: %s", errs)
	}
	// Evaluations of two seeds pool into one over all their episodes; merge refuses them and names --pool.
	other := filepath.Join(dir, "seed6.json")
	if code, out, errs := runCLI("plan", "evaluate", "--checkpoint", run, "--episodes", "1", "--seed", "6", "--multi", "--out", other); code != 0 {
		t.Fatalf("plan evaluate --seed 6: %d\n%s\n%s", code, out, errs)
	}
	if code, out, errs := runCLI("plan", "merge", "--pool", "--out", filepath.Join(dir, "pooled.json"), results, other); code != 0 || !strings.Contains(out, "3 episodes per agent, seeds [5 6]") {
		t.Errorf("plan merge --pool: %d\n%s\n%s", code, out, errs)
	}
	if code, _, errs := runCLI("plan", "merge", results, other); code == 0 || !strings.Contains(errs, "--pool") {
		t.Errorf("plan merge of two seeds: %d\n%s", code, errs)
	}
	// The free-space projection runs and is recorded.
	projected := filepath.Join(dir, "projected.json")
	if code, out, errs := runCLI("plan", "evaluate", "--checkpoint", run, "--episodes", "1", "--baselines=false", "--wall-clearance", "0.15", "--out", projected); code != 0 {
		t.Fatalf("plan evaluate --wall-clearance: %d\n%s\n%s", code, out, errs)
	}
	if b, err := os.ReadFile(projected); err != nil || !strings.Contains(string(b), `"wall_clearance": 0.15`) {
		t.Errorf("results file of --wall-clearance: %v\n%.400s", err, b)
	}
	for _, bad := range [][]string{
		{"plan"},
		{"plan", "merge"},
		{"plan", "evaluate", "--checkpoint", run, "--wall-clearance", "0.7"},
		{"plan", "evaluate", "--checkpoint", run, "--episodes", "1", "--shard", "0/2"},
		{"plan", "evaluate", "--checkpoint", run, "--shard", "2/2"},
		{"plan", "replan"},
		{"plan", "evaluate"},
		{"plan", "evaluate", "--checkpoint", run, "--episodes", "0"},
		{"plan", "evaluate", "--checkpoint", run, "--solver", "euler-maruyama-9"},
		{"plan", "evaluate", "--checkpoint", run, "--layout", "spiral"},
		{"plan", "evaluate", "--checkpoint", run, "--steps", "-2"},
		{"plan", "evaluate", "--checkpoint", run, "extra"},
	} {
		if code, _, errs := runCLI(bad...); code != 2 || errs == "" {
			t.Errorf("%v: exit %d (%q), want 2 with a message", bad, code, errs)
		}
	}
	if code, _, _ := runCLI("plan", "--help"); code != 0 {
		t.Errorf("plan --help: exit %d", code)
	}
}

// trainTinyUMaze simulates a small U-Maze dataset in a temporary directory and trains a 10-step MLP Diffuser
// on windows of 8 steps (dataLines: extra [data] keys, e.g. inpainting); it returns the directory and the run.
func trainTinyUMaze(t *testing.T, dataLines string) (dir, run string) {
	t.Helper()
	dir = t.TempDir()
	data := filepath.Join(dir, "umaze.arrow")
	if code, out, errs := runCLI("simulate", "maze2d", "--layout", "umaze", "--steps", "4000", "--chunk-steps", "4000", "--out", data, "--quiet"); code != 0 {
		t.Fatalf("simulate: %d\n%s\n%s", code, out, errs)
	}
	cfg := filepath.Join(dir, "tiny.toml")
	if err := os.WriteFile(cfg, []byte(`out = "run"
[data]
path = "umaze.arrow"
horizon = 8
no_padding = true
`+dataLines+`[network]
arch = "mlp"
[network.mlp]
dim = 48
hidden = [32]
time_dim = 8
[objective]
process = "vp-cosine"
prediction = "x0"
[train]
steps = 10
batch = 8
warmup = 0
checkpoint_every = 0
[sample]
solver = "dpmpp-2m"
steps = 3
clip_x0 = true
`), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := runCLI("train", "--config", cfg); code != 0 {
		t.Fatalf("train: %d\n%s\n%s", code, out, errs)
	}
	return dir, filepath.Join(dir, "run")
}

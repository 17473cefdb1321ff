package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// A tiny quickstart runs every stage (data, Diffuser's training, closed-loop episodes next to the
// baselines, plots of executed paths and plans) and leaves a configuration that `train` resumes, a
// checkpoint that `sample` and `plan evaluate` use, and a results file.
func TestQuickstartTrainSample(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := runCLI("quickstart", "--out", dir, "--steps", "40", "--data-steps", "5000", "--horizon", "16", "--dim", "8", "--episodes", "2", "--nfe", "5")
	if code != 0 {
		t.Fatalf("quickstart: %d\n%s\n%s", code, out, errs)
	}
	for _, want := range []string{"1. data", "2. training", "maze2d-umaze-v1", "score (±SE)", "diffuser", "expert", "random", "paths.png", "plans.png"} {
		if !strings.Contains(out, want) {
			t.Errorf("quickstart output lacks %q:\n%s", want, out)
		}
	}
	for _, f := range []string{"umaze.arrow", "quickstart.toml", "paths.png", "plans.png", "results.json", "run/latest", "run/metrics.jsonl"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s missing or empty: %v", f, err)
		}
	}
	// train resumes the run from its checkpoint and extends it.
	cfg := filepath.Join(dir, "quickstart.toml")
	code, out, errs = runCLI("train", "--config", cfg, "--steps", "60")
	if code != 0 || !strings.Contains(out, "resumed from step 40") {
		t.Fatalf("train --steps 60: %d\n%s\n%s", code, out, errs)
	}
	// Once complete, the same command trains nothing and says so (no last-step loss to report).
	code, out, errs = runCLI("train", "--config", cfg, "--steps", "60")
	if code != 0 || !strings.Contains(out, "already complete at step 60") || strings.Contains(out, "NaN") {
		t.Fatalf("train --steps 60 again: %d\n%s\n%s", code, out, errs)
	}
	// sample writes raw-unit windows and clamps the fixed (inpainted) entries.
	samples := filepath.Join(dir, "samples.json")
	args := []string{"sample", "--checkpoint", filepath.Join(dir, "run"), "--out", samples, "--n", "3", "--steps", "4"}
	for _, f := range []string{"0:2=1", "0:3=1", "0:4=0", "0:5=0", "-1:2=1", "-1:3=3", "-1:4=0", "-1:5=0"} {
		args = append(args, "--fix", f)
	}
	code, out, errs = runCLI(args...)
	if code != 0 {
		t.Fatalf("sample: %d\n%s\n%s", code, out, errs)
	}
	var res struct {
		Shape   []int         `json:"shape"`
		Columns []string      `json:"columns"`
		EMA     bool          `json:"ema"`
		Samples [][][]float64 `json:"samples"`
	}
	b, _ := os.ReadFile(samples)
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	// The output names every transition component and says which weights were used (by default the EMA).
	wantCols := []string{"actions[0]", "actions[1]", "observations[0]", "observations[1]", "observations[2]", "observations[3]"}
	if !slices.Equal(res.Columns, wantCols) || !res.EMA || !strings.Contains(out, "EMA weights") {
		t.Errorf("columns %v, ema %v, stdout %q; want %v from the EMA weights", res.Columns, res.EMA, out, wantCols)
	}
	// --ema=false samples the raw weights, which differ from their average after a short run.
	rawPath := filepath.Join(dir, "raw.json")
	rawArgs := append(slices.Clone(args), "--ema=false")
	rawArgs[4] = rawPath
	code, out, errs = runCLI(rawArgs...)
	if code != 0 || !strings.Contains(out, "raw weights") {
		t.Fatalf("sample --ema=false: %d\n%s\n%s", code, out, errs)
	}
	var raw struct {
		EMA     bool          `json:"ema"`
		Samples [][][]float64 `json:"samples"`
	}
	b, _ = os.ReadFile(rawPath)
	if err := json.Unmarshal(b, &raw); err != nil || raw.EMA || reflect.DeepEqual(raw.Samples, res.Samples) {
		t.Errorf("sample --ema=false: ema %v, same samples as the EMA weights: %v (%v)", raw.EMA, reflect.DeepEqual(raw.Samples, res.Samples), err)
	}
	// A fixed entry outside the window is bad input: exit 2.
	if code, _, errs := runCLI(append(slices.Clone(args), "--fix", "16:0=1")...); code != 2 || !strings.Contains(errs, "outside a window") {
		t.Errorf("sample --fix 16:0=1: exit %d, stderr %q; want 2", code, errs)
	}
	if len(res.Samples) != 3 || len(res.Samples[0]) != 16 || len(res.Samples[0][0]) != 6 {
		t.Fatalf("shape %v", res.Shape)
	}
	for _, s := range res.Samples {
		// Normalising to float32 and back moves a value by at most a few ulps of the data's range.
		if d := s[15][3] - 3; d > 1e-5 || d < -1e-5 {
			t.Errorf("goal y %v, want 3", s[15][3])
		}
		if d := s[0][2] - 1; d > 1e-5 || d < -1e-5 {
			t.Errorf("start x %v, want 1", s[0][2])
		}
	}
	if code, _, _ := runCLI("sample", "--checkpoint", dir+"/nope", "--out", samples); code == 0 {
		t.Error("sample from a missing checkpoint succeeded")
	}
	if code, _, _ := runCLI("train", "--config", filepath.Join(dir, "missing.toml")); code != 2 {
		t.Errorf("train with a missing config: exit %d, want 2", code)
	}
}

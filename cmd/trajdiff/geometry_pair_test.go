package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tinyInterpolantConfig is a tiny EGTN on the interpolant process with prediction pred.
func tinyInterpolantConfig(out, pred string) string {
	share := ""
	if pred != "eps" {
		share = "prior_output = true\n"
	}
	return `out = "` + out + `"
[data]
path = "charged/train.arrow"
kind = "geometric"
edge_attr = "product"
[network]
arch = "egtn"
[network.egtn]
nodes = 5
spatial_dim = 3
cond_frames = [0, 1, 2]
target_frames = [3, 4, 5]
node_features = 1
edge_features = 1
hidden = 8
layers = 1
time_dim = 4
time_scale = 100
prior_layers = 1
` + share + `[objective]
process = "interpolant"
interpolant_base = 1.0
prediction = "` + pred + `"
[train]
steps = 6
batch = 8
warmup = 0
checkpoint_every = 0
`
}

// `geometry evaluate --drift` scores the two-field samplers (one per --eps) after the checkpoint, with
// 2 steps + 1 network evaluations per sample; the pair flags without --drift, and a drift whose denoiser
// (--checkpoint by default) is not an interpolant model, exit with errors.
func TestGeometryEvaluateScoresTheTwoFieldSamplers(t *testing.T) {
	dir := t.TempDir()
	if code, out, errs := runCLI("simulate", "charged", "--out", filepath.Join(dir, "charged"), "--splits", "train=16,test=4",
		"--steps", "1000", "--frames", "6", "--workers", "1", "--quiet"); code != 0 {
		t.Fatalf("simulate: %d\n%s\n%s", code, out, errs)
	}
	for _, pred := range []string{"eps", "velocity"} {
		cfg := filepath.Join(dir, pred+".toml")
		if err := os.WriteFile(cfg, []byte(tinyInterpolantConfig(pred, pred)), 0o644); err != nil {
			t.Fatal(err)
		}
		if code, out, errs := runCLI("train", "--config", cfg); code != 0 {
			t.Fatalf("train %s: %d\n%s\n%s", pred, code, out, errs)
		}
	}
	eps, vel, test := filepath.Join(dir, "eps"), filepath.Join(dir, "velocity"), filepath.Join(dir, "charged", "test.arrow")
	code, out, errs := runCLI("geometry", "evaluate", "--checkpoint", eps, "--drift", vel, "--eps", "0", "--eps", "0.5",
		"--data", test, "--k", "2", "--steps", "4", "--solver", "ddpm")
	if code != 0 {
		t.Fatalf("evaluate: %d\n%s\n%s", code, out, errs)
	}
	for _, name := range []string{"two-field ode", "two-field sde eps 0.5"} {
		found := false
		for _, line := range strings.Split(out, "\n") {
			if rest, ok := strings.CutPrefix(line, name+" "); ok && strings.Fields(rest)[0] == "5" {
				found = true
			}
		}
		if !found {
			t.Errorf("evaluate output lacks a row %q with 5 network evaluations:\n%s", name, out)
		}
	}
	for _, flag := range [][]string{{"--eps", "0.5"}, {"--pair-uniform-t"}, {"--denoiser", vel}} {
		if code, _, _ := runCLI(append([]string{"geometry", "evaluate", "--checkpoint", eps, "--data", test}, flag...)...); code != 2 {
			t.Errorf("%v without --drift: exit %d, want 2", flag, code)
		}
	}
	code, out, errs = runCLI("geometry", "evaluate", "--checkpoint", eps, "--drift", vel, "--pair-uniform-t", "--data", test, "--k", "1", "--steps", "2")
	if code != 0 || !strings.Contains(out, "field ode (uniform t)") {
		t.Errorf("--pair-uniform-t: %d\n%s\n%s", code, out, errs)
	}
	if code, _, errs := runCLI("geometry", "evaluate", "--checkpoint", eps, "--data", test, "--drift", vel, "--eps", "-1"); code != 2 {
		t.Errorf("--eps -1: exit %d, want 2 (%s)", code, errs)
	}
	if code, _, errs := runCLI("geometry", "evaluate", "--checkpoint", eps, "--denoiser", vel, "--drift", filepath.Join(dir, "nope"), "--data", test); code == 0 {
		t.Errorf("a missing drift checkpoint: exit 0 (%s)", errs)
	}
}

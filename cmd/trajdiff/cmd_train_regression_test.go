package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/train"
)

// configs/invdyn-umaze-small.toml trains through `trajdiff train` on a small simulated U-Maze dataset:
// the run loads as an inverse-dynamics model (8 observation entries -> 2 actions) that predicts actions
// in [-1, 1], and `trajdiff sample` refuses it.
func TestTrainInverseDynamicsConfig(t *testing.T) {
	dir := t.TempDir()
	if code, out, errs := runCLI("simulate", "maze2d", "--layout", "umaze", "--segments", "goal", "--steps", "4000", "--chunk-steps", "4000",
		"--out", filepath.Join(dir, "umaze.arrow"), "--quiet"); code != 0 {
		t.Fatalf("simulate: %d\n%s\n%s", code, out, errs)
	}
	b, err := os.ReadFile(filepath.Join("..", "..", "configs", "invdyn-umaze-small.toml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "invdyn.toml")
	if err := os.WriteFile(cfg, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := runCLI("train", "--config", cfg, "--steps", "40"); code != 0 || !strings.Contains(out, "trained 40 steps") {
		t.Fatalf("train: %d\n%s\n%s", code, out, errs)
	}
	run := filepath.Join(dir, "invdyn-umaze-small")
	m, err := train.Load(run, train.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"0:observations[0]", "0:observations[1]", "0:observations[2]", "0:observations[3]",
		"1:observations[0]", "1:observations[1]", "1:observations[2]", "1:observations[3]"}
	if got := m.InputNames(); !slices.Equal(got, want) {
		t.Errorf("inputs %v, want %v", got, want)
	}
	if got := m.TargetNames(); !slices.Equal(got, []string{"0:actions[0]", "0:actions[1]"}) {
		t.Errorf("targets %v", got)
	}
	out, err := m.Predict(context.Background(), [][]float64{{1, 1, 0.5, 0, 1.005, 1, 0.5, 0}})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range out[0] {
		if !(a >= -1 && a <= 1) {
			t.Errorf("predicted action %v outside the data's [-1, 1]", out[0])
		}
	}
	if code, _, errs := runCLI("sample", "--checkpoint", run, "--out", filepath.Join(dir, "s.json")); code != 2 || !strings.Contains(errs, "regressor") {
		t.Errorf("sample of a regression run: exit %d, %s; want 2 and an error naming the regressor", code, errs)
	}
}

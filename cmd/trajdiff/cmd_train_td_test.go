package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/train"
)

// The Trajectory Diffuser configurations (configs/td-draft-umaze-small.toml, configs/td-critic-umaze-small.toml)
// train through `trajdiff train` on a small simulated U-Maze dataset and load as regression models whose
// inputs and targets are named, returns-to-go included, and whose predictions are finite and in the data's
// units (a return-to-go of maze2d's 0/1 rewards at discount 0.99 lies in [0, 100]).
func TestTrainTrajectoryDiffuserConfigs(t *testing.T) {
	dir := t.TempDir()
	if code, out, errs := runCLI("simulate", "maze2d", "--layout", "umaze", "--segments", "goal", "--steps", "4000", "--chunk-steps", "4000",
		"--out", filepath.Join(dir, "umaze.arrow"), "--quiet"); code != 0 {
		t.Fatalf("simulate: %d\n%s\n%s", code, out, errs)
	}
	for _, name := range []string{"td-draft-umaze-small", "td-critic-umaze-small"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "configs", name+".toml"))
		if err != nil {
			t.Fatal(err)
		}
		cfg := filepath.Join(dir, name+".toml")
		if err := os.WriteFile(cfg, b, 0o644); err != nil {
			t.Fatal(err)
		}
		if code, out, errs := runCLI("train", "--config", cfg, "--steps", "20"); code != 0 || !strings.Contains(out, "trained 20 steps") {
			t.Fatalf("%s: train: %d\n%s\n%s", name, code, out, errs)
		}
		m, err := train.Load(filepath.Join(dir, name), train.LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		in := make([]float64, len(m.Inputs()))
		var wantIn, wantOut []string
		if name == "td-draft-umaze-small" {
			for k := 0; k < 8; k++ {
				for c := 0; c < 4; c++ {
					wantIn = append(wantIn, fmt.Sprintf("%d:observations[%d]", k, c))
				}
				wantIn = append(wantIn, fmt.Sprintf("returns@%d", k))
				copy(in[5*k:], []float64{1, 1, 0.5, 0, 20})
			}
			wantOut = []string{"8:observations[0]", "8:observations[1]", "8:observations[2]", "8:observations[3]", "returns@8"}
		} else {
			wantIn = []string{"0:actions[0]", "0:actions[1]", "0:observations[0]", "0:observations[1]", "0:observations[2]", "0:observations[3]"}
			wantOut = []string{"returns@0"}
			copy(in, []float64{0.5, -0.5, 1, 1, 0.5, 0})
		}
		if got := m.InputNames(); !slices.Equal(got, wantIn) {
			t.Errorf("%s: inputs %v, want %v", name, got, wantIn)
		}
		if got := m.TargetNames(); !slices.Equal(got, wantOut) {
			t.Errorf("%s: targets %v, want %v", name, got, wantOut)
		}
		out, err := m.Predict(context.Background(), [][]float64{in})
		if err != nil {
			t.Fatal(err)
		}
		if r := out[0][len(out[0])-1]; !(r > -100 && r < 200) {
			t.Errorf("%s: predicted return-to-go %v: not in the data's units", name, r)
		}
	}
}

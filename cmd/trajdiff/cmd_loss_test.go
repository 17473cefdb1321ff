package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/train"
)

// configs/diffuser-umaze-small.toml, shortened and with immiscible = "assign", trains through `trajdiff
// train`, and `trajdiff loss` scores each of its checkpoints.
func TestLossScoresEveryCheckpointOfAnImmiscibleRun(t *testing.T) {
	dir := t.TempDir()
	if code, out, errs := runCLI("simulate", "maze2d", "--layout", "umaze", "--segments", "goal", "--steps", "4000", "--chunk-steps", "4000",
		"--out", filepath.Join(dir, "umaze.arrow"), "--quiet"); code != 0 {
		t.Fatalf("simulate: %d\n%s\n%s", code, out, errs)
	}
	cfg, err := train.LoadConfig(filepath.Join("..", "..", "configs", "diffuser-umaze-small.toml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Data.Path, cfg.Out = filepath.Join(dir, "umaze.arrow"), filepath.Join(dir, "run")
	cfg.Data.Horizon, cfg.Network.TemporalUnet.Horizon = 16, 16
	cfg.Train.Steps, cfg.Train.Batch, cfg.Train.Warmup, cfg.Train.CheckpointEvery = 20, 8, 2, 10
	cfg.Train.Immiscible = train.ImmiscibleAssign
	path := filepath.Join(dir, "c.toml")
	if err := train.WriteConfig(path, cfg); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := runCLI("train", "--config", path); code != 0 || !strings.Contains(out, "trained 20 steps") {
		t.Fatalf("train: %d\n%s\n%s", code, out, errs)
	}
	code, out, errs := runCLI("loss", "--config", path, "--batches", "2")
	if code != 0 || !strings.Contains(out, "\n10\t") || !strings.Contains(out, "\n20\t") {
		t.Fatalf("loss: %d\n%s\n%s", code, out, errs)
	}
	if code, _, _ := runCLI("loss"); code != 2 {
		t.Errorf("loss without --config: exit %d, want 2", code)
	}
}

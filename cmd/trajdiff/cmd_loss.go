package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/trajdiff/trajdiff/train"
)

func lossCommand() command {
	return command{name: "loss", summary: "held-out loss of a run's checkpoints: the training objective with independent noise on batches training never drew", run: runLoss}
}

func runLoss(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "loss", "loss --config FILE [--run DIR] [--first-step N] [--batches N] [--seed S] [--raw]")
	config := fs.String("config", "", "the run's TOML (or YAML) configuration: its data, batch and inpainting")
	run := fs.String("run", "", "run directory whose step-* checkpoints are scored (default: the configuration's out)")
	first := fs.Int("first-step", -1, "the source's first batch index (default train.steps: the batches right after the run's; within the first epoch, windows training never drew)")
	batches := fs.Int("batches", 32, "batches of train.batch examples")
	seed := fs.Uint64("seed", 7, "seed of the noise and times")
	raw := fs.Bool("raw", false, "score the raw weights instead of the EMA weights")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if err := wantArgs(fs, 0, "none"); err != nil {
		return err
	}
	if *config == "" {
		return usagef("--config is required")
	}
	cfg, err := train.LoadConfig(*config)
	if err != nil {
		return usagef("%v", err)
	}
	if *first < 0 {
		*first = cfg.Train.Steps
	}
	dir := *run
	if dir == "" {
		dir = cfg.Out
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var steps []string
	for _, e := range entries {
		if e.IsDir() && strings.HasPrefix(e.Name(), "step-") {
			steps = append(steps, e.Name())
		}
	}
	if len(steps) == 0 {
		return fmt.Errorf("loss: no checkpoint in %s", dir)
	}
	sort.Strings(steps)
	tr, ds, err := cfg.Trainer()
	if err != nil {
		return err
	}
	defer ds.Close()
	weights := train.EMAWeights
	if *raw {
		weights = train.RawWeights
	}
	fmt.Fprintf(env.stdout, "# held-out loss: %d batches of %d from source step %d, seed %d, %v weights\nstep\tloss\n", *batches, cfg.Train.Batch, *first, *seed, weights)
	for _, s := range steps {
		ck, err := train.LoadCheckpoint(filepath.Join(dir, s), train.LoadOptions{Weights: weights})
		if err != nil {
			return err
		}
		l, err := tr.HeldOutLoss(ctx, ck, *first, *batches, *seed)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "%d\t%.6g\n", ck.State.Step, l)
	}
	return nil
}

package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/trajdiff/trajdiff/train"
)

func trainCommand() command {
	return command{name: "train", summary: "train a network from a TOML configuration (resumable)", run: runTrain}
}

func runTrain(ctx context.Context, env *cliEnv, args []string) error {
	tf, err := parseTrainFlags(env, "train", "[data], [network], [objective], [train], [sample]; see docs/training.md", args)
	if err != nil {
		return err
	}
	cfg, err := train.LoadConfig(tf.config)
	if err != nil {
		return usagef("%v", err)
	}
	if tf.steps > 0 {
		cfg.Train.Steps = tf.steps
	}
	_, err = trainRun(ctx, env, cfg, tf.resume)
	return err
}

// trainFlags are the flags of every training command.
type trainFlags struct {
	config string
	resume bool
	steps  int
}

// parseTrainFlags parses --config, --resume and --steps of the command name, whose file holds sections.
func parseTrainFlags(env *cliEnv, name, sections string, args []string) (trainFlags, error) {
	var tf trainFlags
	fs := newFlagSet(env, name, name+" --config FILE [--resume=false] [--steps N]")
	fs.StringVar(&tf.config, "config", "", "TOML (or .yaml/.yml) configuration: "+sections)
	fs.BoolVar(&tf.resume, "resume", true, "continue from the run directory's latest checkpoint when there is one")
	fs.IntVar(&tf.steps, "steps", 0, "override train.steps")
	if err := parseFlags(fs, env, args); err != nil {
		return tf, err
	}
	if err := wantArgs(fs, 0, "none"); err != nil {
		return tf, err
	}
	if tf.config == "" {
		return tf, usagef("--config is required")
	}
	return tf, nil
}

// trainRun trains a configuration with a progress bar and reports where the run went.
func trainRun(ctx context.Context, env *cliEnv, cfg train.Config, resume bool) (*train.Result, error) {
	tr, ds, err := cfg.Trainer()
	if err != nil {
		return nil, err
	}
	defer ds.Close()
	tr.Resume = resume
	return runWithBar(env, "train", cfg.Out, cfg.Train.Steps, func(progress func(train.Status)) (*train.Result, error) {
		tr.Progress = progress
		return tr.Run(ctx)
	})
}

// runWithBar runs a training with a progress bar named label and reports where the run went (out).
func runWithBar(env *cliEnv, label, out string, steps int, run func(progress func(train.Status)) (*train.Result, error)) (*train.Result, error) {
	bar := newProgressBar(env.stderr, label, "steps", steps)
	var last train.Status
	start := time.Now()
	res, err := run(func(s train.Status) {
		last = s
		bar.UpdateNote(s.Step, fmt.Sprintf("loss %.4g lr %.2g", s.Loss, s.LR))
	})
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			fmt.Fprintf(env.stderr, "\n%s: stopped at step %d; checkpoint in %s (resume with the same command)\n", label, last.Step, out)
		}
		return nil, err
	}
	if res.Resumed > 0 && res.Resumed >= res.Steps {
		// Nothing was trained: there is no last-step loss to report.
		fmt.Fprintf(env.stdout, "the run in %s is already complete at step %d; nothing to train (raise the steps to continue its schedule, or start a new run from it with [train] init)\n", out, res.Resumed)
		return res, nil
	}
	if res.Resumed > 0 {
		fmt.Fprintf(env.stdout, "resumed from step %d\n", res.Resumed)
	}
	fmt.Fprintf(env.stdout, "trained %d steps in %.1fs (final loss %.4g); checkpoints and metrics.jsonl in %s\n",
		res.Steps, time.Since(start).Seconds(), res.Loss, out)
	return res, nil
}

package main

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/train"
)

// runBenchEMS computes DPM-Solver-v3's empirical model statistics for a trained checkpoint, from samples of
// the model itself, and stores them beside the checkpoint.
func runBenchEMS(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "bench ems", "bench ems --checkpoint DIR [flags]")
	ckptPath := fs.String("checkpoint", "", "checkpoint (step directory, or run directory for its latest step)")
	out := fs.String("out", "", "output file (default: ems.safetensors in the checkpoint's step directory)")
	samples := fs.Int("samples", 256, "calibration samples, drawn from the model with DPM-Solver++(2M)")
	solverSteps := fs.Int("calibration-steps", 50, "DPM-Solver++(2M) steps of the calibration samples")
	steps := fs.Int("steps", 120, "log-SNR grid intervals")
	probes := fs.Int("probes", 0, "Rademacher probes for the Jacobian diagonal (0: exact up to dimension 128, else 8)")
	batch := fs.Int("batch", 64, "examples per network call")
	seed := fs.Uint64("seed", 1, "seed of the calibration noise")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if err := wantArgs(fs, 0, "none"); err != nil {
		return err
	}
	if *ckptPath == "" {
		return usagef("--checkpoint is required")
	}
	if *samples < 1 || *solverSteps < 1 || *steps < 1 || *batch < 1 || *probes < 0 {
		return usagef("--samples, --calibration-steps, --steps and --batch must be positive, --probes non-negative")
	}
	c, err := train.LoadCheckpoint(*ckptPath, train.LoadOptions{})
	if err != nil {
		return err
	}
	if c.Denoiser == nil {
		return fmt.Errorf("checkpoint %s has no denoiser (a regression network?)", c.Path)
	}
	start := time.Now()
	x0, err := diffusion.ModelCalibration(ctx, c.Denoiser, c.Process, *samples, *solverSteps, *batch, *seed)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "%d calibration samples of dimension %d from the model (%.1fs)\n", *samples, c.Denoiser.Dim(), time.Since(start).Seconds())
	bar := newProgressBar(env.stderr, "EMS", "pass", 2*(*steps+1))
	start = time.Now()
	ems, err := diffusion.ComputeEMS(ctx, c.Denoiser, c.Process, x0, diffusion.EMSOptions{Steps: *steps, Batch: *batch,
		Probes: *probes, Seed: *seed, Source: "checkpoint " + c.Path, Progress: func(done, _ int) { bar.Update(done) }})
	if err != nil {
		return err
	}
	path := *out
	if path == "" {
		path = filepath.Join(c.Path, "ems.safetensors")
	}
	if err := ems.Save(path); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "statistics on %d log-SNRs of %s in %.1fs: %s\n", len(ems.Lambda), c.Process.Name(), time.Since(start).Seconds(), path)
	return nil
}

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
// the model itself, and stores them beside the checkpoint (or loads them with --load), then compares
// DPM-Solver-v3 with fixed solvers on the model's own ODE (diffusion.PathwiseBench).
func runBenchEMS(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "bench ems", "bench ems --checkpoint DIR [flags]")
	ckptPath := fs.String("checkpoint", "", "checkpoint (step directory, or run directory for its latest step)")
	out := fs.String("out", "", "output file (default: ems.safetensors in the checkpoint's step directory)")
	samples := fs.Int("samples", 256, "calibration samples, drawn from the model with DPM-Solver++(2M)")
	solverSteps := fs.Int("calibration-steps", 50, "DPM-Solver++(2M) steps of the calibration samples")
	steps := fs.Int("steps", 120, "log-SNR grid intervals")
	probes := fs.Int("probes", 0, "Rademacher probes for the Jacobian diagonal (0: exact up to dimension 128, else 8)")
	batch := fs.Int("batch", 64, "examples per network call")
	step := fs.Float64("fd-step", 1e-4, "relative finite-difference step in x and log-SNR")
	seed := fs.Uint64("seed", 1, "seed of the calibration noise")
	load := fs.String("load", "", "load statistics from this file instead of computing them")
	nfe := fs.String("compare-nfe", "5,10,20", "NFE budgets of the solver comparison (empty: none)")
	points := fs.Int("compare-points", 32, "initial noises of the solver comparison")
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
	ems, err := benchCheckpointEMS(ctx, env, c, *load, *out, *samples, *solverSteps, *steps, *probes, *batch, *seed, *step)
	if err != nil {
		return err
	}
	if *nfe == "" {
		return nil
	}
	budgets, err := parseBudgets(*nfe)
	if err != nil {
		return err
	}
	var solvers []diffusion.Solver
	for _, n := range []string{"ddim", "dpmpp-2m", "unipc-2", "ipndm"} {
		s, err := diffusion.NewSolver(n)
		if err != nil {
			return err
		}
		solvers = append(solvers, s)
	}
	for _, n := range diffusion.EMSSolverNames() {
		s, err := diffusion.NewSolverWithStats(n, ems)
		if err != nil {
			return err
		}
		solvers = append(solvers, s)
	}
	sch := diffusion.DefaultSchedule(c.Process)
	bar := newProgressBar(env.stderr, "solvers", "solver", len(solvers))
	start := time.Now()
	rows, st, err := diffusion.PathwiseBench{Process: c.Process, Schedule: sch, Denoiser: c.Denoiser, Points: *points, NFE: budgets,
		Solvers: solvers, Seed: *seed + 1, Progress: func(done, _ int) { bar.Update(done) }}.Run(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "\nPathwise RMSE against the model's own probability-flow ODE (%d initial noises, adaptive reference to\n"+
		"t_min at tolerance 1e-7 and its denoising step, %d evaluations), process %s, schedule %s:\n\n", *points, st.NFE, c.Process.Name(), sch.Name())
	writeBenchTable(env.stdout, "markdown", budgets, rows)
	fmt.Fprintf(env.stdout, "\n(%.1fs)\n", time.Since(start).Seconds())
	return nil
}

// benchCheckpointEMS loads the statistics from load, or computes them from the model's own samples and saves
// them to out (default: beside the checkpoint).
func benchCheckpointEMS(ctx context.Context, env *cliEnv, c *train.Checkpoint, load, out string, samples, solverSteps, steps, probes, batch int, seed uint64, step float64) (*diffusion.EMS, error) {
	if load != "" {
		ems, err := diffusion.LoadEMS(load, c.Process, c.Denoiser.Dim())
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(env.stdout, "statistics on %d log-SNRs of %s from %s (%s)\n", len(ems.Lambda), ems.Process, load, ems.Source)
		return ems, nil
	}
	start := time.Now()
	x0, err := diffusion.ModelCalibration(ctx, c.Denoiser, c.Process, samples, solverSteps, batch, seed)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(env.stdout, "%d calibration samples of dimension %d from the model (%.1fs)\n", samples, c.Denoiser.Dim(), time.Since(start).Seconds())
	bar := newProgressBar(env.stderr, "EMS", "pass", 2*(steps+1))
	start = time.Now()
	ems, err := diffusion.ComputeEMS(ctx, c.Denoiser, c.Process, x0, diffusion.EMSOptions{Steps: steps, Batch: batch,
		Probes: probes, Seed: seed, Step: step, Source: "checkpoint " + c.Path, Progress: func(done, _ int) { bar.Update(done) }})
	if err != nil {
		return nil, err
	}
	if out == "" {
		out = filepath.Join(c.Path, "ems.safetensors")
	}
	if err := ems.Save(out); err != nil {
		return nil, err
	}
	fmt.Fprintf(env.stdout, "statistics on %d log-SNRs of %s in %.1fs: %s\n", len(ems.Lambda), c.Process.Name(), time.Since(start).Seconds(), out)
	return ems, nil
}

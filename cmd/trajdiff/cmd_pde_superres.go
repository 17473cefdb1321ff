package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/pde/wdno"
)

func runPDESuperres(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "pde superres", "pde superres --checkpoint DIR --data test.arrow [--passes 3] [--limit n] [--oracle] [--out report.json]")
	ckpt := fs.String("checkpoint", "", "run or step directory of a 'pde train' run with task = \"superres\"")
	data := fs.String("data", "", "test dataset of 'trajdiff simulate burgers' or 'simulate smoke' at the finest resolution to reach; the input is it subsampled 2^passes times")
	passes := fs.Int("passes", 3, "super-resolution steps, each doubling the resolution (Burgers: in time and space; smoke: in space)")
	oracle := fs.Bool("oracle", false, "also run each step from the true coarse trajectory of its level (one step's error without the chain's)")
	solver := fs.String("solver", "", "solver (default: the checkpoint's [sample] solver, else ddpm)")
	steps := fs.Int("steps", 0, "solver steps (default: [sample] steps, else 50)")
	weights := fs.String("weights", "default", "weights: default (the run's sample.ema), ema or raw")
	limit := fs.Int("limit", 0, "only the first n test cases; 0: all")
	batch := fs.Int("batch", 16, "cases per sampling batch")
	seed := fs.Uint64("seed", 1, "noise seed")
	out := fs.String("out", "", "report JSON, written atomically")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if err := wantArgs(fs, 0, "none"); err != nil {
		return err
	}
	if *ckpt == "" || *data == "" {
		return usagef("--checkpoint and --data are required")
	}
	if *passes < 1 || *steps < 0 || *limit < 0 || *batch < 1 {
		return usagef("--passes and --batch must be at least 1, --steps and --limit non-negative")
	}
	if *solver != "" {
		if _, err := diffusion.NewSolver(*solver); err != nil {
			return usagef("%v", err)
		}
	}
	w, err := parseWeights(*weights)
	if err != nil {
		return err
	}
	m, err := wdno.LoadSuperres(*ckpt, w)
	if err != nil {
		return err
	}
	d, err := wdno.OpenData(*data)
	if err != nil {
		return err
	}
	defer d.Close()
	var cases []int
	if *limit > 0 {
		for i := range min(*limit, d.Len()) {
			cases = append(cases, i)
		}
	}
	bars := newProgressBars(env.stderr, "pde superres to ", "cases")
	rep, err := wdno.EvaluateSuperres(ctx, m, d, wdno.SuperresEvalOptions{Passes: *passes, Cases: cases, Batch: *batch,
		Solver: *solver, Steps: *steps, Seed: *seed, Oracle: *oracle,
		Progress: bars.Update})
	if err != nil {
		return err
	}
	input := wdno.SuperresLevel{Frames: rep.Input[0], Cells: rep.Input[1], Grid: rep.Grid}
	fmt.Fprintf(env.stdout, "super-resolution of %s from %s, %d cases, %d passes (%s, %d steps; trained to produce %s)\n",
		rep.Data, input.Label(), rep.Cases, len(rep.Levels), rep.Solver, rep.Steps, strings.Join(m.TrainedLabels(), ", "))
	writeSuperresTable(env.stdout, rep)
	return saveReport(env, *out, rep)
}

func writeSuperresTable(w io.Writer, rep *wdno.SuperresReport) {
	fmt.Fprintf(w, "%-10s %-9s %-12s %22s %9s %7s\n", "level", "zero-shot", "method", "MSE (± SE)", "seconds", "failed")
	for _, lv := range rep.Levels {
		for _, m := range rep.Methods {
			fmt.Fprintf(w, "%-10s %-9v %-12s %11.4e ± %8.2e %9.1f %7d\n", lv.Label(), lv.ZeroShot, m,
				lv.MSE[m], lv.StdErr[m], lv.Seconds[m], lv.Failed[m])
		}
	}
}

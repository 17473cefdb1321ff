package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/internal/fsutil"
	"github.com/trajdiff/trajdiff/train"
)

func sampleCommand() command {
	return command{name: "sample", summary: "sample trajectory windows from a trained checkpoint (any solver, fixed entries)", run: runSample}
}

// fixFlags collects --fix T:C=V.
type fixFlags []fixedEntry

func (f *fixFlags) String() string { return fmt.Sprint(len(*f), " fixed entries") }
func (f *fixFlags) Set(s string) error {
	tc, v, ok := strings.Cut(s, "=")
	ts, cs, ok2 := strings.Cut(tc, ":")
	t, err1 := strconv.Atoi(ts)
	c, err2 := strconv.Atoi(cs)
	val, err3 := strconv.ParseFloat(v, 64)
	if !ok || !ok2 || err1 != nil || err2 != nil || err3 != nil {
		return fmt.Errorf("%q: want STEP:COMPONENT=VALUE, e.g. 0:2=1.5 (negative STEP counts from the end)", s)
	}
	*f = append(*f, fixedEntry{WindowEntry: train.WindowEntry{T: t, C: c}, values: []float64{val}})
	return nil
}

func runSample(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "sample", "sample --checkpoint DIR --out FILE.json [--solver NAME] [--steps N] [--n N] [--fix T:C=V ...]")
	ckpt := fs.String("checkpoint", "", "run directory (its latest checkpoint) or a step directory")
	out := fs.String("out", "", "output JSON: {\"shape\": [n, horizon, transition], \"samples\": ...} in the data's units")
	solverName := fs.String("solver", "", "solver (default: the configuration's [sample] solver, else dpmpp-2m)")
	steps := fs.Int("steps", 0, "solver steps (default: [sample] steps, else 10)")
	schedule := fs.String("schedule", "", "schedule (default: the process's)")
	n := fs.Int("n", 16, "number of samples")
	seed := fs.Uint64("seed", 1, "noise seed")
	raw := fs.Bool("no-ema", false, "sample with the raw weights instead of their EMA")
	var fixes fixFlags
	fs.Var(&fixes, "fix", "clamp transition component C at step T to value V in data units (repeatable): T:C=V")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if err := wantArgs(fs, 0, "none"); err != nil {
		return err
	}
	if *ckpt == "" || *out == "" {
		return usagef("--checkpoint and --out are required")
	}
	if *n < 1 {
		return usagef("--n must be at least 1")
	}
	m, err := loadWindowModel(*ckpt, !*raw)
	if err != nil {
		return err
	}
	name, st, schName := *solverName, *steps, *schedule
	if name == "" {
		name = m.cfg.Sample.Solver
	}
	if name == "" {
		name = "dpmpp-2m"
	}
	if st == 0 {
		st = m.cfg.Sample.Steps
	}
	if st == 0 {
		st = 10
	}
	if schName == "" {
		schName = m.cfg.Sample.Schedule
	}
	solver, err := diffusion.NewSolver(name)
	if err != nil {
		return usagef("%v", err)
	}
	sch, err := scheduleFor(m.p, schName)
	if err != nil {
		return usagef("%v", err)
	}
	x, plan, err := m.sample(ctx, solver, sch, st, *n, *seed, fixes)
	if err != nil {
		return err
	}
	samples := make([][][]float64, *n)
	for s := range samples {
		samples[s] = make([][]float64, m.horizon)
		for t := range samples[s] {
			o := (s*m.horizon + t) * m.transition
			samples[s][t] = x[o : o+m.transition]
		}
	}
	b, err := json.Marshal(map[string]any{"shape": []int{*n, m.horizon, m.transition}, "columns": m.cfg.Data.Columns,
		"solver": name, "steps": st, "nfe": plan.NFE, "samples": samples})
	if err != nil {
		return err
	}
	if err := fsutil.WriteFileAtomic(*out, append(b, '\n')); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "%d samples of %d x %d with %s (%d steps, %d NFE) -> %s\n", *n, m.horizon, m.transition, name, st, plan.NFE, *out)
	return nil
}

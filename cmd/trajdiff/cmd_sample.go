package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/gpu"
	"github.com/trajdiff/trajdiff/gpu/fromnn"
	"github.com/trajdiff/trajdiff/internal/fsutil"
	"github.com/trajdiff/trajdiff/train"
)

func sampleCommand() command {
	return command{name: "sample", summary: "sample trajectory windows from a trained checkpoint (any solver, fixed entries)", run: runSample}
}

// fixFlags collects --fix T:C=V.
type fixFlags []train.Fixed

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
	*f = append(*f, train.Fixed{WindowEntry: train.WindowEntry{T: t, C: c}, Values: []float64{val}})
	return nil
}

// optionalBool is a boolean flag that remembers whether it was given (--name, --name=false).
type optionalBool struct{ set, value bool }

func (b *optionalBool) IsBoolFlag() bool { return true }
func (b *optionalBool) String() string {
	if b == nil || !b.set {
		return ""
	}
	return strconv.FormatBool(b.value)
}
func (b *optionalBool) Set(s string) error {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return err
	}
	b.set, b.value = true, v
	return nil
}

func runSample(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "sample", "sample --checkpoint DIR --out FILE.json [--solver NAME] [--steps N] [--n N] [--ema=false] [--fix T:C=V ...] [--guidance W] [--device cpu|gpu|gpu:N]")
	ckpt := fs.String("checkpoint", "", "run directory (its latest checkpoint) or a step directory")
	out := fs.String("out", "", "output JSON: {\"shape\": [n, horizon, transition], \"columns\": [\"actions[0]\", ...], \"samples\": ...} in the data's units")
	solverName := fs.String("solver", "", "solver (default: the configuration's [sample] solver, else dpmpp-2m)")
	steps := fs.Int("steps", 0, "solver steps (default: [sample] steps, else 10)")
	schedule := fs.String("schedule", "", "schedule, or a FILE.json from 'schedule search' (default: [sample] schedule, else the process's)")
	n := fs.Int("n", 16, "number of samples")
	data := fs.String("data", "", "the training dataset, where it is now if it moved since training (default: the recorded data.path)")
	seed := fs.Uint64("seed", 1, "noise seed")
	guidance := fs.Float64("guidance", 0, "classifier-free guidance weight w (e.g. 1.2; 0: none) of a model trained with cond_dropout")
	precision := registerPrecision(fs)
	device := fs.String("device", "cpu", "cpu, or gpu / gpu:N for a binary built with -tags trajdiff_cuda: the whole sampler on the GPU in float32 (mlp and temporal_unet networks, per-window conditions and --guidance included)")
	var ema optionalBool
	fs.Var(&ema, "ema", "--ema samples with the EMA weights, --ema=false with the raw weights (default: the configuration's [sample] ema, else the EMA)")
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
	if *steps < 0 {
		return usagef("--steps must be at least 1 (0 for the default), got %d", *steps)
	}
	ordinal, err := parseDevice(*device)
	if err != nil {
		return usagef("%v", err)
	}
	prec, err := parsePrecision(*precision, ordinal)
	if err != nil {
		return err
	}
	weights := train.DefaultWeights // the configuration decides unless --ema is given
	if ema.set {
		weights = train.RawWeights
		if ema.value {
			weights = train.EMAWeights
		}
	}
	m, err := train.Load(*ckpt, train.LoadOptions{Weights: weights, DataPath: *data})
	if err != nil {
		return err
	}
	var bar *progressBar
	req := train.SampleRequest{N: *n, Solver: *solverName, Schedule: *schedule, Steps: *steps, Seed: *seed, Fixed: fixes, Guidance: *guidance,
		Progress: func(done, total int) {
			if bar == nil {
				bar = newProgressBar(env.stderr, "sample", "steps", total)
			}
			if bar.terminal { // sampling takes seconds: no log lines on a pipe
				bar.Update(done)
			}
		}}
	var s *train.Samples
	on := "CPU"
	if ordinal < 0 {
		s, err = m.Sample(ctx, req)
	} else {
		var info gpu.Info
		s, info, err = fromnn.Sample(ctx, m, req, fromnn.SampleOptions{Ordinal: ordinal, Precision: prec})
		on = info.String()
	}
	if errors.Is(err, train.ErrBadRequest) {
		return usagef("%v", err)
	}
	if err != nil {
		return err
	}
	samples := make([][][]float64, s.N)
	for i := range samples {
		samples[i] = s.Window(i)
	}
	b, err := json.Marshal(map[string]any{"shape": []int{s.N, s.Horizon, s.Transition}, "columns": s.Components,
		"solver": s.Solver, "schedule": s.Schedule, "steps": s.Steps, "nfe": s.NFE, "ema": s.EMA, "samples": samples})
	if err != nil {
		return err
	}
	if err := fsutil.WriteFileAtomic(*out, append(b, '\n')); err != nil {
		return err
	}
	weightsUsed := "EMA"
	if !s.EMA {
		weightsUsed = "raw"
	}
	fmt.Fprintf(env.stdout, "%d samples of %d x %d with %s (%d steps, %d NFE, %s weights) on %s -> %s\n", s.N, s.Horizon, s.Transition, s.Solver, s.Steps, s.NFE, weightsUsed, on, *out)
	return nil
}

// checkSolverName refuses an unknown --solver before any work ("" takes the configuration's). DPM-Solver-v3
// is accepted here: the model reads its statistics when it samples (train.StatisticsFile).
func checkSolverName(name string) error {
	if name == "" || slices.Contains(diffusion.EMSSolverNames(), name) {
		return nil
	}
	if _, err := diffusion.NewSolver(name); err != nil {
		return usagef("%v", err)
	}
	return nil
}

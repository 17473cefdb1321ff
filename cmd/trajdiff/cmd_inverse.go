package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/rl"
	"github.com/trajdiff/trajdiff/rl/diffuser"
	"github.com/trajdiff/trajdiff/train"
)

func inverseCommand() command {
	return command{name: "inverse", summary: "reconstruct held-out maze2d plans from start, goal and waypoints: RED-Diff vs clamping vs guidance", run: runInverse}
}

const inverseSynopsis = "inverse --checkpoint DIR --heldout FILE [--n N] [--waypoints K] [--methods clamp,guided,reddiff,ends,linear] [flags]"

func runInverse(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "inverse", inverseSynopsis)
	ckpt := fs.String("checkpoint", "", "a maze2d Diffuser checkpoint (run or step directory)")
	data := fs.String("data", "", "the training dataset, if it moved since training (for the normalisers)")
	heldout := fs.String("heldout", "", "held-out episodes (`trajdiff simulate maze2d --segments goal` with a seed training never used)")
	layoutName := fs.String("layout", "umaze", "maze layout of the checkpoint and the held-out data")
	n := fs.Int("n", 16, "held-out windows (problems), solved as one batch")
	waypoints := fs.Int("waypoints", 3, "interior steps whose position is measured, evenly spaced")
	methods := fs.String("methods", "clamp,guided,reddiff,ends,linear", "methods to compare: clamp, guided, reddiff, and the baselines ends (waypoints ignored) and linear (no model)")
	solver := fs.String("solver", "", "sampler of clamp and guided (default: the checkpoint's)")
	schedule := fs.String("schedule", "", "schedule of clamp and guided (default: the checkpoint's)")
	steps := fs.Int("steps", 0, "sampler steps of clamp and guided (0: the checkpoint's)")
	guidance := fs.Float64("guidance", 0.5, "guided: step zeta in (0, 1] on the x0-prediction's measurement residual")
	rdSteps := fs.Int("reddiff-steps", 200, "RED-Diff steps (one network evaluation each)")
	lambda := fs.Float64("lambda", 0.25, "RED-Diff regulariser weight (w_t = lambda sigma_t/alpha_t)")
	lr := fs.Float64("lr", 0.1, "RED-Diff Adam learning rate")
	sigmaY := fs.Float64("sigma-y", 0.05, "RED-Diff measurement noise standard deviation, in training units")
	average := fs.Int("average", 0, "RED-Diff: average the last N iterates (0: the last iterate)")
	samples := fs.Int("samples", 1, "clamp, guided, ends: average this many draws per problem (a posterior-mean estimate)")
	seed := fs.Uint64("seed", 1, "seed of the held-out windows' offsets and of every method's noise")
	device := fs.String("device", "cpu", "cpu, or gpu / gpu:N for a binary built with -tags trajdiff_cuda: clamp and ends sampled on the GPU in float32; "+
		"guided and reddiff evaluate the network there and keep their loops on the CPU (models without a condition, or with one all problems share)")
	precision := registerPrecision(fs)
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if err := wantArgs(fs, 0, "none"); err != nil {
		return err
	}
	if *ckpt == "" || *heldout == "" {
		return usagef("--checkpoint and --heldout are required")
	}
	var ms []diffuser.InverseMethod
	for _, s := range strings.Split(*methods, ",") {
		ms = append(ms, diffuser.InverseMethod(strings.TrimSpace(s)))
	}
	l, err := rl.LayoutByName(*layoutName)
	if err != nil {
		return usagef("%v", err)
	}
	dev, err := planDeviceSampler(env, "inverse", *device, *precision, 1)
	if err != nil {
		return err
	}
	defer dev.close()
	m, err := train.Load(*ckpt, train.LoadOptions{DataPath: *data})
	if err != nil {
		return err
	}
	planner, err := diffuser.New(m, l, diffuser.Options{Solver: *solver, Schedule: *schedule, Steps: *steps, Sample: dev.sample, Network: dev.network})
	if err != nil {
		return err
	}
	ds, err := datasets.Open(*heldout)
	if err != nil {
		return err
	}
	defer ds.Close()
	problems, err := diffuser.HeldOutWindows(ds, planner.Horizon(), *n, *seed)
	if err != nil {
		return err
	}
	wp, err := diffuser.WaypointSteps(planner.Horizon(), *waypoints)
	if err != nil {
		return err
	}
	rd := diffusion.DefaultREDDiffOptions()
	rd.Steps, rd.Lambda, rd.LR, rd.SigmaY, rd.Average = *rdSteps, *lambda, *lr, *sigmaY, *average
	opt := diffuser.InverseOptions{Waypoints: *waypoints, Guidance: *guidance, REDDiff: rd, Seed: *seed, Samples: *samples}
	fmt.Fprintf(env.stdout, "trajdiff inverse: %d held-out %d-step windows of %s (seed %d), measured: start and goal states, positions at steps %v\n",
		len(problems), planner.Horizon(), *heldout, *seed, wp)
	type row struct {
		rec *diffuser.Reconstruction
		met diffuser.InverseMetrics
	}
	var rows []row
	for _, meth := range ms {
		bar := newProgressBar(env.stderr, "inverse "+string(meth), "steps", 0)
		o := opt
		o.Progress = bar.Func()
		if *samples > 1 && (meth == diffuser.MethodREDDiff || meth == diffuser.MethodLinear) {
			o.Samples = 1 // one estimate; --samples applies to the samplers
		}
		rec, err := planner.Reconstruct(ctx, meth, problems, o)
		if err != nil {
			return err
		}
		rows = append(rows, row{rec, diffuser.MeasureInverse(l, problems, rec.Windows, wp)})
	}
	tw := tabwriter.NewWriter(env.stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "method\tNFE\ttime/batch\tRMSE pos\tRMSE free\tviol mean\tviol max\twp jump\tstep\twall segs\tin walls\t")
	for _, r := range rows {
		name := string(r.rec.Method)
		switch r.rec.Method {
		case diffuser.MethodGuided:
			name = fmt.Sprintf("guided %.2g", *guidance)
		case diffuser.MethodREDDiff:
			name = fmt.Sprintf("reddiff l=%.2g", *lambda)
		}
		if *samples > 1 && r.rec.Method != diffuser.MethodREDDiff && r.rec.Method != diffuser.MethodLinear {
			name += fmt.Sprintf(" (mean of %d)", *samples)
		}
		fmt.Fprintf(tw, "%s\t%d\t%.2fs\t%.4f\t%.4f\t%.2e\t%.2e\t%.3f\t%.3f\t%.2f\t%.0f%%\t\n", name, r.rec.NFE, r.rec.Elapsed.Seconds(),
			r.met.PositionRMSE, r.met.FreeRMSE, r.met.MeanViolation, r.met.MaxViolation, r.met.WaypointJump, r.met.MeanStep, r.met.WallSegments, 100*r.met.InWalls)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(rows) > 0 {
		truthWindows := make([][][6]float64, len(problems))
		for j, pr := range problems {
			truthWindows[j] = pr.Truth
		}
		truthStep := diffuser.MeasureInverse(l, problems, truthWindows, wp).MeanStep
		fmt.Fprintf(env.stdout, "maze units; RMSE over all steps (pos) and unmeasured steps (free); violation = distance at measured positions; wp jump = RMS step into/out of a waypoint, step = mean step (truth: %.3f); wall segs = mean per window (truth: %.2f)\n",
			truthStep, rows[0].met.TruthWallSegments)
	}
	return nil
}

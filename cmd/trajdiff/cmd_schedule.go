package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"sort"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/rl"
	"github.com/trajdiff/trajdiff/rl/diffuser"
	"github.com/trajdiff/trajdiff/train"
)

func scheduleCommand() command {
	return command{name: "schedule", summary: "learned solver schedules: 'schedule search' optimises a solver's time steps against the reference ODE", run: runSchedule}
}

const scheduleUsage = `Usage: trajdiff schedule search (--target mixture|gaussian | --checkpoint DIR) --solver NAME --nfe N --out FILE.json [flags]

  search    optimise the time grid of one solver at one NFE budget for one denoiser: the exact denoiser of the
            sampler benchmark's 64-D mixture or Gaussian, or a trained Diffuser maze2d checkpoint (with its
            start/goal inpainting and clipping); loss = pathwise RMSE against the adaptive reference ODE
            solution from the same calibration noise. The file it writes is accepted wherever a schedule
            name is (--schedule FILE.json, [sample] schedule). With --orders search (DPM-Solver++ multistep
            and UniPC) the order of every step is searched with the grid, as in S^3/USF; the file then
            records the orders and runs only with the solver it was searched for.

Run 'trajdiff schedule search --help' for its flags; diffusion.ScheduleSearch documents the method.
`

func runSchedule(ctx context.Context, env *cliEnv, args []string) error {
	return runSubcommand(ctx, env, args, scheduleUsage, []subcommand{{"search", runScheduleSearch}})
}

func runScheduleSearch(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "schedule search", "schedule search (--target mixture|gaussian | --checkpoint DIR) --solver NAME --nfe N --out FILE.json [flags]")
	target := fs.String("target", "", "exact target of 'bench samplers': mixture (its --dim-D, --components mixture) or gaussian (one component; bench's --metric frechet target)")
	ckpt := fs.String("checkpoint", "", "or: a Diffuser maze2d run directory (or step directory); calibration pairs are random starts and goals of --layout")
	layout := fs.String("layout", "umaze", "maze layout of the checkpoint")
	data := fs.String("data", "", "the checkpoint's training dataset, if it moved since training")
	process := fs.String("process", "edm", "process of the exact targets (a checkpoint uses its own)")
	dim := fs.Int("dim", 64, "target dimension (as bench samplers)")
	components := fs.Int("components", 4, "mixture components (--target mixture)")
	solverName := fs.String("solver", "dpmpp-2m", "solver (deterministic)")
	nfe := fs.Int("nfe", 10, "NFE budget")
	points := fs.Int("points", 0, "calibration size: initial noises (default 256 for targets, 32 windows for a checkpoint)")
	checkPoints := fs.Int("check-points", -1, "second calibration batch that selects among the search's improvements, against grids that fit the first batch only (default: as many as --points; 0: none)")
	seed := fs.Uint64("seed", 7, "calibration seed (noise, starts and goals, exploration); keep it apart from evaluation seeds (bench samplers uses --seed 1)")
	maxEvals := fs.Int("max-evals", 0, "loss evaluations of the optimiser (default 150 per free parameter, at least 300)")
	budget := fs.Duration("budget", 0, "wall-time budget of the optimiser, e.g. 10m (0: none; a search stopped by it is not reproducible)")
	refTol := fs.Float64("ref-tol", 0, "tolerance of the reference ODE solve (default 1e-10 for targets, 1e-6 for a checkpoint)")
	out := fs.String("out", "", "schedule file to write (a name ending in .json)")
	ordersFlag := fs.String("orders", "default", "step orders of a multistep solver (dpmpp-2m/3m, unipc-N): default (the solver's own, not searched), search (searched jointly with the grid), or an explicit list kept fixed, e.g. 1,2,3,3,1")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if err := wantArgs(fs, 0, "none"); err != nil {
		return err
	}
	if (*target == "") == (*ckpt == "") {
		return usagef("give exactly one of --target and --checkpoint")
	}
	if !diffusion.IsScheduleFile(*out) {
		return usagef("--out must name a .json file, got %q", *out)
	}
	if *nfe < 1 || *points < 0 || *checkPoints < -1 || *maxEvals < 0 || *budget < 0 || *refTol < 0 || *dim < 1 || *components < 1 {
		return usagef("--nfe, --dim and --components must be positive; --points, --max-evals, --budget and --ref-tol non-negative")
	}
	solver, err := diffusion.NewSolver(*solverName)
	if err != nil {
		return usagef("%v", err)
	}
	if diffusion.Stochastic(solver) {
		return usagef("%s is stochastic: a schedule search needs a deterministic solver", solver.Name())
	}
	s := diffusion.ScheduleSearch{Solver: solver, NFE: *nfe, MaxEvals: *maxEvals, Budget: *budget, RefTol: *refTol, Seed: *seed}
	switch *ordersFlag {
	case "default", "":
	case "search":
		s.SearchOrders = true
	default:
		if s.Orders, err = diffusion.ParseStepOrders(*ordersFlag); err != nil {
			return usagef("--orders: %v (or default, search)", err)
		}
	}
	if _, ok := solver.(diffusion.StepOrderSolver); !ok && (s.SearchOrders || s.Orders != nil) {
		return usagef("--orders %s: %s takes no per-step orders (dpmpp-2m, dpmpp-3m and unipc-N do)", *ordersFlag, solver.Name())
	}
	var desc string
	n := *points
	switch {
	case *target != "":
		if n == 0 {
			n = 256
		}
		if s.Process, err = diffusion.NewProcess(*process); err != nil {
			return usagef("%v", err)
		}
		k := *components
		switch *target {
		case "mixture":
		case "gaussian":
			k = 1
		default:
			return usagef("--target %q: want mixture or gaussian", *target)
		}
		// bench samplers' target: RandomMixture keyed by the dimension.
		g, err := diffusion.RandomMixture(uint64(*dim), *dim, k)
		if err != nil {
			return err
		}
		s.Denoiser = g.Denoiser(s.Process)
		rng := rand.New(rand.NewPCG(*seed, *seed^0x5851f42d4c957f2d)) // as bench samplers draws its noise for --seed
		s.Noise = g.Noise(rng, s.Process, s.Process.TMax(), n)
		if nc := checkCount(*checkPoints, n); nc > 0 {
			s.Check = g.Noise(rng, s.Process, s.Process.TMax(), nc)
		}
		desc = fmt.Sprintf("exact denoiser of bench samplers' %d-D %s (RandomMixture(%d, %d, %d))", *dim, *target, *dim, *dim, k)
	default:
		if n == 0 {
			n = 32
		}
		if *refTol == 0 {
			s.RefTol = 1e-6
		}
		l, err := rl.LayoutByName(*layout)
		if err != nil {
			return usagef("%v", err)
		}
		m, err := train.Load(*ckpt, train.LoadOptions{DataPath: *data})
		if err != nil {
			return err
		}
		planner, err := diffuser.New(m, l, diffuser.Options{Solver: solver.Name(), Steps: *nfe})
		if errors.Is(err, diffuser.ErrBadInput) {
			return usagef("%v", err)
		} else if err != nil {
			return err
		}
		pr, err := planner.CalibrationProblem(n, *seed, solver.Name(), *nfe)
		if err != nil {
			return err
		}
		s.Process, s.Denoiser, s.Condition, s.Noise = pr.Process, pr.Denoiser, pr.Condition, pr.Noise
		if nc := checkCount(*checkPoints, n); nc > 0 {
			// The check batch: other starts, goals and noise (the next seed's).
			ck, err := planner.CalibrationProblem(nc, *seed+1, solver.Name(), *nfe)
			if err != nil {
				return err
			}
			s.Check, s.CheckDenoiser, s.CheckCondition = ck.Noise, ck.Denoiser, ck.Condition
		}
		desc = fmt.Sprintf("Diffuser checkpoint %s (EMA %v), %s starts/goals inpainted, x0 clipped", filepath.Base(m.Checkpoint.Path), m.Checkpoint.EMA, l.Name)
	}
	var bar *progressBar // started with the search proper, after the reference solve
	s.Progress = func(pr diffusion.SearchProgress) {
		switch pr.Phase {
		case "reference":
			fmt.Fprintf(env.stderr, "reference ODE solve of %d calibration points...\n", n)
		case "check":
			if pr.Evals == 1 {
				fmt.Fprintf(env.stderr, "scoring %d improvements on the check batch...\n", pr.MaxEvals)
			}
		case "search":
			if bar == nil {
				bar = newProgressBar(env.stderr, "search", "eval", pr.MaxEvals)
			}
			bar.UpdateNote(pr.Evals, fmt.Sprintf("loss %.4g (start %s %.4g, x%.2f)", pr.Best, pr.StartName, pr.StartLoss, pr.StartLoss/pr.Best))
		}
	}
	r, err := s.Run(ctx)
	if err != nil {
		return err
	}
	f := diffusion.NewScheduleFile(s.Process, solver, *nfe, r, desc,
		diffusion.ScheduleCalib{Points: n, CheckPoints: len(s.Check) / s.Denoiser.Dim(), Seed: *seed, RefTol: cmpOr(s.RefTol, 1e-10)})
	if err := f.Save(*out); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "Schedule search: %s at %d NFE on process %s, %s; %d calibration points (seed %d)\n",
		solver.Name(), *nfe, s.Process.Name(), desc, n, *seed)
	fmt.Fprintf(env.stdout, "reference: %d evaluations; search: %d loss evaluations in %.1fs\n", r.Reference.NFE, r.Evals, r.Elapsed.Seconds())
	names := make([]string, 0, len(r.StartLosses))
	for k := range r.StartLosses {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		fmt.Fprintf(env.stdout, "  start %-16s loss %.4g\n", k, r.StartLosses[k])
	}
	fmt.Fprintf(env.stdout, "searched: loss %.4g, %.2fx below the best start (%s, %.4g)\n", r.Loss, r.StartLoss/r.Loss, r.Start, r.StartLoss)
	if len(s.Check) > 0 {
		fmt.Fprintf(env.stdout, "check batch (%d points, selects the result): %.4g, start %.4g (%.2fx)\n", len(s.Check)/s.Denoiser.Dim(), r.CheckLoss, r.StartCheck, r.StartCheck/r.CheckLoss)
	}
	if r.Orders != nil {
		fmt.Fprintf(env.stdout, "step orders: %s (start %s)\n", diffusion.FormatStepOrders(r.Orders), diffusion.FormatStepOrders(r.StartOrders))
	}
	fmt.Fprintf(env.stdout, "times: %s\nwrote %s\n", formatTimes(r.Times), *out)
	return nil
}

func checkCount(flag, points int) int {
	if flag < 0 {
		return points
	}
	return flag
}

func cmpOr(v, def float64) float64 {
	if v == 0 || math.IsNaN(v) {
		return def
	}
	return v
}

func formatTimes(ts []float64) string {
	s := ""
	for i, t := range ts {
		if i > 0 {
			s += " "
		}
		s += fmt.Sprintf("%.5g", t)
	}
	return s
}

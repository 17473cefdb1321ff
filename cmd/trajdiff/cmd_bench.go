package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/diffusion/benchplot"
	"github.com/trajdiff/trajdiff/internal/plotfile"
	"gonum.org/v1/plot/vg"
)

func benchCommand() command {
	return command{
		name:    "bench",
		summary: "benchmarks: 'bench samplers' compares every solver's error at fixed NFE budgets; 'bench ems' computes DPM-Solver-v3's statistics for a checkpoint",
		run: func(ctx context.Context, env *cliEnv, args []string) error {
			if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
				fmt.Fprintln(env.stdout, "Usage: trajdiff bench samplers|ems [flags]\n\nRun 'trajdiff bench samplers --help' or 'trajdiff bench ems --help' for their flags.")
				if len(args) == 0 {
					return usagef("missing benchmark name (want: samplers or ems)")
				}
				return nil
			}
			if args[0] == "ems" {
				return runBenchEMS(ctx, env, args[1:])
			}
			if args[0] != "samplers" {
				return usagef("unknown benchmark %q (want: samplers or ems)", args[0])
			}
			return runBenchSamplers(ctx, env, args[1:], "bench samplers")
		},
	}
}

// samplerBenchFlags are the settings of the sampler benchmark, shared with quickstart.
type samplerBenchFlags struct {
	process, schedule, solvers, nfe, format, metric, plot string
	dim, components, points                               int
	seed                                                  uint64
	emsSamples, emsSteps                                  int
}

func (f *samplerBenchFlags) register(fs interface {
	StringVar(*string, string, string, string)
	IntVar(*int, string, int, string)
	Uint64Var(*uint64, string, uint64, string)
}) {
	fs.StringVar(&f.process, "process", "edm", "process")
	fs.StringVar(&f.schedule, "schedule", "", "schedule, or a FILE.json from 'schedule search' (only at its NFE budget) (default: the process's default)")
	fs.StringVar(&f.solvers, "solvers", "all", "comma-separated solver names, or all (the deterministic ones)")
	fs.StringVar(&f.metric, "metric", "rmse", "rmse (pathwise error against the reference ODE solution) or frechet (exact distance of the sampled distribution to the data; needs --components 1)")
	fs.StringVar(&f.nfe, "nfe", "5,10,20,50,100", "comma-separated NFE budgets")
	fs.StringVar(&f.format, "format", "text", "output format: text or markdown")
	fs.StringVar(&f.plot, "plot", "", "also draw error vs NFE, one line per solver, log-log, to this image (.png, .svg, .pdf, ... by extension)")
	fs.IntVar(&f.dim, "dim", 64, "target dimension")
	fs.IntVar(&f.components, "components", 4, "mixture components")
	fs.IntVar(&f.points, "points", 256, "sample points")
	fs.Uint64Var(&f.seed, "seed", 1, "seed for the target's initial noise")
	fs.IntVar(&f.emsSamples, "ems-samples", 256, "calibration samples for DPM-Solver-v3's empirical model statistics")
	fs.IntVar(&f.emsSteps, "ems-steps", 120, "log-SNR grid intervals of DPM-Solver-v3's statistics")
}

func runBenchSamplers(ctx context.Context, env *cliEnv, args []string, name string) error {
	fs := newFlagSet(env, name, name+" [flags]")
	var f samplerBenchFlags
	f.register(fs)
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if err := wantArgs(fs, 0, "none"); err != nil {
		return err
	}
	return benchSamplers(ctx, env, f)
}

func benchSamplers(ctx context.Context, env *cliEnv, f samplerBenchFlags) error {
	p, err := diffusion.NewProcess(f.process)
	if err != nil {
		return usagef("%v", err)
	}
	sch, err := scheduleFor(p, f.schedule)
	if err != nil {
		return usagef("%v", err)
	}
	names := diffusion.SolverNames()
	if _, _, err := diffusion.EMSRange(p); err == nil {
		names = append(names, diffusion.EMSSolverNames()...) // not for processes from zero signal
	}
	if f.solvers != "all" {
		names = strings.Split(f.solvers, ",")
	}
	if f.points < 1 || f.dim < 1 || f.components < 1 {
		return usagef("--points, --dim and --components must be positive")
	}
	if err := checkImagePaths(f.plot); err != nil {
		return err
	}
	if f.metric != "rmse" && f.metric != "frechet" {
		return usagef("--metric must be rmse or frechet, got %q", f.metric)
	}
	if f.metric == "frechet" && f.components != 1 {
		return usagef("--metric frechet needs a single Gaussian (--components 1)")
	}
	budgets, err := parseBudgets(f.nfe)
	if err != nil {
		return err
	}
	g, err := diffusion.RandomMixture(uint64(f.dim), f.dim, f.components)
	if err != nil {
		return err
	}
	var ems *diffusion.EMS // computed for the first solver that needs statistics
	var solvers []diffusion.Solver
	for _, n := range names {
		n = strings.TrimSpace(n)
		if slices.Contains(diffusion.EMSSolverNames(), n) {
			if _, _, err := diffusion.EMSRange(p); err != nil {
				return usagef("%s: %v", n, err)
			}
			if ems == nil {
				if ems, err = benchEMS(ctx, env, f, g, p); err != nil {
					return err
				}
			}
			s, err := diffusion.NewSolverWithStats(n, ems)
			if err != nil {
				return usagef("%v", err)
			}
			solvers = append(solvers, s)
			continue
		}
		s, err := diffusion.NewSolver(n)
		if err != nil {
			return usagef("%v", err)
		}
		if diffusion.Stochastic(s) {
			if f.solvers != "all" {
				return usagef("%s is stochastic: its samples are not a function of the initial noise, so it has no error against the ODE reference (its moments are tested in diffusion's tests)", s.Name())
			}
			continue
		}
		solvers = append(solvers, s)
	}
	bar := newProgressBar(env.stderr, "solvers", "solver", len(solvers))
	start := time.Now()
	b := diffusion.SamplerBench{Metric: f.metric, Process: p, Schedule: sch, Target: g, Points: f.points, NFE: budgets, Solvers: solvers,
		Seed: f.seed, Progress: func(done, _ int) { bar.Update(done) }}
	rows, st, err := b.Run(ctx)
	if err != nil {
		return err
	}
	if f.metric == "frechet" {
		fmt.Fprintf(env.stdout, "Sampler accuracy on a %d-D Gaussian, process %s, schedule %s: exact Frechet distance (W2^2,\n"+
			"FID's formula) between the distribution each solver produces and the data.\n", f.dim, p.Name(), sch.Name())
	} else {
		fmt.Fprintf(env.stdout, "Sampler accuracy on a %d-D, %d-component Gaussian mixture (%d points), process %s, schedule %s:\n"+
			"RMSE per coordinate against the adaptive Dormand-Prince reference of the probability-flow ODE\n"+
			"(tolerance 1e-10, %d evaluations).\n", f.dim, f.components, f.points, p.Name(), sch.Name(), st.NFE)
	}
	fmt.Fprintf(env.stdout, "'*' marks budgets a solver cannot spend exactly (fewer NFE used), '-' budgets it cannot run within.\n")
	if sf, ok := sch.(*diffusion.ScheduleFile); ok && sf.Orders != nil {
		fmt.Fprintf(env.stdout, "The schedule's searched step orders run with %s only; other solvers show '-'.\n", sf.Solver)
	}
	fmt.Fprintln(env.stdout)
	writeBenchTable(env.stdout, f.format, budgets, rows)
	summarise(env.stdout, budgets, rows)
	fmt.Fprintf(env.stdout, "\n(%.1fs)\n", time.Since(start).Seconds())
	if f.plot != "" {
		title := fmt.Sprintf("%d-D, %d-component mixture, %s, %s", f.dim, f.components, p.Name(), sch.Name())
		if f.metric == "frechet" {
			title = fmt.Sprintf("%d-D Gaussian, %s, %s", f.dim, p.Name(), sch.Name())
		}
		pl, err := benchplot.Plot(rows, budgets, f.metric, title)
		if err != nil {
			return err
		}
		if err := plotfile.WriteFile(f.plot, pl, 7*vg.Inch, 5*vg.Inch); err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "error vs NFE -> %s\n", f.plot)
	}
	return nil
}

// parseBudgets reads a comma-separated list of NFE budgets.
func parseBudgets(list string) ([]int, error) {
	var budgets []int
	for _, v := range strings.Split(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 1 {
			return nil, usagef("NFE budgets: %q is not a positive integer", v)
		}
		budgets = append(budgets, n)
	}
	return budgets, nil
}

// benchEMS computes DPM-Solver-v3's statistics from the target's exact denoiser, with a progress bar, and
// reports their cost.
func benchEMS(ctx context.Context, env *cliEnv, f samplerBenchFlags, g *diffusion.GaussianMixture, p diffusion.Process) (*diffusion.EMS, error) {
	bar := newProgressBar(env.stderr, "EMS", "pass", 2*(f.emsSteps+1))
	start := time.Now()
	ems, err := diffusion.MixtureEMS(ctx, g, p, f.emsSamples, diffusion.EMSOptions{Steps: f.emsSteps, Seed: f.seed + 1,
		Progress: func(done, _ int) { bar.Update(done) }})
	if err != nil {
		return nil, fmt.Errorf("empirical model statistics: %w", err)
	}
	fmt.Fprintf(env.stdout, "DPM-Solver-v3 statistics: %d calibration samples, %d log-SNR points, computed from the exact denoiser in %.1fs.\n",
		f.emsSamples, f.emsSteps+1, time.Since(start).Seconds())
	return ems, nil
}

func writeBenchTable(w io.Writer, format string, budgets []int, rows []diffusion.SamplerBenchRow) {
	md := format == "markdown"
	if md {
		fmt.Fprint(w, "| solver |")
		for _, n := range budgets {
			fmt.Fprintf(w, " %d NFE |", n)
		}
		fmt.Fprint(w, "\n|---|")
		for range budgets {
			fmt.Fprint(w, "---|")
		}
		fmt.Fprintln(w)
	} else {
		fmt.Fprintf(w, "%-16s", "solver")
		for _, n := range budgets {
			fmt.Fprintf(w, " %10s", fmt.Sprintf("%d NFE", n))
		}
		fmt.Fprintln(w)
	}
	for _, r := range rows {
		cells := make([]string, len(budgets))
		for i, n := range budgets {
			switch {
			case math.IsNaN(r.Error[i]):
				cells[i] = "-"
			case r.Used[i] < n:
				cells[i] = fmt.Sprintf("%.2e*", r.Error[i])
			default:
				cells[i] = fmt.Sprintf("%.2e", r.Error[i])
			}
		}
		if md {
			fmt.Fprintf(w, "| %s | %s |\n", r.Solver, strings.Join(cells, " | "))
		} else {
			fmt.Fprintf(w, "%-16s", r.Solver)
			for _, c := range cells {
				fmt.Fprintf(w, " %10s", c)
			}
			fmt.Fprintln(w)
		}
	}
}

// summarise states the headline comparison: the best solver at 10 NFE against DDIM at 100 NFE.
func summarise(w io.Writer, budgets []int, rows []diffusion.SamplerBenchRow) {
	col := func(n int) int {
		for i, b := range budgets {
			if b == n {
				return i
			}
		}
		return -1
	}
	i10, i100 := col(10), col(100)
	if i10 < 0 || i100 < 0 {
		return
	}
	best, bestErr, ddim := "", math.Inf(1), math.NaN()
	for _, r := range rows {
		if r.Error[i10] < bestErr {
			best, bestErr = r.Solver, r.Error[i10]
		}
		if r.Solver == "ddim" {
			ddim = r.Error[i100]
		}
	}
	if math.IsNaN(ddim) || best == "" {
		return
	}
	verdict := "beats"
	if bestErr >= ddim {
		verdict = "does not beat"
	}
	fmt.Fprintf(w, "\nBest at 10 NFE: %s (%.2e), which %s DDIM at 100 NFE (%.2e).\n", best, bestErr, verdict, ddim)
	for _, n := range budgets {
		if n >= 100 {
			break
		}
		i := col(n)
		for _, r := range rows {
			if r.Error[i] < ddim {
				fmt.Fprintf(w, "Fewest NFE that beat DDIM at 100 NFE: %d (%s, %.2e).\n", n, r.Solver, r.Error[i])
				return
			}
		}
	}
}

package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/trajdiff/trajdiff/diffusion"
)

func benchCommand() command {
	return command{
		name:    "bench",
		summary: "benchmarks: 'bench samplers' compares every solver's error at fixed NFE budgets",
		run: func(ctx context.Context, env *cliEnv, args []string) error {
			if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
				fmt.Fprintln(env.stdout, "Usage: trajdiff bench samplers [flags]\n\nRun 'trajdiff bench samplers --help' for its flags.")
				if len(args) == 0 {
					return usagef("missing benchmark name (want: samplers)")
				}
				return nil
			}
			if args[0] != "samplers" {
				return usagef("unknown benchmark %q (want: samplers)", args[0])
			}
			return runBenchSamplers(ctx, env, args[1:], "bench samplers")
		},
	}
}

// samplerBenchFlags are the settings of the sampler benchmark, shared with quickstart.
type samplerBenchFlags struct {
	process, schedule, solvers, nfe, format, metric string
	dim, components, points                         int
	seed                                            uint64
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
	fs.IntVar(&f.dim, "dim", 64, "target dimension")
	fs.IntVar(&f.components, "components", 4, "mixture components")
	fs.IntVar(&f.points, "points", 256, "sample points")
	fs.Uint64Var(&f.seed, "seed", 1, "seed for the target's initial noise")
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
	if f.solvers != "all" {
		names = strings.Split(f.solvers, ",")
	}
	var solvers []diffusion.Solver
	for _, n := range names {
		s, err := diffusion.NewSolver(strings.TrimSpace(n))
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
	if f.metric != "rmse" && f.metric != "frechet" {
		return usagef("--metric must be rmse or frechet, got %q", f.metric)
	}
	if f.metric == "frechet" && f.components != 1 {
		return usagef("--metric frechet needs a single Gaussian (--components 1)")
	}
	var budgets []int
	for _, v := range strings.Split(f.nfe, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 1 {
			return usagef("--nfe: %q is not a positive integer", v)
		}
		budgets = append(budgets, n)
	}
	if f.points < 1 || f.dim < 1 || f.components < 1 {
		return usagef("--points, --dim and --components must be positive")
	}
	g, err := diffusion.RandomMixture(uint64(f.dim), f.dim, f.components)
	if err != nil {
		return err
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
	fmt.Fprintf(env.stdout, "'*' marks budgets a solver cannot spend exactly (fewer NFE used), '-' budgets it cannot run within.\n\n")
	writeBenchTable(env.stdout, f.format, budgets, rows)
	summarise(env.stdout, budgets, rows)
	fmt.Fprintf(env.stdout, "\n(%.1fs)\n", time.Since(start).Seconds())
	return nil
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

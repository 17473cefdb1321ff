package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/pde"
)

// `trajdiff simulate SYSTEM` generates a dataset of simulated trajectories. The systems' flags live in
// simulate_<domain>.go files, each listing its systems in a function that simSystems joins; the work
// (specs, rows, shards, the parallel ordered run, the writer) is the libraries' (pde.WriteFields,
// geometry.WriteSplit, rl.WriteDataset). This file holds the shared flags and the fields systems' run.

// simSystem is one system that `trajdiff simulate` can generate.
type simSystem struct {
	name    string
	summary string
	// setup registers the system's own flags (resolutions, physics) on fs and returns a function
	// that, after parsing, validates them and returns the configured generator, which pde.WriteFields
	// writes. Errors wrapping pde.ErrInvalidParams are reported as usage errors.
	setup func(fs *flag.FlagSet) func() (pde.FieldSystem, error)
	// run, when set instead of setup, takes over the whole command line after SYSTEM (for systems with
	// their own output layout, e.g. several split files).
	run func(ctx context.Context, env *cliEnv, args []string) error
}

// simSystems lists every system of `trajdiff simulate`, one list per domain file.
func simSystems() map[string]simSystem {
	all := map[string]simSystem{}
	for _, list := range [][]simSystem{pdeSimSystems(), nbodySimSystems(), mazeSimSystems()} {
		for _, s := range list {
			all[s.name] = s
		}
	}
	return all
}

func simSystemNames() []string {
	systems := simSystems()
	names := make([]string, 0, len(systems))
	for n := range systems {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func simulateCommand() command {
	return command{
		name:    "simulate",
		summary: "generate a dataset of simulated trajectories (" + strings.Join(simSystemNames(), ", ") + ")",
		run:     runSimulate,
	}
}

func printSimulateUsage(w io.Writer) {
	fmt.Fprintln(w, "Usage: trajdiff simulate SYSTEM --n N --out FILE [--seed S] [--shard i/n|auto] [--workers W] [system flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Systems:")
	for _, n := range simSystemNames() {
		fmt.Fprintf(w, "  %-10s %s\n", n, simSystems()[n].summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'trajdiff simulate SYSTEM --help' for a system's flags.")
}

// simOutput holds the flags every simulate system shares: where and how to write, which shard, the seed and
// the workers.
type simOutput struct {
	out, shard, format, comp, dtype *string
	seed                            *uint64
	workers                         *int
	force, quiet                    *bool
}

// addSimOutput registers the shared flags with a system's own help texts and defaults.
func addSimOutput(fs *flag.FlagSet, outHelp string, seed uint64, seedHelp, shardHelp, format string) *simOutput {
	return &simOutput{
		out:     fs.String("out", "", outHelp),
		seed:    fs.Uint64("seed", seed, seedHelp),
		shard:   fs.String("shard", "", shardHelp+shardFlagHelp),
		workers: fs.Int("workers", runtime.GOMAXPROCS(0), "parallel workers (the output does not depend on it)"),
		format:  fs.String("format", format, "output format: auto (by extension), ipc, parquet"),
		comp:    fs.String("compression", "none", "compression: none, zstd, lz4"),
		dtype:   fs.String("dtype", "float32", "stored element type: float32 or float64"),
		force:   fs.Bool("force", false, "replace existing output"),
		quiet:   fs.Bool("quiet", false, "no progress output"),
	}
}

// check validates the shared flags after parsing and returns the shard and the write options (with
// Overwrite set) and the file extension of the chosen format. Errors are usage errors.
func (o *simOutput) check(env *cliEnv) (si, sn int, opts datasets.WriteOptions, ext string, err error) {
	switch {
	case *o.out == "":
		return 0, 0, opts, "", usagef("--out is required")
	case *o.seed > math.MaxInt64:
		return 0, 0, opts, "", usagef("--seed %d exceeds 2^63-1", *o.seed)
	case *o.workers < 1:
		return 0, 0, opts, "", usagef("--workers must be at least 1, got %d", *o.workers)
	}
	if si, sn, err = resolveShard(env, *o.shard); err != nil {
		return 0, 0, opts, "", err
	}
	if opts, err = parseWriteOptions(*o.format, *o.comp, *o.dtype); err != nil {
		return 0, 0, opts, "", err
	}
	opts.Overwrite = *o.force
	ext = ".arrow"
	if opts.Format == datasets.FormatParquet {
		ext = ".parquet"
	}
	return si, sn, opts, ext, nil
}

func runSimulate(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		for _, a := range args {
			if a == "-h" || a == "--help" || a == "-help" {
				printSimulateUsage(env.stdout)
				return flag.ErrHelp
			}
		}
		printSimulateUsage(env.stderr)
		return usagef("missing SYSTEM (one of %s)", strings.Join(simSystemNames(), ", "))
	}
	sys, ok := simSystems()[args[0]]
	if !ok {
		return usagef("unknown system %q (want one of %s)", args[0], strings.Join(simSystemNames(), ", "))
	}
	if sys.run != nil {
		return sys.run(ctx, env, args[1:])
	}
	fs := newFlagSet(env, "simulate "+sys.name, "simulate "+sys.name+" --n N --out FILE [--seed S] [--shard i/n|auto] [flags]")
	n := fs.Int("n", 0, "total number of trajectories of the dataset (over all shards)")
	o := addSimOutput(fs, "output file (.arrow IPC or .parquet), written atomically", 0,
		"random seed; trajectory i depends only on (seed, i)", "write only shard i of n (contiguous index block i)", "auto")
	build := sys.setup(fs)
	if err := parseFlags(fs, env, args[1:]); err != nil {
		return err
	}
	if err := wantArgs(fs, 0, "flags only after SYSTEM"); err != nil {
		return err
	}
	if *n < 1 {
		return usagef("--n must be at least 1, got %d", *n)
	}
	si, sn, opts, _, err := o.check(env)
	if err != nil {
		return err
	}
	gen, err := build()
	if err != nil {
		if errors.Is(err, pde.ErrInvalidParams) {
			return usagef("%v", err)
		}
		return err
	}
	opts.Generator = datasets.Generator{Name: "trajdiff simulate " + sys.name, Version: "1"}
	cfg := pde.WriteConfig{Total: *n, Seed: *o.seed, Shard: si, Shards: sn, Workers: *o.workers}
	if !*o.quiet {
		cfg.Progress = newProgressBar(env.stderr, "simulate "+sys.name, "traj", 0).Func()
	}
	start := time.Now()
	lo, hi, err := pde.WriteFields(ctx, *o.out, gen, cfg, opts)
	if err != nil {
		return err
	}
	el := time.Since(start)
	fmt.Fprintf(env.stdout, "wrote %d %s trajectories (indices %d..%d, seed %d) to %s in %s (%.2f traj/s, %d workers)\n",
		hi-lo, sys.name, lo, hi-1, cfg.Seed, *o.out, el.Round(time.Millisecond), float64(hi-lo)/el.Seconds(), max(1, min(cfg.Workers, hi-lo)))
	return nil
}

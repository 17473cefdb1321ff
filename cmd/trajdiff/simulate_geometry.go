package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/geometry"
)

// nbodySimSystems are the N-body systems of `trajdiff simulate`; they take over their command line
// (field run) because they write one file per split.
func nbodySimSystems() []simSystem {
	var out []simSystem
	for _, name := range geometry.SystemNames() {
		out = append(out, simSystem{name: name, summary: nbodySummary(name),
			run: func(ctx context.Context, env *cliEnv, args []string) error {
				return runSimulateNBody(ctx, env, name, args)
			}})
	}
	return out
}

// nbodySummary is the one-line description of each N-body system for `trajdiff simulate`.
func nbodySummary(system string) string {
	switch system {
	case "charged":
		return "GeoTDM/EGNN charged particles (5 in 3-D, Coulomb, NRI leapfrog) -> geometric dataset"
	case "springs":
		return "GeoTDM springs (5 balls, random springs, NRI leapfrog) -> geometric dataset"
	}
	return "GeoTDM gravity (10 bodies, softened, kick-drift-kick) -> geometric dataset"
}

// runSimulateNBody is `trajdiff simulate charged|springs|gravity`: the splits of GeoTDM's N-body data
// (default 3000/2000/2000 trajectories of the first 30 saved frames) written as geometric datasets
// OUT/<split>.arrow, or OUT/<split>-<i>-of-<n>.arrow with -shard i/n.
func runSimulateNBody(ctx context.Context, env *cliEnv, system string, args []string) error {
	fs := newFlagSet(env, "simulate "+system, "simulate "+system+" --out DIR [--splits train=3000,val=2000,test=2000] [--seed S] [--shard i/n|auto] [flags]")
	o := addSimOutput(fs, "output directory (created if missing)", 43,
		"base seed; trajectory i of split s draws from (seed, system/s, i)",
		"write only shard `i/n` (0 <= i < n) of every split: trajectories [i N/n, (i+1) N/n), files <split>-<i>-of-<n>", "ipc")
	splitsS := fs.String("splits", "train=3000,val=2000,test=2000", "splits to write, `name=count,...`")
	nodes := fs.Int("nodes", 0, "particles (0: 5 for charged and springs, 10 for gravity)")
	steps := fs.Int("steps", 5000, "integrator steps (dt 0.001)")
	freq := fs.Int("sample-freq", 100, "keep every n-th step")
	frames := fs.Int("frames", 30, "frames kept per trajectory (0: all; GeoTDM uses 30 = 10 conditioning + 20 target)")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if err := wantArgs(fs, 0, "none"); err != nil {
		return err
	}
	si, sn, opts, ext, err := o.check(env)
	if err != nil {
		return err
	}
	out, seed, workers, quiet := o.out, o.seed, o.workers, o.quiet
	sys, err := geometry.NewSystem(system, *nodes)
	if err != nil {
		return usagef("%v", err)
	}
	splits, err := parseSplits(*splitsS)
	if err != nil {
		return usagef("--splits: %v", err)
	}
	if *frames < 0 {
		return usagef("--frames must be >= 0, got %d", *frames)
	}
	run := geometry.Run{Steps: *steps, SampleFreq: *freq, MaxFrames: *frames}
	nf := sys.Frames(run)
	if *steps < 1 || *freq < 1 || *steps%*freq != 0 || nf < 1 {
		return usagef("--steps %d and --sample-freq %d must be positive, divisible and save at least one frame", *steps, *freq)
	}
	if err := os.MkdirAll(*out, 0o777); err != nil {
		return fmt.Errorf("create output directory: %w", err)
	}
	for _, sp := range splits {
		path := filepath.Join(*out, geometry.SplitFile(sp.Name, si, sn, ext))
		o := opts
		o.Generator = datasets.Generator{Name: "trajdiff simulate " + system, Version: "1"}
		cfg := geometry.WriteConfig{Seed: *seed, Split: sp, Shard: si, Shards: sn, Run: run, Workers: *workers}
		if !*quiet {
			cfg.Progress = newProgressBar(env.stderr, "simulate "+system+" "+sp.Name, "traj", 0).Func()
		}
		lo, hi, err := geometry.WriteSplit(ctx, path, sys, cfg, o)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "%s: %d %s trajectories (%d frames of %d nodes) -> %s\n", system, hi-lo, sp.Name, nf, sys.Nodes(), path)
	}
	return nil
}

// parseSplits parses "train=3000,val=2000".
func parseSplits(s string) ([]geometry.Split, error) {
	var out []geometry.Split
	seen := map[string]bool{}
	for _, part := range strings.Split(s, ",") {
		name, count, ok := strings.Cut(strings.TrimSpace(part), "=")
		n, err := strconv.Atoi(count)
		if !ok || name == "" || err != nil || n < 1 || strings.ContainsAny(name, `/\ `) || seen[name] {
			return nil, fmt.Errorf("%q is not name=count with a new name and count >= 1", part)
		}
		seen[name] = true
		out = append(out, geometry.Split{Name: name, Count: n})
	}
	return out, nil
}

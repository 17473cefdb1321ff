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
	fs := newFlagSet(env, "simulate "+system, "simulate "+system+" --out DIR [--splits train=3000,val=2000,test=2000] [--seed S] [--shard i/n] [flags]")
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
	si, sn, opts, ext, err := o.check()
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
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fmt.Errorf("create output directory: %w", err)
	}
	spec := nbodySpec(sys, nf)
	for _, sp := range splits {
		lo, hi := sp.Count*si/sn, sp.Count*(si+1)/sn
		name := sp.Name + ext
		if sn > 1 {
			name = fmt.Sprintf("%s-%05d-of-%05d%s", sp.Name, si, sn, ext)
		}
		path := filepath.Join(*out, name)
		o := opts
		o.FirstID = int64(lo) // the global trajectory index, so shards merge without renumbering
		o.Generator = datasets.Generator{Name: "trajdiff simulate " + system, Version: "1", Seed: int64(*seed), Params: map[string]any{
			"split": sp.Name, "total_trajectories": sp.Count, "shard": fmt.Sprintf("%d/%d", si, sn), "first_trajectory": lo,
			"trajectories": hi - lo, "nodes": sys.Nodes(),
			"steps": *steps, "sample_freq": *freq, "frames": nf, "dt": sys.Dt(), "rng": "ChaCha8(seed, " + geometry.Domain(sys, sp.Name) + ", index)",
		}}
		if nf == 30 && *steps == 5000 && *freq == 100 {
			o.Generator.Params["geotdm_protocol"] = "frames 0-9 condition, frames 10-29 are predicted"
		}
		o.Description = fmt.Sprintf("%s N-body trajectories (%s split, trajectories %d..%d of %d) from trajdiff's re-implementation of synthetic_sim.py (NRI/EGNN/GeoTDM)",
			system, sp.Name, lo, hi-1, sp.Count)
		if err := writeNBodySplit(ctx, env, sys, path, spec, o, geometry.GenerateConfig{
			Seed: *seed, Split: sp.Name, Start: lo, Count: hi - lo, Run: run, Workers: *workers,
		}, *quiet); err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "%s: %d %s trajectories (%d frames of %d nodes) -> %s\n", system, hi-lo, sp.Name, nf, sys.Nodes(), path)
	}
	return nil
}

// nbodySpec: positions, velocities and energies per frame; charges (charged) or masses (gravity) as
// node features; the spring graph as edges; forces where the generator saves them (gravity).
func nbodySpec(sys geometry.System, frames int) datasets.GeometricSpec {
	spec := datasets.GeometricSpec{Frames: frames, Nodes: sys.Nodes(), SpatialDim: geometry.Dim, Velocities: true, Energies: true}
	switch sys.(type) {
	case *geometry.Charged:
		spec.NodeFeatureDim, spec.NodeFeatureNames = 1, []string{"charge"}
	case *geometry.Springs:
		spec.Edges = true
	case *geometry.Gravity:
		spec.NodeFeatureDim, spec.NodeFeatureNames = 1, []string{"mass"}
		spec.Forces = true
	}
	return spec
}

func writeNBodySplit(ctx context.Context, env *cliEnv, sys geometry.System, path string, spec datasets.GeometricSpec, opts datasets.WriteOptions, cfg geometry.GenerateConfig, quiet bool) error {
	spec.Dt = sys.Dt() * float64(cfg.Run.SampleFreq)
	w, err := datasets.CreateGeometric(path, spec, opts)
	if err != nil {
		return err
	}
	if !quiet {
		bar := newProgressBar(env.stderr, "simulate "+sys.Name()+" "+cfg.Split, "traj", cfg.Count)
		cfg.Progress = func(done, _ int) { bar.Update(done) }
	}
	err = geometry.Generate(ctx, sys, cfg, func(i int, tr *geometry.Trajectory) error {
		row := datasets.GeometricTrajectory{Positions: tr.X, Velocities: tr.V, Energies: tr.Energy}
		switch {
		case tr.Params.Charges != nil:
			row.NodeFeatures = tr.Params.Charges
		case tr.Params.Masses != nil:
			row.NodeFeatures = tr.Params.Masses
		}
		if spec.Forces {
			row.Forces = tr.Forces
		}
		if spec.Edges {
			row.Edges = []int32{}
			n := tr.Nodes
			for a := 0; a < n; a++ {
				for b := 0; b < n; b++ {
					if a != b && tr.Params.Couplings[a*n+b] != 0 {
						row.Edges = append(row.Edges, int32(a), int32(b))
					}
				}
			}
		}
		return w.Write(row)
	})
	if err != nil {
		w.Abort()
		return err
	}
	return w.Close()
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

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/internal/fsutil"
	"github.com/trajdiff/trajdiff/rl"
	"github.com/trajdiff/trajdiff/rl/diffuser"
	"github.com/trajdiff/trajdiff/rl/planeval"
	"github.com/trajdiff/trajdiff/train"
)

func quickstartCommand() command {
	return command{
		name:    "quickstart",
		summary: "the main job on built-in defaults: Maze2D data, Diffuser trained in minutes, scored closed-loop next to the expert and random actions",
		run:     runQuickstart,
	}
}

// quickstartOptions are the knobs of the built-in run.
type quickstartOptions struct {
	out       string
	minutes   float64
	steps     int
	dataSteps int
	horizon   int
	dim       int
	seed      uint64
	episodes  int
	nfe       int
}

func runQuickstart(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "quickstart", "quickstart [--out DIR] [--minutes M] [--steps N] [--episodes E]")
	var o quickstartOptions
	fs.StringVar(&o.out, "out", "quickstart-out", "directory for the data, the run, the plots, the results and the configuration")
	fs.Float64Var(&o.minutes, "minutes", 3, "wall-clock budget for training (the run stops with a checkpoint when it is spent)")
	fs.IntVar(&o.steps, "steps", 3000, "training steps (cosine learning-rate schedule length)")
	fs.IntVar(&o.dataSteps, "data-steps", 1000000, "maze2d U-Maze steps to generate for training (D4RL's dataset has 1M)")
	fs.IntVar(&o.horizon, "horizon", 128, "plan length in environment steps (Diffuser's U-Maze horizon is 128; a multiple of 4)")
	fs.IntVar(&o.dim, "dim", 16, "temporal U-Net width (Diffuser's is 32)")
	fs.Uint64Var(&o.seed, "seed", 1, "seed for data, training and the episodes")
	fs.IntVar(&o.episodes, "episodes", 20, "closed-loop episodes per agent (starts and goals from seeds training never saw)")
	fs.IntVar(&o.nfe, "nfe", 20, "DPM-Solver++(2M) evaluations per plan")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if err := wantArgs(fs, 0, "none"); err != nil {
		return err
	}
	if o.minutes <= 0 || o.steps < 1 || o.dataSteps < 1000 || o.horizon < 4 || o.horizon%4 != 0 || o.dim < 8 || o.dim%8 != 0 || o.episodes < 1 || o.nfe < 1 {
		return usagef("--minutes, --steps, --episodes and --nfe must be positive, --data-steps >= 1000, --horizon a multiple of 4, --dim a multiple of 8")
	}
	return quickstart(ctx, env, o)
}

func quickstart(ctx context.Context, env *cliEnv, o quickstartOptions) error {
	w := env.stdout
	out, err := filepath.Abs(o.out) // the configuration records absolute paths, valid from any directory
	if err != nil {
		return err
	}
	o.out = out
	if err := os.MkdirAll(o.out, 0o777); err != nil {
		return err
	}
	fmt.Fprintln(w, "trajdiff quickstart: Diffuser (Janner et al. 2022) planning in D4RL's maze2d U-Maze, scored closed-loop.")
	layout, _ := rl.LayoutByName("umaze")
	// 1. Data: D4RL's recipe, re-cut where the agent leaves the goal as Diffuser's maze2d_set_terminals.
	data := filepath.Join(o.out, "umaze.arrow")
	_, err = rl.WriteDataset(ctx, data, rl.WriteConfig{Recipe: rl.DatasetConfig{Layout: layout.Name, Steps: o.dataSteps, ChunkSteps: min(o.dataSteps, 100000),
		Seed: o.seed, Segments: rl.SegmentsGoal}}, datasets.WriteOptions{Overwrite: true, Generator: datasets.Generator{Name: "trajdiff quickstart maze2d", Version: "2"}})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "1. data: %d steps of D4RL's waypoint controller, segments re-cut at the goal -> %s\n", o.dataSteps, data)

	// 2. Train Diffuser's maze2d model (rl/diffuser.Maze2DConfig), shortened to the budget: the start and
	// goal also enter the network as a condition, which learns to join them in minutes (WithEndpointCondition),
	// and the upsamplers start tied, so that the short run's plans do not zig-zag (WithTiedUpsampling).
	cfg, err := diffuser.Maze2DConfig(layout, data, filepath.Join(o.out, "run"), o.dim)
	if err != nil {
		return err
	}
	cfg = diffuser.WithTiedUpsampling(diffuser.WithEndpointCondition(cfg))
	cfg.Data.Horizon, cfg.Network.TemporalUnet.Horizon = o.horizon, o.horizon
	cfg.Sample.Steps = o.nfe
	cfg.Train.Steps, cfg.Train.LR, cfg.Train.MinLR, cfg.Train.Warmup = o.steps, 1e-3, 1e-4, min(200, o.steps/10)
	cfg.Train.Seed, cfg.Train.CheckpointEvery = o.seed, 500
	cfgPath := filepath.Join(o.out, "quickstart.toml")
	if err := train.WriteConfig(cfgPath, cfg); err != nil {
		return err
	}
	fmt.Fprintf(w, "2. training %d steps (budget %.1f min) of Diffuser's temporal U-Net (dim %d, mults 1,4,8, horizon %d, x0-prediction, start and goal inpainted and given as condition, upsamplers initialised tied); configuration -> %s\n",
		o.steps, o.minutes, o.dim, o.horizon, cfgPath)
	tctx, cancel := context.WithTimeout(ctx, time.Duration(o.minutes*float64(time.Minute)))
	defer cancel()
	start := time.Now()
	_, err = trainRun(tctx, env, cfg, false)
	switch {
	case err == nil:
	case errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
		// trainRun reports a finished run itself; a run stopped by the budget gets its summary here.
		fmt.Fprintf(w, "   the budget ran out first after %.0fs: planning with the last checkpoint in %s\n", time.Since(start).Seconds(), cfg.Out)
	default:
		return err
	}

	// 3. Closed loop: one plan per episode from the start to the goal, followed by Diffuser's controller,
	// next to D4RL's expert controller and random actions on the same starts.
	m, err := train.Load(cfg.Out, train.LoadOptions{})
	if err != nil {
		return err
	}
	planner, err := diffuser.New(m, layout, diffuser.Options{})
	if err != nil {
		return err
	}
	agents := []planeval.Agent{planner.Agent("diffuser"), planeval.ExpertAgent(), planeval.RandomAgent()}
	bar := newProgressBar(env.stderr, "episodes", "episodes", len(agents)*o.episodes)
	evalSeed := o.seed + 20261204 // keys starts, goals and plan noise apart from the data's streams
	res, err := planeval.Evaluate(ctx, planeval.EvalConfig{Layout: layout.Name, Episodes: o.episodes, Seed: evalSeed, Workers: 1, Progress: bar.Func()}, agents)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "3. %d closed-loop episodes per agent on %s (seed %d), Diffuser planning once with %d NFE of DPM-Solver++(2M):\n",
		o.episodes, res.Env, evalSeed, o.nfe)
	sums := make([]planeval.Summary, len(res.Agents))
	for i, a := range res.Agents {
		sums[i] = a.Summary
	}
	writePlanTable(w, sums)
	fmt.Fprintln(w, "   (D4RL score x100: 0 is random, 100 D4RL's expert reference; Diffuser's published U-Maze score is 113.9 ± 3.1 after 2M steps of dim 32)")
	doc := &planResults{Command: "trajdiff quickstart", Checkpoint: m.Checkpoint.Path, Step: m.Checkpoint.State.Step, Config: m.Config,
		Planner: planSampler{Solver: "dpmpp-2m", Steps: o.nfe, NFE: int(sums[0].NFEPerPlan), ClipX0: true, EMA: m.Checkpoint.EMA, Horizon: o.horizon},
		Workers: 1, Results: res, Summary: sums}
	b, err := json.MarshalIndent(doc, "", " ")
	if err != nil {
		return err
	}
	resultsPath := filepath.Join(o.out, "results.json")
	if err := fsutil.WriteFileAtomic(resultsPath, append(b, '\n')); err != nil {
		return err
	}

	// 4. Plots: where the agent went, and what it planned.
	pathsPNG, plansPNG := filepath.Join(o.out, "paths.png"), filepath.Join(o.out, "plans.png")
	n, err := plotPlanEpisodes(layout, "quickstart: Diffuser", o.nfe, res.Agents[0].Episodes, pathsPNG, plansPNG)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "4. %d episodes' executed paths -> %s, their plans -> %s; every episode -> %s\n", n, pathsPNG, plansPNG, resultsPath)
	fmt.Fprintf(w, "Next: 'trajdiff train --config %s --steps 20000' trains on (it resumes); 'trajdiff plan evaluate --checkpoint %s --episodes 100' scores it again; docs/planning.md has the longer runs and the other planners.\n", cfgPath, cfg.Out)
	return nil
}

package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/internal/plotpng"
	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/rl"
	"github.com/trajdiff/trajdiff/rl/mazeplot"
	"github.com/trajdiff/trajdiff/train"
)

func quickstartCommand() command {
	return command{
		name:    "quickstart",
		summary: "the main job on built-in defaults: Maze2D data, a TemporalUnet trained in minutes, start/goal-conditioned plans",
		run:     runQuickstart,
	}
}

// quickstartOptions are the knobs of the built-in run.
type quickstartOptions struct {
	out        string
	minutes    float64
	steps      int
	dataSteps  int
	horizon    int
	seed       uint64
	evalPlans  int
	nfe        int
	quietTrain bool
}

func runQuickstart(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "quickstart", "quickstart [--out DIR] [--minutes M] [--steps N]")
	var o quickstartOptions
	fs.StringVar(&o.out, "out", "quickstart-out", "directory for the data, the run, the plot and the configuration")
	fs.Float64Var(&o.minutes, "minutes", 3, "wall-clock budget for training (the run stops with a checkpoint when it is spent)")
	fs.IntVar(&o.steps, "steps", 4000, "training steps (cosine schedule length)")
	fs.IntVar(&o.dataSteps, "data-steps", 200000, "maze2d U-Maze steps to generate for training")
	fs.IntVar(&o.horizon, "horizon", 32, "plan length in environment steps")
	fs.Uint64Var(&o.seed, "seed", 1, "seed for data, training and sampling")
	fs.IntVar(&o.evalPlans, "plans", 64, "held-out start/goal pairs to plan for")
	fs.IntVar(&o.nfe, "nfe", 10, "DPM-Solver++(2M) evaluations per plan")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if err := wantArgs(fs, 0, "none"); err != nil {
		return err
	}
	if o.minutes <= 0 || o.steps < 1 || o.dataSteps < 1000 || o.horizon < 4 || o.horizon%4 != 0 || o.evalPlans < 1 || o.nfe < 1 {
		return usagef("--minutes, --steps, --plans and --nfe must be positive, --data-steps >= 1000, --horizon a multiple of 4")
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
	fmt.Fprintln(w, "trajdiff quickstart: Diffuser-style planning in D4RL's maze2d U-Maze.")
	// 1. Data: the D4RL recipe for training, an independent stream for evaluation.
	trainPath := filepath.Join(o.out, "umaze-train.arrow")
	heldPath := filepath.Join(o.out, "umaze-heldout.arrow")
	for _, d := range []struct {
		path  string
		steps int
		seed  uint64
	}{{trainPath, o.dataSteps, o.seed}, {heldPath, max(o.dataSteps/10, 5000), o.seed + 1000}} {
		if err := writeQuickstartMaze(ctx, d.path, d.steps, d.seed); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "1. data: %d training steps -> %s; held-out stream -> %s\n", o.dataSteps, trainPath, heldPath)

	// 2. Train a small TemporalUnet (Diffuser: x0-prediction, cosine schedule, limits normaliser).
	cfg := train.Config{
		Out: filepath.Join(o.out, "run"),
		// Windows never run into padding (Diffuser's maze2d setting); the network is conditioned on the
		// window's start and goal observations, which sampling also clamps.
		Data: train.DataConfig{Path: trainPath, Horizon: o.horizon, Normalizer: "limits", NoPadding: true,
			Condition: []string{"0:2", "0:3", "0:4", "0:5", "-1:2", "-1:3", "-1:4", "-1:5"}},
		Network: nn.Spec{Arch: "temporal_unet", TemporalUnet: &nn.TemporalUnetConfig{
			Horizon: o.horizon, Transition: 6, Dim: 32, DimMults: []int{1, 2, 4}, CondDim: 8}},
		Objective: train.ObjectiveConfig{Kind: "denoising", Process: "vp-cosine", Prediction: "x0"},
		Train:     train.DefaultOptions(),
		Sample:    train.SampleConfig{Solver: "dpmpp-2m", Steps: o.nfe},
	}
	cfg.Train.Steps, cfg.Train.Batch, cfg.Train.LR, cfg.Train.MinLR = o.steps, 32, 1e-3, 1e-4
	cfg.Train.Warmup, cfg.Train.EMADecay, cfg.Train.Seed, cfg.Train.CheckpointEvery = 200, 0.995, o.seed, 500
	cfgPath := filepath.Join(o.out, "quickstart.toml")
	if err := train.WriteConfig(cfgPath, cfg); err != nil {
		return err
	}
	fmt.Fprintf(w, "2. training %d steps (budget %.1f min) of a TemporalUnet (dim 32, mults 1,2,4, horizon %d); configuration -> %s\n",
		o.steps, o.minutes, o.horizon, cfgPath)
	tctx, cancel := context.WithTimeout(ctx, time.Duration(o.minutes*float64(time.Minute)))
	defer cancel()
	start := time.Now()
	_, err = trainRun(tctx, env, cfg, false)
	switch {
	case err == nil:
	case errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
		// trainRun reports a finished run itself; a run stopped by the budget gets its summary here.
		fmt.Fprintf(w, "   the budget ran out first after %.0fs: sampling from the last checkpoint in %s\n", time.Since(start).Seconds(), cfg.Out)
	default:
		return err
	}

	// 3. Plan between held-out start and goal states, with the weights the configuration names (the EMA).
	m, err := train.Load(cfg.Out, train.LoadOptions{})
	if err != nil {
		return err
	}
	starts, goals, truth, err := heldOutWindows(heldPath, o.horizon, o.evalPlans)
	if err != nil {
		return err
	}
	n := len(starts) / 4
	var fixes []train.Fixed
	for k := 0; k < 4; k++ { // observation components follow the 2 action components
		sv, gv := make([]float64, n), make([]float64, n)
		for i := 0; i < n; i++ {
			sv[i], gv[i] = starts[4*i+k], goals[4*i+k]
		}
		fixes = append(fixes, train.Fixed{WindowEntry: train.WindowEntry{T: 0, C: 2 + k}, Values: sv},
			train.Fixed{WindowEntry: train.WindowEntry{T: -1, C: 2 + k}, Values: gv})
	}
	began := time.Now()
	drawn, err := m.Sample(ctx, train.SampleRequest{N: n, Solver: "dpmpp-2m", Steps: o.nfe, Seed: o.seed, Fixed: fixes})
	if err != nil {
		return err
	}
	plans, nfe := drawn.X, drawn.NFE
	dt := time.Since(began)
	layout, _ := rl.LayoutByName("umaze")
	res := evaluatePlans(layout, plans, truth, starts, goals, o.horizon)
	fmt.Fprintf(w, "3. %d plans with DPM-Solver++(2M), %d NFE, in %.2fs, against the held-out trajectories between the same states:\n", n, nfe, dt.Seconds())
	fmt.Fprintf(w, "   position RMSE to the held-out path: model %.3f, straight line %.3f\n", res.modelRMSE, res.lineRMSE)
	fmt.Fprintf(w, "   plan points inside walls:           model %.1f%%, straight line %.1f%% (held-out data %.1f%%)\n",
		100*res.modelWall, 100*res.lineWall, 100*res.truthWall)
	fmt.Fprintf(w, "   mean step length: model %.3f, held-out %.3f\n", res.modelStep, res.truthStep)

	// 4. Plot.
	var paths [][]float64
	var targets [][2]float64
	for i := 0; i < min(n, 8); i++ {
		p := make([]float64, 0, 2*o.horizon)
		for t := 0; t < o.horizon; t++ {
			row := plans[(i*o.horizon+t)*6:]
			p = append(p, row[2], row[3])
		}
		paths = append(paths, p)
		targets = append(targets, [2]float64{goals[4*i], goals[4*i+1]})
	}
	pl, err := mazeplot.Maze(layout, paths, mazeplot.Options{Title: fmt.Sprintf("quickstart: %d plans, %d NFE", len(paths), nfe), Targets: targets})
	if err != nil {
		return err
	}
	png := filepath.Join(o.out, "plans.png")
	wd, ht := mazeplot.Size(layout, 480)
	if err := plotpng.WriteFile(png, pl, wd, ht); err != nil {
		return err
	}
	fmt.Fprintf(w, "4. plot of 8 plans -> %s\n", png)
	fmt.Fprintf(w, "Next: 'trajdiff train --config %s' continues or re-runs training; 'trajdiff sample --checkpoint %s --fix 0:2=1 ...' samples; 'trajdiff bench samplers' compares the solvers.\n", cfgPath, cfg.Out)
	return nil
}

func writeQuickstartMaze(ctx context.Context, path string, steps int, seed uint64) error {
	_, err := rl.WriteDataset(ctx, path, rl.WriteConfig{Recipe: rl.DatasetConfig{Layout: "umaze", Steps: steps, ChunkSteps: min(steps, 100000), Seed: seed}},
		datasets.WriteOptions{Overwrite: true, Generator: datasets.Generator{Name: "trajdiff quickstart maze2d", Version: "1"}})
	return err
}

// heldOutWindows takes n windows of the horizon spread over the held-out episodes and returns their start
// and goal observations (4 values each) and their xy paths (2*horizon values each).
func heldOutWindows(path string, horizon, n int) (starts, goals, truth []float64, err error) {
	ds, err := datasets.Open(path)
	if err != nil {
		return nil, nil, nil, err
	}
	defer ds.Close()
	type win struct{ ep, t0 int }
	var all []win
	for e := 0; e < ds.Len(); e++ {
		L := ds.StepLen(e)
		for t0 := 0; t0+horizon <= L; t0 += horizon {
			all = append(all, win{e, t0})
		}
	}
	if len(all) == 0 {
		return nil, nil, nil, fmt.Errorf("held-out data has no episode of %d steps", horizon)
	}
	for i := 0; i < n; i++ {
		w := all[i*len(all)/n]
		ep, err := ds.Episode(w.ep)
		if err != nil {
			return nil, nil, nil, err
		}
		obs := ep.Observations
		for k := 0; k < 4; k++ {
			starts = append(starts, obs.At(w.t0*4+k))
			goals = append(goals, obs.At((w.t0+horizon-1)*4+k))
		}
		for t := 0; t < horizon; t++ {
			truth = append(truth, obs.At((w.t0+t)*4), obs.At((w.t0+t)*4+1))
		}
	}
	return starts, goals, truth, nil
}

type planScores struct {
	modelRMSE, lineRMSE            float64
	modelWall, lineWall, truthWall float64
	modelStep, truthStep           float64
}

// evaluatePlans compares plans (rows [action(2), observation(4)]) with the held-out paths and with the
// straight line between start and goal.
func evaluatePlans(l *rl.Layout, plans, truth, starts, goals []float64, H int) planScores {
	var s planScores
	n := len(starts) / 4
	var cnt float64
	for i := 0; i < n; i++ {
		for t := 0; t < H; t++ {
			row := plans[(i*H+t)*6:]
			px, py := row[2], row[3]
			tx, ty := truth[(i*H+t)*2], truth[(i*H+t)*2+1]
			u := float64(t) / float64(H-1)
			lx := starts[4*i] + u*(goals[4*i]-starts[4*i])
			ly := starts[4*i+1] + u*(goals[4*i+1]-starts[4*i+1])
			s.modelRMSE += (px-tx)*(px-tx) + (py-ty)*(py-ty)
			s.lineRMSE += (lx-tx)*(lx-tx) + (ly-ty)*(ly-ty)
			s.modelWall += b2f(l.InWall(px, py))
			s.lineWall += b2f(l.InWall(lx, ly))
			s.truthWall += b2f(l.InWall(tx, ty))
			cnt++
			if t > 0 {
				prev := plans[(i*H+t-1)*6:]
				s.modelStep += math.Hypot(px-prev[2], py-prev[3])
				s.truthStep += math.Hypot(tx-truth[(i*H+t-1)*2], ty-truth[(i*H+t-1)*2+1])
			}
		}
	}
	s.modelRMSE, s.lineRMSE = math.Sqrt(s.modelRMSE/cnt), math.Sqrt(s.lineRMSE/cnt)
	s.modelWall, s.lineWall, s.truthWall = s.modelWall/cnt, s.lineWall/cnt, s.truthWall/cnt
	s.modelStep, s.truthStep = s.modelStep/float64(n*(H-1)), s.truthStep/float64(n*(H-1))
	return s
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

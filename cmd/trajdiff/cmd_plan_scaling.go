package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/internal/fsutil"
	"github.com/trajdiff/trajdiff/rl"
	"github.com/trajdiff/trajdiff/rl/diffuser"
	"github.com/trajdiff/trajdiff/train"
)

// searchFlags are the inference-time search flags of plan evaluate and plan scaling: the particle flags and
// the plan reward's weights.
type searchFlags struct {
	particleFlags
	wall, jump, limit float64
}

func (f *searchFlags) register(fs *flag.FlagSet) {
	f.particleFlags.register(fs, "diffuser: plan by inference-time search with a reward: best-of-n, resample or rollover (rollover budget forcing)",
		"diffuser search", "plan")
	fs.Float64Var(&f.wall, "reward-wall", 1, "diffuser search: reward penalty per plan point or segment in a wall")
	fs.Float64Var(&f.jump, "reward-jump", 1, "diffuser search: reward penalty per step-limit of excess step length")
	fs.Float64Var(&f.limit, "reward-step", 0.1, "diffuser search: step length (maze units) beyond which a plan step is a jump")
}

func (f *searchFlags) search() diffuser.Search {
	return diffuser.Search{Method: diffusion.ParticleMethod(f.method), Budget: f.budget, Particles: f.particles, Eta: f.eta,
		Temperature: f.temperature, TopK: f.topK, Reward: diffuser.PlanReward{Wall: f.wall, Jump: f.jump, StepLimit: f.limit}}
}

// scalingResults is plan scaling's results file.
type scalingResults struct {
	Command    string                  `json:"command"`
	Checkpoint string                  `json:"checkpoint"`
	Step       int                     `json:"step"`
	Points     []diffuser.ScalingPoint `json:"points"`
}

func runPlanScaling(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "plan scaling", "plan scaling --checkpoint DIR [--layout umaze] [--multi] [--methods best-of-n,resample,rollover] [--budgets 20,40,80,160] [--pairs N] [--seeds K] [--seed S] [--solver NAME --steps K] [--out results.json]")
	ckpt := fs.String("checkpoint", "", "Diffuser's window model (run or step directory)")
	layout := fs.String("layout", "umaze", "maze layout the model was trained on")
	methods := fs.String("methods", "best-of-n,resample,rollover", "comma-separated search methods")
	budgets := fs.String("budgets", "20,40,80,160", "comma-separated network evaluations per plan")
	pairs := fs.Int("pairs", 8, "(start, goal) pairs: D4RL resets to the layout's goal cell")
	multi := fs.Bool("multi", false, "random targets (Multi2D) instead of the layout's goal cell")
	seeds := fs.Int("seeds", 2, "plan seeds per pair")
	seed := fs.Uint64("seed", 1, "seed of the pairs and plans")
	solverName := fs.String("solver", "", "best-of-n's solver (default: the configuration's)")
	steps := fs.Int("steps", 0, "solver steps of every method (default: the configuration's)")
	data := fs.String("data", "", "the training dataset, where it is now if it moved since training")
	out := fs.String("out", "", "results JSON, written atomically")
	var sf searchFlags
	sf.register(fs)
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if err := wantArgs(fs, 0, "none"); err != nil {
		return err
	}
	if *ckpt == "" {
		return usagef("--checkpoint is required")
	}
	cfg := diffuser.ScalingConfig{Pairs: *pairs, Seeds: *seeds, Seed: *seed, Multi: *multi, Base: sf.search()}
	for _, m := range strings.Split(*methods, ",") {
		cfg.Methods = append(cfg.Methods, diffusion.ParticleMethod(strings.TrimSpace(m)))
	}
	var err error
	if cfg.Budgets, err = parseBudgets(*budgets); err != nil {
		return err
	}
	if err := checkSolverName(*solverName); err != nil {
		return err
	}
	l, err := rl.LayoutByName(*layout)
	if err != nil {
		return usagef("%v", err)
	}
	m, err := train.Load(*ckpt, train.LoadOptions{DataPath: *data})
	if err != nil {
		return err
	}
	planner, err := diffuser.New(m, l, diffuser.Options{Solver: *solverName, Steps: *steps})
	if errors.Is(err, diffuser.ErrBadInput) {
		return usagef("%v", err)
	}
	if err != nil {
		return err
	}
	bar := newProgressBar(env.stderr, "plan scaling", "plans", len(cfg.Methods)*len(cfg.Budgets)*cfg.Pairs*cfg.Seeds)
	cfg.Progress = bar.Func()
	pts, err := planner.ScalingCurve(ctx, cfg)
	if errors.Is(err, diffuser.ErrBadInput) {
		return usagef("%v", err)
	}
	if err != nil {
		return err
	}
	goals := map[bool]string{false: "the goal cell", true: "random targets"}[*multi]
	fmt.Fprintf(env.stdout, "%s, %s, %d pairs x %d seeds; reward = -%g (wall points+segments) - %g sum excess step/%g\n",
		l.Name, goals, *pairs, *seeds, sf.wall, sf.jump, sf.limit)
	fmt.Fprintf(env.stdout, "%-22s %5s %7s %8s %18s %22s %9s %9s %10s\n", "method/solver", "steps", "budget", "NFE", "reward (±SE)",
		"- first method (±SE)", "feasible", "in walls", "s/plan")
	for _, p := range pts {
		// The difference to the first method at the same budget, plan by plan.
		diff := "-"
		if p.Method != pts[0].Method {
			for _, q := range pts {
				if q.Method == pts[0].Method && q.Budget == p.Budget {
					if d, se, err := diffuser.PairedDifference(p, q); err == nil {
						diff = fmt.Sprintf("%+.3f ± %.3f", d, se)
					}
				}
			}
		}
		fmt.Fprintf(env.stdout, "%-22s %5d %7d %8.1f %18s %22s %8.0f%% %8.0f%% %10.3f\n", p.Solver, p.Steps, p.Budget, p.NFE,
			fmt.Sprintf("%.3f ± %.3f", p.RewardMean, p.RewardSE), diff, 100*p.Feasible, 100*p.InWalls, p.Seconds)
	}
	if *out != "" {
		b, err := json.MarshalIndent(scalingResults{Command: "trajdiff plan scaling " + strings.Join(args, " "), Checkpoint: m.Checkpoint.Path,
			Step: m.Checkpoint.State.Step, Points: pts}, "", " ")
		if err != nil {
			return err
		}
		if err := fsutil.WriteFileAtomic(*out, append(b, '\n')); err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "results -> %s\n", *out)
	}
	return nil
}

package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/internal/fsutil"
	"github.com/trajdiff/trajdiff/internal/plotfile"
	"github.com/trajdiff/trajdiff/internal/shard"
	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/rl"
	"github.com/trajdiff/trajdiff/rl/decisiondiffuser"
	"github.com/trajdiff/trajdiff/rl/diffuser"
	"github.com/trajdiff/trajdiff/rl/mazeplot"
	"github.com/trajdiff/trajdiff/rl/planeval"
	"github.com/trajdiff/trajdiff/rl/planmodel"
	"github.com/trajdiff/trajdiff/rl/trajdiffuser"
	"github.com/trajdiff/trajdiff/train"
)

func planCommand() command {
	return command{name: "plan", summary: "diffusion planners on Maze2D: closed-loop D4RL scores of a trained checkpoint (plan evaluate)", run: runPlan}
}

const planUsage = `Usage: trajdiff plan evaluate --checkpoint DIR [flags]

  evaluate    run N closed-loop Maze2D episodes of a planner, Diffuser's (--planner diffuser: one plan per
              episode, the reference controller) or Decision Diffuser's (--planner decision-diffuser:
              replanning with returns guidance, inverse dynamics, optional RTI warm starts), next to the
              expert controller and random actions on the same starts; prints D4RL's normalised score
              (mean +- standard error), return, success rate, planning latency and NFE; writes a results file;
              --particle-method and --nfe-budget make Diffuser's plans by inference-time search with a reward
  scaling     reward of Diffuser's plans (walls, jumps to the goal) against the network evaluations per plan, for
              best-of-N, resampling and rollover budget forcing at equal budgets

Run 'trajdiff plan evaluate --help' for its flags; rl/diffuser's package documentation has the protocol.
`

func runPlan(ctx context.Context, env *cliEnv, args []string) error {
	return runSubcommand(ctx, env, args, planUsage, []subcommand{{"evaluate", runPlanEvaluate}, {"merge", runPlanMerge}, {"scaling", runPlanScaling}})
}

// planResults is the results file: the command, the checkpoint's configuration, the planner's sampler and
// every agent's summary and episodes.
type planResults struct {
	Command    string             `json:"command"`
	Checkpoint string             `json:"checkpoint"`
	Step       int                `json:"step"`
	Config     train.Config       `json:"config"`
	Planner    planSampler        `json:"planner"`
	Workers    int                `json:"workers"`
	Results    *planeval.Results  `json:"results"`
	Summary    []planeval.Summary `json:"summary"`
}

// planSampler describes the evaluated planner: its sampler (resolved by a probe plan) and options.
type planSampler struct {
	Planner     string  `json:"planner"`
	Solver      string  `json:"solver"`
	Schedule    string  `json:"schedule"`
	Steps       int     `json:"steps"`
	NFE         int     `json:"nfe"` // of a plan from noise
	ClipX0      bool    `json:"clip_x0"`
	EMA         bool    `json:"ema"`
	Horizon     int     `json:"horizon"`
	Guidance    float64 `json:"guidance,omitempty"`
	Return      float64 `json:"return,omitempty"`
	FixedReturn bool    `json:"fixed_return,omitempty"`
	ReplanEvery int     `json:"replan_every,omitempty"`
	WarmTime    float64 `json:"warm_time,omitempty"`
	WarmSteps   int     `json:"warm_steps,omitempty"`
	Renoise     bool    `json:"renoise,omitempty"`
	Controller  string  `json:"controller,omitempty"`
	InvDyn      string  `json:"invdyn,omitempty"`
	Draft       string  `json:"draft,omitempty"`
	Critic      string  `json:"critic,omitempty"`
	Candidates  int     `json:"candidates,omitempty"`
	Temperature float64 `json:"temperature,omitempty"`
	DraftCalls  int     `json:"draft_calls,omitempty"` // draft evaluations per decision
	// Search is Diffuser's inference-time search (--particle-method), with its budget per plan.
	Search    string `json:"search,omitempty"`
	NFEBudget int    `json:"nfe_budget,omitempty"`
	// WallClearance is Diffuser's free-space projection (--wall-clearance), 0 without.
	WallClearance float64 `json:"wall_clearance,omitempty"`
	// MACs is the state network's multiply-accumulates per pass of one window (nn.TemporalUnet.MACs; 0 for
	// other networks); Candidates windows per pass for trajectory-diffuser, 1 otherwise.
	MACs int `json:"macs_per_pass,omitempty"`
}

// netMACs is a window model's MACs per pass of one window, 0 when the network does not count them.
func netMACs(m *train.Model) int {
	if u, ok := m.Checkpoint.Net.(*nn.TemporalUnet); ok {
		return u.MACs()
	}
	return 0
}

// Planner names of --planner.
const (
	planDiffuser = "diffuser"
	planDD       = "decision-diffuser"
	planTD       = "trajectory-diffuser"
)

// ddFlags are Decision Diffuser's flags of plan evaluate.
type ddFlags struct {
	invdyn, controller      string
	guidance, ret, warmTime float64
	replanEvery, warmSteps  int
	renoise                 bool
	// Trajectory Diffuser's
	draft, critic           string
	refineTime, temperature float64
	refineSteps, candidates int
	fixedReturn             bool
}

func (f *ddFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.invdyn, "invdyn", "", "decision-diffuser: the inverse-dynamics run (objective regression from (s_t, s_t+1) to a_t)")
	fs.StringVar(&f.controller, "controller", "", "decision-diffuser: invdyn (default with --invdyn) or pd (Diffuser's controller on the planned next state)")
	fs.Float64Var(&f.guidance, "guidance", 1.2, "decision-diffuser, trajectory-diffuser: classifier-free guidance weight on the return (0: none; trajectory-diffuser's default: 1.1, TD's)")
	fs.Float64Var(&f.ret, "return", -1, "decision-diffuser, trajectory-diffuser: target return-to-go in the data's units (default 0.9 x data.returns_scale, DD's target; goal-relative models: 0.9 x the data's largest goal return)")
	fs.BoolVar(&f.fixedReturn, "fixed-return", false, "trajectory-diffuser: condition every decision on --return (Decision Diffuser's conditioning) instead of following it down by the rewards (Decision Transformer's)")
	fs.IntVar(&f.replanEvery, "replan-every", 1, "decision-diffuser, trajectory-diffuser: environment steps between plans (DD and TD: 1)")
	fs.Float64Var(&f.warmTime, "warm-time", 0, "decision-diffuser: warm-start every plan after the first from the shifted previous plan at this process time (RTI; 0: off)")
	fs.IntVar(&f.warmSteps, "warm-steps", 0, "decision-diffuser: solver steps of a warm-started plan")
	fs.BoolVar(&f.renoise, "renoise", false, "decision-diffuser, trajectory-diffuser: draw the warm start (the draft) from the forward process instead of taking it as is")
	fs.StringVar(&f.draft, "draft", "", "trajectory-diffuser: the draft run (seq_regressor from (s_k, returns@k) tokens to the next pair)")
	fs.StringVar(&f.critic, "critic", "", "trajectory-diffuser: the critic run (regression from (a_t, s_t) to returns)")
	fs.Float64Var(&f.refineTime, "refine-time", 0, "trajectory-diffuser: process time at which the draft enters the refinement (0: 4% of the range, TD's step 4 of 100)")
	fs.IntVar(&f.refineSteps, "refine-steps", 0, "trajectory-diffuser: refinement steps (0: TD's 5)")
	fs.IntVar(&f.candidates, "candidates", 0, "trajectory-diffuser: refined candidates per decision (0: TD's 32)")
	fs.Float64Var(&f.temperature, "temperature", 0, "trajectory-diffuser: softmax temperature on the critic's values (0: 1)")
}

func runPlanEvaluate(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "plan evaluate", "plan evaluate --checkpoint DIR [--planner diffuser|decision-diffuser [--invdyn DIR]] [--layout umaze] [--episodes N] [--seed S] [--multi] [--solver NAME --steps K] [--data PATH] [--shard i/n|auto] [--out results.json] [--plot paths.png] [--plot-plans plans.png]")
	ckpt := fs.String("checkpoint", "", "run directory (its latest checkpoint) or a step directory: Diffuser's window model of rows [actions(2), observations(4)], or Decision Diffuser's states-only model conditioned on returns (or on the goal-relative return and the goal)")
	plannerName := fs.String("planner", planDiffuser, "diffuser (one plan per episode, Diffuser's controller) decision-diffuser (replanning, returns guidance, inverse dynamics) or trajectory-diffuser (transformer draft refined by a few guided steps, critic choice)")
	layout := fs.String("layout", "umaze", "maze layout the model was trained on: umaze, medium, large")
	episodes := fs.Int("episodes", 10, "episodes per agent")
	seed := fs.Uint64("seed", 1, "seed of the episodes' starts, goals and plans")
	multi := fs.Bool("multi", false, "Multi2D: a random goal per episode (D4RL's set_target) instead of the layout's goal cell (diffuser; decision-diffuser and trajectory-diffuser with goal-conditioned models)")
	solverName := fs.String("solver", "", "solver (default: the configuration's [sample] solver, else dpmpp-2m; the reference is ddpm with the training steps)")
	steps := fs.Int("steps", 0, "solver steps (default: [sample] steps, else 10)")
	schedule := fs.String("schedule", "", "schedule, or a FILE.json from 'schedule search' (default: [sample] schedule, else the process's)")
	data := fs.String("data", "", "the training dataset, where it is now if it moved since training (default: the recorded data.path)")
	out := fs.String("out", "", "results JSON (per-episode rows, summaries, the command and configuration), written atomically")
	plotPath := fs.String("plot", "", "image of the planner's executed paths on the maze (up to 8 episodes; .png, .svg, .pdf, ... by extension)")
	plansPath := fs.String("plot-plans", "", "image of the same episodes' first plans (format by extension)")
	workers := fs.Int("workers", 1, "episodes in parallel (0: all cores); more than 1 makes plan latencies include waiting for the shared network")
	baselines := fs.Bool("baselines", true, "also evaluate the expert controller and random actions on the same starts and goals")
	shardFlag := fs.String("shard", "", "run only block i of n of the episodes (merge the results files with 'trajdiff plan merge')"+shardFlagHelp)
	stallWindow := fs.Int("replan-stalled", 0, "diffuser: plan again from the observed state when the agent has moved less than --stall-distance in this many steps short of the target (0: one plan per episode, Diffuser's protocol)")
	stallDistance := fs.Float64("stall-distance", 0.1, "diffuser: the least progress over --replan-stalled steps")
	stallLag := fs.Float64("stall-lag", 0.5, "diffuser: a stall also needs the tracked waypoint this far from the agent")
	clearance := fs.Float64("wall-clearance", 0, "diffuser: keep every waypoint at least this far from the walls by projecting the plans onto the free space while they are sampled (0: off, Diffuser's protocol; the particle's radius is 0.1)")
	var ddf ddFlags
	ddf.register(fs)
	var sf searchFlags
	sf.register(fs)
	device := registerPlanDevice(fs)
	precision := registerPrecision(fs)
	var vf valueFlags
	vf.register(fs)
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if err := wantArgs(fs, 0, "none"); err != nil {
		return err
	}
	if *ckpt == "" {
		return usagef("--checkpoint is required")
	}
	if (vf.noGoal || vf.value != "") && *plannerName != planDiffuser {
		return usagef("--no-goal and --value plan with Diffuser (--planner %s)", planDiffuser)
	}
	if *clearance != 0 && *plannerName != planDiffuser {
		return usagef("--wall-clearance projects Diffuser's plans (--planner %s)", planDiffuser)
	}
	if *stallWindow != 0 && *plannerName != planDiffuser {
		return usagef("--replan-stalled replans Diffuser's plans (--planner %s); the other planners replan with --replan-every", planDiffuser)
	}
	if ddf.fixedReturn && *plannerName != planTD {
		return usagef("--fixed-return changes Trajectory Diffuser's returns-to-go (--planner %s); Decision Diffuser's are always fixed", planTD)
	}
	if sf.method != "" && *plannerName != planDiffuser {
		return usagef("--particle-method searches Diffuser's plans (--planner %s)", planDiffuser)
	}
	if err := checkImagePaths(*plotPath, *plansPath); err != nil {
		return err
	}
	if *episodes < 1 || *steps < 0 || *workers < 0 {
		return usagef("--episodes must be at least 1, --steps and --workers non-negative")
	}
	if *plannerName != planDiffuser && *plannerName != planDD && *plannerName != planTD {
		return usagef("--planner %q: want %s, %s or %s", *plannerName, planDiffuser, planDD, planTD)
	}
	si, sn, err := resolveShard(env, *shardFlag)
	if err != nil {
		return err
	}
	if lo, hi, _ := shard.Range(*episodes, si, sn); lo == hi {
		return usagef("--shard %d/%d of %d episodes is empty", si, sn, *episodes)
	}
	l, err := rl.LayoutByName(*layout)
	if err != nil {
		return usagef("%v", err)
	}
	dev, err := planDeviceSampler(env, "plan evaluate", *device, *precision, *workers)
	if err != nil {
		return err
	}
	vf.onDevice = dev.guided != nil
	defer dev.close()
	sample := dev.sample
	if err := checkSolverName(*solverName); err != nil {
		return err
	}
	if *schedule != "" {
		if _, err := diffusion.NewSchedule(*schedule); err != nil {
			return usagef("%v", err)
		}
	}
	m, err := train.Load(*ckpt, train.LoadOptions{DataPath: *data})
	if err != nil {
		return err
	}
	var agent planeval.Agent
	var describe func(start [4]float64, goal [2]float64) (planSampler, error)
	switch *plannerName {
	case planDiffuser:
		planner, err := diffuser.New(m, l, diffuser.Options{Solver: *solverName, Schedule: *schedule, Steps: *steps, Sample: sample, SampleGuided: dev.guided, Network: dev.network, NoGoal: vf.noGoal,
			Stall: diffuser.Stall{Window: *stallWindow, Distance: *stallDistance, Lag: *stallLag}, WallClearance: *clearance})
		if errors.Is(err, diffuser.ErrBadInput) {
			return usagef("%v", err)
		}
		if err != nil {
			return err
		}
		if planner, err = vf.apply(planner); err != nil {
			return err
		}
		if sf.method != "" {
			if planner, err = planner.WithSearch(sf.search()); err != nil {
				return usagef("%v", err)
			}
		}
		agent = planner.Agent(planDiffuser)
		describe = func(start [4]float64, goal [2]float64) (planSampler, error) {
			probe, err := planner.Plan(ctx, start, goal, 0)
			if err != nil {
				return planSampler{}, err
			}
			return planSampler{Planner: planDiffuser, Solver: probe.Solver, Schedule: probe.Schedule, Steps: probe.Steps, NFE: probe.NFE,
				ClipX0: true, EMA: m.Checkpoint.EMA, Horizon: planner.Horizon(), Search: sf.method, NFEBudget: sf.budget, WallClearance: *clearance}, nil
		}
	case planDD:
		var inv *train.Model
		if ddf.invdyn != "" {
			if inv, err = train.Load(ddf.invdyn, train.LoadOptions{}); err != nil {
				return err
			}
		}
		ret := ddf.ret
		if ret < 0 {
			ret = decisiondiffuser.DefaultReturn(m)
		}
		opt := decisiondiffuser.Options{Solver: *solverName, Schedule: *schedule, Steps: *steps, Guidance: ddf.guidance, Return: ret,
			ReplanEvery: ddf.replanEvery, WarmTime: ddf.warmTime, WarmSteps: ddf.warmSteps, Renoise: ddf.renoise, Controller: ddf.controller, Sample: sample}
		planner, err := decisiondiffuser.New(m, inv, l, opt)
		if errors.Is(err, decisiondiffuser.ErrBadInput) {
			return usagef("%v", err)
		}
		if err != nil {
			return err
		}
		if *multi && !planner.GoalConditioned() {
			return usagef("--multi: this state model's returns name the layout's fixed goal (maze2d-*-v1); Multi2D needs one trained on goal-relative returns (simulate maze2d --goal-returns, data.condition %q)",
				planmodel.GoalCondition())
		}
		agent = planner.Agent(planDD)
		describe = func(start [4]float64, goal [2]float64) (planSampler, error) {
			probe, err := planner.PlanTo(ctx, start, goal, nil, 0)
			if err != nil {
				return planSampler{}, err
			}
			o := planner.Options()
			return planSampler{Planner: planDD, Solver: probe.Solver, Schedule: probe.Schedule, Steps: probe.Steps, NFE: probe.NFE,
				ClipX0: !o.NoClip, EMA: m.Checkpoint.EMA, Horizon: planner.Horizon(), Guidance: o.Guidance, Return: o.Return,
				ReplanEvery: o.ReplanEvery, WarmTime: o.WarmTime, WarmSteps: o.WarmSteps, Renoise: o.Renoise, Controller: o.Controller, InvDyn: ddf.invdyn}, nil
		}
	case planTD:
		ms := trajdiffuser.Models{States: m}
		for _, r := range []struct {
			flag, path string
			dst        **train.Model
		}{{"--draft", ddf.draft, &ms.Draft}, {"--invdyn", ddf.invdyn, &ms.Inverse}, {"--critic", ddf.critic, &ms.Critic}} {
			if r.path == "" {
				return usagef("--planner %s needs %s", planTD, r.flag)
			}
			if *r.dst, err = train.Load(r.path, train.LoadOptions{}); err != nil {
				return err
			}
		}
		ret := ddf.ret
		if ret < 0 {
			ret = trajdiffuser.DefaultReturn(ms)
		}
		guidance := ddf.guidance
		if !flagSet(fs, "guidance") {
			guidance = 1.1 // TD's
		}
		planner, err := trajdiffuser.New(ms, l, trajdiffuser.Options{Return: ret, RefineTime: ddf.refineTime, RefineSteps: ddf.refineSteps,
			Solver: *solverName, Guidance: guidance, Renoise: ddf.renoise, Candidates: ddf.candidates, Temperature: ddf.temperature, ReplanEvery: ddf.replanEvery,
			FixedReturn: ddf.fixedReturn, Sample: sample})
		if errors.Is(err, trajdiffuser.ErrBadInput) {
			return usagef("%v", err)
		}
		if err != nil {
			return err
		}
		if *multi && !planner.GoalConditioned() {
			return usagef("--multi: these models' returns name the layout's fixed goal (maze2d-*-v1); Multi2D needs draft, state model and critic trained on goal-relative returns (simulate maze2d --goal-returns)")
		}
		agent = planner.Agent(planTD)
		describe = func(start [4]float64, goal [2]float64) (planSampler, error) {
			o := planner.Options()
			probe, err := planner.PlanTo(ctx, goal, [][4]float64{start}, []float64{o.Return}, 0, 0)
			if err != nil {
				return planSampler{}, err
			}
			return planSampler{Planner: planTD, Solver: probe.Solver, Steps: probe.Steps, NFE: probe.NFE, ClipX0: true, EMA: m.Checkpoint.EMA,
				Horizon: planner.Horizon(), Guidance: o.Guidance, Return: o.Return, FixedReturn: o.FixedReturn, ReplanEvery: o.ReplanEvery, WarmTime: o.RefineTime,
				WarmSteps: o.RefineSteps, Renoise: o.Renoise, InvDyn: ddf.invdyn, Draft: ddf.draft, Critic: ddf.critic,
				Candidates: o.Candidates, Temperature: o.Temperature, DraftCalls: probe.DraftCalls}, nil
		}
	}
	describeNet := describe
	describe = func(start [4]float64, goal [2]float64) (planSampler, error) {
		sp, err := describeNet(start, goal)
		sp.MACs = netMACs(m)
		return sp, err
	}
	agents := []planeval.Agent{agent}
	if *baselines {
		agents = append(agents, planeval.ExpertAgent(), planeval.RandomAgent())
	}
	ecfg := planeval.EvalConfig{Layout: l.Name, Multi: *multi, Episodes: *episodes, Seed: *seed, Shard: si, Shards: sn, Workers: *workers}
	lo, hi, _ := ecfg.Range()
	bar := newProgressBar(env.stderr, "plan evaluate", "episodes", len(agents)*(hi-lo))
	ecfg.Progress = bar.Func()
	res, err := planeval.Evaluate(ctx, ecfg, agents)
	if errors.Is(err, diffuser.ErrBadInput) || errors.Is(err, decisiondiffuser.ErrBadInput) || errors.Is(err, trajdiffuser.ErrBadInput) ||
		errors.Is(err, train.ErrBadRequest) {
		return usagef("%v", err)
	}
	if err != nil {
		return err
	}
	// Every plan from noise uses the same sampler: describe it once, from a plan made here (the model
	// resolves the configuration's defaults).
	ep0 := res.Agents[0].Episodes[0]
	sp, err := describe(ep0.Start, ep0.Goal)
	if err != nil {
		return err
	}
	doc := &planResults{Command: "trajdiff plan evaluate " + strings.Join(args, " "), Checkpoint: m.Checkpoint.Path, Step: m.Checkpoint.State.Step,
		Config: m.Config, Planner: sp, Workers: *workers, Results: res}
	if sn > 1 {
		fmt.Fprintf(env.stdout, "shard %d/%d: episodes %d..%d of %d\n", si, sn, lo, hi-1, *episodes)
	}
	return showPlanResults(env, doc, *out, *plotPath, *plansPath)
}

func runPlanMerge(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "plan merge", "plan merge [--pool] [--out results.json] [--plot paths.png] [--plot-plans plans.png] results-*.json")
	out := fs.String("out", "", "merged results JSON, written atomically")
	pool := fs.Bool("pool", false, "pool complete evaluations of different seeds (mean ± SE over episodes and seeds) instead of joining one evaluation's shards")
	plotPath := fs.String("plot", "", "image of the planner's executed paths on the maze (up to 8 episodes; .png, .svg, .pdf, ... by extension)")
	plansPath := fs.String("plot-plans", "", "image of the same episodes' first plans (format by extension)")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("want the results files of evaluate's shards")
	}
	if err := checkImagePaths(*plotPath, *plansPath); err != nil {
		return err
	}
	var docs []*planResults
	var parts []*planeval.Results
	for _, p := range fs.Args() {
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var d planResults
		if err := json.Unmarshal(b, &d); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		if d.Results == nil {
			return fmt.Errorf("%s: not a results file of 'trajdiff plan evaluate'", p)
		}
		if len(docs) > 0 && (d.Checkpoint != docs[0].Checkpoint || d.Step != docs[0].Step || d.Planner != docs[0].Planner) {
			return fmt.Errorf("%s: checkpoint %s step %d with %+v, but %s is %s step %d with %+v", p, d.Checkpoint, d.Step, d.Planner,
				fs.Arg(0), docs[0].Checkpoint, docs[0].Step, docs[0].Planner)
		}
		docs, parts = append(docs, &d), append(parts, d.Results)
	}
	join := planeval.Merge
	if *pool {
		join = planeval.Pool
	}
	res, err := join(parts...)
	if err != nil {
		if !*pool && slices.ContainsFunc(parts, func(p *planeval.Results) bool { return p.Seed != parts[0].Seed }) {
			return fmt.Errorf("%w (evaluations of different seeds pool with --pool)", err)
		}
		return err
	}
	doc := *docs[0]
	doc.Command, doc.Results = "trajdiff plan merge "+strings.Join(args, " "), res
	return showPlanResults(env, &doc, *out, *plotPath, *plansPath)
}

// showPlanResults prints the table, writes the results file and the plots.
func showPlanResults(env *cliEnv, doc *planResults, out, plotPath, plansPath string) error {
	res, sp := doc.Results, doc.Planner
	doc.Summary = nil
	for _, a := range res.Agents {
		doc.Summary = append(doc.Summary, a.Summary)
	}
	seeds := fmt.Sprintf("seed %d", res.Seed)
	if len(res.Seeds) > 0 {
		seeds = fmt.Sprintf("seeds %v", res.Seeds)
	}
	fmt.Fprintf(env.stdout, "%s, %d episodes per agent, %s; %s: H %d, %s %d steps (%d NFE from noise), %s weights",
		res.Env, len(res.Agents[0].Episodes), seeds, cmp.Or(sp.Planner, planDiffuser), sp.Horizon, sp.Solver, sp.Steps, sp.NFE, map[bool]string{true: "EMA", false: "raw"}[sp.EMA])
	switch sp.Planner {
	case planDD:
		fmt.Fprintf(env.stdout, ", guidance %g on return %.4g, replanning every %d step(s), controller %s", sp.Guidance, sp.Return, sp.ReplanEvery, sp.Controller)
		if sp.WarmTime > 0 {
			fmt.Fprintf(env.stdout, ", warm starts at t %g with %d step(s)", sp.WarmTime, sp.WarmSteps)
		}
	case planTD:
		fmt.Fprintf(env.stdout, ", draft of %d evaluations refined from t %g, %d candidates picked by softmax(Q/%g), guidance %g on return %.4g, replanning every %d step(s)",
			sp.DraftCalls, sp.WarmTime, sp.Candidates, sp.Temperature, sp.Guidance, sp.Return, sp.ReplanEvery)
		if sp.FixedReturn {
			fmt.Fprint(env.stdout, ", the return fixed")
		}
	}
	fmt.Fprintln(env.stdout)
	writePlanTable(env.stdout, doc.Summary)
	if s := doc.Summary[0]; sp.MACs > 0 && s.PlanMedian > 0 {
		windows := float64(max(sp.Candidates, 1))
		gmac := s.NFEPerPlan * windows * float64(sp.MACs) / 1e9
		fmt.Fprintf(env.stdout, "%s's network: %.1f M MACs per pass of a window; %.2f GMAC per plan on average, %.2f GMAC/s at the median plan latency\n",
			s.Agent, float64(sp.MACs)/1e6, gmac, gmac/s.PlanMedian)
	}
	if out != "" {
		b, err := json.MarshalIndent(doc, "", " ")
		if err != nil {
			return err
		}
		if err := fsutil.WriteFileAtomic(out, append(b, '\n')); err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "results -> %s\n", out)
	}
	l, err := rl.LayoutByName(res.Layout)
	if err != nil {
		return err
	}
	title := fmt.Sprintf("%s on %s", res.Agents[0].Summary.Agent, res.Env)
	n, err := plotPlanEpisodes(l, title, sp.NFE, res.Agents[0].Episodes, plotPath, plansPath)
	for _, f := range []string{plotPath, plansPath} {
		if f != "" && err == nil {
			fmt.Fprintf(env.stdout, "plot of %d episodes -> %s\n", n, f)
		}
	}
	return err
}

// plotPlanEpisodes draws up to 8 episodes' executed paths (to pathsFile) and first plans (to plansFile) on the
// maze, with their targets; an empty name skips a plot. It returns the number of episodes drawn.
func plotPlanEpisodes(l *rl.Layout, title string, nfe int, eps []planeval.Episode, pathsFile, plansFile string) (int, error) {
	eps = eps[:min(8, len(eps))]
	for _, pp := range []struct {
		file, what string
		xy         func(ep planeval.Episode) [][2]float64
	}{
		{pathsFile, "executed paths", func(ep planeval.Episode) [][2]float64 { return ep.Path }},
		{plansFile, "plans", func(ep planeval.Episode) [][2]float64 { return ep.FirstPlan }},
	} {
		if pp.file == "" {
			continue
		}
		var paths [][]float64
		var targets [][2]float64
		for _, ep := range eps {
			p := make([]float64, 0, 2*len(ep.Path))
			for _, xy := range pp.xy(ep) {
				p = append(p, xy[0], xy[1])
			}
			paths, targets = append(paths, p), append(targets, ep.Goal)
		}
		pl, err := mazeplot.Maze(l, paths, mazeplot.Options{Title: fmt.Sprintf("%s: %s, %d NFE", title, pp.what, nfe), Targets: targets})
		if err != nil {
			return 0, err
		}
		w, h := mazeplot.Size(l, 480)
		if err := plotfile.WriteFile(pp.file, pl, w, h); err != nil {
			return 0, err
		}
	}
	return len(eps), nil
}

// writePlanTable prints one row per agent; "walls p/s" counts plan points and plan segments in walls, "plan
// Δxy/jump" is the plans' mean step length and the median of their largest step.
func writePlanTable(w io.Writer, sums []planeval.Summary) {
	fmt.Fprintf(w, "%-10s %16s %8s %8s %12s %12s %12s %12s %5s %9s %13s\n", "agent", "score (±SE)", "return", "success",
		"plan median", "plan p95", "step median", "step p95", "NFE", "walls p/s", "plan Δxy/jump")
	ms := func(s float64) string {
		switch {
		case s >= 1e-3:
			return fmt.Sprintf("%.1f ms", 1e3*s)
		case s >= 1e-6:
			return fmt.Sprintf("%.1f µs", 1e6*s)
		}
		return fmt.Sprintf("%.0f ns", 1e9*s)
	}
	for _, s := range sums {
		plan50, plan95, nfe, wall, steps := "-", "-", "-", "-", "-"
		if s.Plans > 0 {
			plan50, plan95, nfe, wall = ms(s.PlanMedian), ms(s.PlanP95), fmt.Sprintf("%.4g", s.NFEPerPlan), fmt.Sprintf("%d/%d", s.PlanWallPoints, s.PlanWallSegments)
			steps = fmt.Sprintf("%.3f/%.2f", s.PlanMeanStep, s.PlanMaxStep)
		}
		fmt.Fprintf(w, "%-10s %16s %8.1f %7.0f%% %12s %12s %12s %12s %5s %9s %13s\n", s.Agent, fmt.Sprintf("%.1f ± %.1f", s.ScoreMean, s.ScoreSE),
			s.ReturnMean, 100*s.SuccessRate, plan50, plan95, ms(s.StepMedian), ms(s.StepP95), nfe, wall, steps)
	}
}

// flagSet reports whether the command line set flag name.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

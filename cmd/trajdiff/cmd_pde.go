package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/internal/shard"
	"github.com/trajdiff/trajdiff/pde/wdno"
	"github.com/trajdiff/trajdiff/train"
)

func pdeCommand() command {
	return command{name: "pde", summary: "WDNO on Burgers and smoke: train, evaluate simulation or control (with baselines, sharded), merge reports, write generated trajectories, estimate states from sensors", run: runPDE}
}

const pdeUsage = `Usage: trajdiff pde <train|evaluate|merge|compare|generate|estimate|superres> [flags]

  train       train a WDNO (wavelet space) or physical-space diffusion model on a dataset of
              'trajdiff simulate burgers|advection|cns|smoke' from a TOML configuration (resumable; the data
              decide the system); see configs/wdno-*.toml
  evaluate    simulation MSE (all frames and at fronts) or control J (re-simulated with the true solver)
              of one or more checkpoints on a test dataset, next to zero control, the dataset's control
              and the adjoint optimum (Burgers; on smoke with --baseline adjoint, from the dataset's control);
              smoke control: smoke_out, leakage and J re-simulated with pde/smoke; prints a table,
              writes a mergeable report; --shard i/n for job arrays
  merge       combine the reports of evaluate's shards into one table
  compare     per test case: each method against a reference (the adjoint optimum, zero control...):
              paired mean difference with its standard error, cases better and worse, median and 90th
              percentile of the ratio; from one or more evaluate reports of the same test cases
  generate    write a checkpoint's generated trajectories for test cases as a fields dataset (same layout
              as the test data, params: source id and index), and with --resim, for a control model, the
              generated controls re-simulated with the true solver (Burgers, or pde/smoke as evaluate
              does); draw them with 'trajdiff plot'
  estimate    state estimation from sparse noisy sensors with a model trained for task "estimate":
              RED-Diff, clamping, guided sampling and the prior against interpolation and re-simulation
              from the interpolated initial readings; MSE to the truth, residual, NFE and time per method
  superres    repeated super-resolution with a model trained for task "superres": from the test data
              subsampled 2^passes times up to its own resolution, MSE at every level next to nearest,
              bilinear and cubic interpolation of the coarse input

Run 'trajdiff pde <verb> --help' for its flags; package pde/wdno documents the method.
`

func runPDE(ctx context.Context, env *cliEnv, args []string) error {
	return runSubcommand(ctx, env, args, pdeUsage, []subcommand{
		{"train", runPDETrain}, {"evaluate", runPDEEvaluate}, {"merge", runPDEMerge}, {"compare", runPDECompare}, {"generate", runPDEGenerate}, {"estimate", runPDEEstimate}, {"superres", runPDESuperres}})
}

func runPDETrain(ctx context.Context, env *cliEnv, args []string) error {
	tf, err := parseTrainFlags(env, "pde train", "out, task, [data], [layout], [network], [objective], [train], [sample]", args)
	if err != nil {
		return err
	}
	cfg, err := wdno.LoadConfig(tf.config)
	if err != nil {
		return usagef("%v", err)
	}
	if tf.steps > 0 {
		cfg.Train.Steps = tf.steps
	}
	_, err = runWithBar(env, "pde train", cfg.Out, cfg.Train.Steps, func(progress func(train.Status)) (*train.Result, error) {
		return wdno.Train(ctx, cfg, tf.resume, progress)
	})
	return err
}

func runPDEEvaluate(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "pde evaluate", "pde evaluate --checkpoint DIR [--checkpoint DIR2 ...] --data test.arrow [--baseline zero,dataset] [--limit n] [--shard i/n|auto] [--out report.json]")
	var ckpts multiString
	fs.Var(&ckpts, "checkpoint", "run or step directory of a 'pde train' run (repeat for baselines: a physical-space model); all of one task")
	data := fs.String("data", "", "test dataset of 'trajdiff simulate burgers' (or smoke) at the models' resolution")
	baselines := fs.String("baseline", "zero,dataset,adjoint", "control baselines, comma-separated: zero, dataset, adjoint (L-BFGS on the solver's exact adjoint: from zero control on Burgers, from the dataset's control on smoke, where it is left out of the default; none: \"\")")
	adjointIters := fs.Int("adjoint-iters", 100, "L-BFGS iterations of the adjoint baseline")
	refine := fs.Int("refine-iters", 0, "control models: polish each generated control with at most this many L-BFGS iterations on the solver's exact adjoint (rows named MODEL+adjoint-N; 0: off)")
	var sf pdeSampling
	sf.register(fs, "evaluate only shard i/n of the cases (a job array's task)")
	var search particleFlags
	search.registerControl(fs)
	device := registerPDEDevice(fs, "simulation and control; physical-space guidance and --particle-method evaluate the network there and keep their loop, gradient and solver on the CPU")
	precision := registerPrecision(fs)
	out := fs.String("out", "", "report JSON, written atomically (merge shards with 'trajdiff pde merge')")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if err := wantArgs(fs, 0, "none"); err != nil {
		return err
	}
	if len(ckpts) == 0 || *data == "" {
		return usagef("--checkpoint and --data are required")
	}
	if err := checkPDEDevice(*device, *precision); err != nil {
		return err
	}
	if *adjointIters < 1 {
		return usagef("--adjoint-iters must be at least 1")
	}
	if *refine < 0 {
		return usagef("--refine-iters must not be negative")
	}
	weights, err := sf.check(env)
	if err != nil {
		return err
	}
	d, err := wdno.OpenData(*data)
	if err != nil {
		return err
	}
	defer d.Close()
	var methods []wdno.Method
	task := wdno.Task(-1)
	for _, c := range ckpts {
		m, err := wdno.Load(c, weights)
		if err != nil {
			return err
		}
		if task >= 0 && m.Task != task {
			return usagef("--checkpoint %s was trained for %v, the first for %v", c, m.Task, task)
		}
		task = m.Task
		meth := wdno.Method{Name: uniqueName(methods, m.Name()), Model: m}
		if sf.projectEnds != "" {
			if err := sf.checkProjectEnds(c, m); err != nil {
				return err
			}
			meth.Name = uniqueName(methods, m.Name()+endsSuffix(sf.projectEnds))
		}
		if err := refuseDeviceGuidance(*device, m, sf.request()); err != nil {
			return err
		}
		_, steps, _ := m.Settings(sf.request())
		if meth.Search, err = search.search(sf.solver, steps); err != nil {
			return err
		}
		if meth.Search != nil {
			if m.Task != wdno.Control {
				return usagef("--particle-method searches by control cost: --checkpoint %s is a %v model", c, m.Task)
			}
			meth.Name = uniqueName(methods, fmt.Sprintf("%s+%s-%d", m.Name(), search.method, search.budget))
		}
		if *refine > 0 {
			if m.Task != wdno.Control {
				return usagef("--refine-iters polishes controls: --checkpoint %s is a %v model", c, m.Task)
			}
			meth.Refine = *refine
			meth.Name = uniqueName(methods, fmt.Sprintf("%s+adjoint-%d", meth.Name, *refine))
		}
		methods = append(methods, meth)
	}
	if task == wdno.Control {
		list := *baselines
		if d.IsSmoke() && !flagSet(fs, "baseline") {
			list = "zero,dataset"
		}
		for _, b := range strings.Split(list, ",") {
			switch strings.TrimSpace(b) {
			case "":
			case "zero":
				methods = append(methods, wdno.ZeroControl())
			case "dataset":
				methods = append(methods, wdno.DatasetControl())
			case "adjoint":
				if d.IsSmoke() {
					methods = append(methods, wdno.SmokeAdjointOptimum(d, *adjointIters))
					break
				}
				methods = append(methods, wdno.AdjointOptimum(d.Params, *adjointIters, 0))
			default:
				return usagef("--baseline %q: want zero, dataset or adjoint", b)
			}
		}
	}
	cases, err := sf.cases(d.Len())
	if err != nil {
		return err
	}
	lo, hi := cases[0], cases[len(cases)-1]+1
	req := sf.request()
	sample, network, closeDevice, err := pdeDeviceSampler(env, "pde evaluate", *device, *precision)
	if err != nil {
		return err
	}
	defer closeDevice()
	req.Device, req.Network = sample, network
	bars := newProgressBars(env.stderr, "pde evaluate ", "cases")
	rep, err := wdno.Evaluate(ctx, d, methods, wdno.EvalOptions{Task: task, Cases: cases, Request: req, Batch: sf.batch,
		Progress: bars.Update})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "%s on %s, cases %d..%d\n", rep.Task, rep.Data, lo, hi-1)
	return showPDEReport(env, rep, *out)
}

// uniqueName is name, or name-2, name-3... when an earlier method already has it.
func uniqueName(ms []wdno.Method, name string) string {
	for k := 1; ; k++ {
		n := name
		if k > 1 {
			n = fmt.Sprintf("%s-%d", name, k)
		}
		taken := false
		for _, m := range ms {
			taken = taken || m.Name == n
		}
		if !taken {
			return n
		}
	}
}

func runPDEMerge(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "pde merge", "pde merge [--out report.json] report-*.json")
	out := fs.String("out", "", "merged report JSON, written atomically")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("want the report files of evaluate's shards")
	}
	reps, err := loadPDEReports(fs.Args())
	if err != nil {
		return err
	}
	rep, err := wdno.Merge(reps)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "%s on %s, %d reports\n", rep.Task, rep.Data, len(reps))
	return showPDEReport(env, rep, *out)
}

// loadPDEReports reads the report files of pde evaluate (unknown fields are an error: not such a report).
func loadPDEReports(paths []string) ([]*wdno.Report, error) {
	var reps []*wdno.Report
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		var r wdno.Report
		if err := train.UnmarshalStrict(b, &r); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		reps = append(reps, &r)
	}
	return reps, nil
}

func showPDEReport(env *cliEnv, rep *wdno.Report, out string) error {
	writePDETable(env.stdout, rep)
	return saveReport(env, out, rep)
}

func writePDETable(w io.Writer, rep *wdno.Report) {
	if rep.System == "smoke" && rep.Task == wdno.Control.String() {
		fmt.Fprintf(w, "%-20s %6s %10s %10s %10s %11s %11s %11s %9s %7s\n", "method", "cases", "smoke_out", "median", "leakage", "J mean", "J median", "d0 misfit", "seconds", "failed")
		for _, s := range rep.Summary {
			fmt.Fprintf(w, "%-20s %6d %10.4f %10.4f %10.4f %11.4e %11.4e %11.4e %9.1f %7d\n", s.Method, s.Cases, s.SmokeOut, s.SmokeOutMedian, s.Leakage, s.J, s.JMedian, s.Misfit, s.Seconds, s.Failed)
		}
		return
	}
	if rep.Task == wdno.Simulate.String() {
		fmt.Fprintf(w, "%-20s %6s %11s %11s %9s %7s\n", "method", "cases", "MSE", "front MSE", "seconds", "failed")
		for _, s := range rep.Summary {
			fmt.Fprintf(w, "%-20s %6d %11.4e %11.4e %9.1f %7d\n", s.Method, s.Cases, s.MSE, s.FrontMSE, s.Seconds, s.Failed)
		}
		return
	}
	// own misfit: the model's own u(T) against the target (no re-simulation); "-" for baselines and
	// refined controls, which have no generated state.
	fmt.Fprintf(w, "%-20s %6s %11s %11s %11s %11s %11s %9s %7s\n", "method", "cases", "J mean", "J median", "misfit", "own misfit", "energy", "seconds", "failed")
	for _, s := range rep.Summary {
		own := "-"
		if pdeGenerates(s.Method) {
			own = fmt.Sprintf("%.4e", s.TargetMisfit)
		}
		fmt.Fprintf(w, "%-20s %6d %11.4e %11.4e %11.4e %11s %11.4e %9.1f %7d\n", s.Method, s.Cases, s.J, s.JMedian, s.Misfit, own, s.Energy, s.Seconds, s.Failed)
	}
}

// pdeGenerates tells a model's row of a Burgers control report from the baselines' and the refined
// controls' (MODEL+adjoint-N), which generate no state of their own.
func pdeGenerates(method string) bool {
	switch method {
	case wdno.ZeroControlName, wdno.DatasetControlName, wdno.AdjointOptimumName:
		return false
	}
	return !strings.Contains(method, "+adjoint-")
}

// pdeSampling are the flags evaluate and generate share: how to sample and which cases.
type pdeSampling struct {
	solver, weights, shard string
	guideThrough           string
	si, sn                 int // the shard, resolved by check
	steps, limit, batch    int
	seed                   uint64
	guidance               float64
	projectEnds            string
}

func (p *pdeSampling) register(fs *flag.FlagSet, shardHelp string) {
	fs.StringVar(&p.solver, "solver", "", "solver (default: the checkpoint's [sample] solver, else ddpm)")
	fs.IntVar(&p.steps, "steps", 0, "solver steps (default: [sample] steps, else 50)")
	fs.Float64Var(&p.guidance, "guidance", -1, "control guidance weight (default: [sample] guidance, else 1.2e5, smoke 100); 0 disables it. Pick it on validation for each sampler: deterministic ddim wants a smaller one (on Burgers a third to a thirtieth of the ancestral weight, docs/benchmarks.md)")
	fs.StringVar(&p.guideThrough, "guide-through", wdno.GuideX0, "control guidance's gradient: x0 (WDNO's: dJ/dx0 moves x0) or denoiser (dJ/dx0 pulled back through the network to x_t, so it reaches what J does not read; CPU only)")
	fs.StringVar(&p.projectEnds, "project-ends", "", "1-D control (simulation): project every x0 prediction onto the trajectories that start at u0 and end at the target u* (start at u0): frames (DDNM's null-space correction of the end frames alone; methods get the suffix +ends) or orthogonal (the smallest change of the image; +ends-orthogonal); WDNO gives u0 and u* only as a condition channel, the physical layout inpaints them")
	fs.StringVar(&p.weights, "weights", "default", "weights: default (the run's sample.ema), ema or raw")
	fs.IntVar(&p.limit, "limit", 0, "only the first n test cases (before sharding); 0: all")
	fs.StringVar(&p.shard, "shard", "", shardHelp+shardFlagHelp)
	fs.IntVar(&p.batch, "batch", 50, "cases per sampling batch")
	fs.Uint64Var(&p.seed, "seed", 1, "noise seed")
}

// check validates the flags and returns the weights to load.
func (p *pdeSampling) check(env *cliEnv) (train.Weights, error) {
	if p.steps < 0 || p.limit < 0 || p.batch < 1 {
		return 0, usagef("--steps and --limit must be non-negative, --batch at least 1")
	}
	var err error
	if p.si, p.sn, err = resolveShard(env, p.shard); err != nil {
		return 0, err
	}
	if p.guideThrough != wdno.GuideX0 && p.guideThrough != wdno.GuideDenoiser {
		return 0, usagef("--guide-through %q: want %s or %s", p.guideThrough, wdno.GuideX0, wdno.GuideDenoiser)
	}
	switch p.projectEnds {
	case "", wdno.EndsFrames, wdno.EndsOrthogonal:
	default:
		return 0, usagef("--project-ends %q: want %s or %s", p.projectEnds, wdno.EndsFrames, wdno.EndsOrthogonal)
	}
	if p.solver != "" {
		if _, err := diffusion.NewSolver(p.solver); err != nil {
			return 0, usagef("%v", err)
		}
	}
	return parseWeights(p.weights)
}

// endsSuffix names a method whose ends are projected: +ends for the end frames' correction, +ends-orthogonal.
func endsSuffix(mode string) string {
	if mode == wdno.EndsFrames {
		return "+ends"
	}
	return "+ends-" + mode
}

// checkProjectEnds refuses --project-ends for a model it does not apply to: only 1-D control and simulation
// models are given u0 (and u*).
func (p *pdeSampling) checkProjectEnds(ckpt string, m *wdno.Model) error {
	if m.Task == wdno.Estimate || m.Layout.Config().Grid != nil {
		return usagef("--project-ends is for 1-D control and simulation models: --checkpoint %s is a %v model on a grid of %v", ckpt, m.Task, m.Layout.Config().Grid)
	}
	return nil
}

// cases are the dataset indices of this shard of the first --limit cases.
func (p *pdeSampling) cases(n int) ([]int, error) {
	if p.limit > 0 {
		n = min(n, p.limit)
	}
	lo, hi, err := shard.Range(n, p.si, p.sn)
	if err != nil {
		return nil, usagef("--shard: %v", err)
	}
	if hi <= lo {
		return nil, fmt.Errorf("shard %d/%d of %d cases is empty", p.si, p.sn, n)
	}
	cases := make([]int, 0, hi-lo)
	for i := lo; i < hi; i++ {
		cases = append(cases, i)
	}
	return cases, nil
}

func (p *pdeSampling) request() wdno.Request {
	req := wdno.Request{Solver: p.solver, Steps: p.steps, Seed: p.seed, GuideThrough: p.guideThrough, ProjectEnds: p.projectEnds}
	if p.guidance >= 0 {
		g := p.guidance
		req.Guidance = &g
	}
	return req
}

// parseWeights reads --weights: default (the run's sample.ema), ema or raw.
func parseWeights(s string) (train.Weights, error) {
	switch s {
	case "default":
		return train.DefaultWeights, nil
	case "ema":
		return train.EMAWeights, nil
	case "raw":
		return train.RawWeights, nil
	}
	return train.DefaultWeights, usagef("--weights %q: want default, ema or raw", s)
}

func runPDEGenerate(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "pde generate", "pde generate --checkpoint DIR --data test.arrow --out gen.arrow [--resim resim.arrow] [--limit n] [--shard i/n|auto]")
	ckpt := fs.String("checkpoint", "", "run or step directory of a 'pde train' run")
	data := fs.String("data", "", "test dataset of 'trajdiff simulate burgers|smoke' at the model's resolution")
	out := fs.String("out", "", "generated trajectories: a fields dataset like the test data, params (source_id, source_index; smoke: appended to the source's); written atomically")
	resim := fs.String("resim", "", "control models: also write the generated controls re-simulated with the true solver (Burgers or pde/smoke) from the true initial state here")
	var sf pdeSampling
	sf.register(fs, "generate only shard i/n of the cases (a job array's task; row ids start at the shard's first case)")
	force := fs.Bool("force", false, "replace existing output files")
	device := registerPDEDevice(fs, "simulation, control and estimation's prior draws; physical-space guidance evaluates the network there and keeps its loop on the CPU")
	precision := registerPrecision(fs)
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if err := wantArgs(fs, 0, "none"); err != nil {
		return err
	}
	if *ckpt == "" || *data == "" || *out == "" {
		return usagef("--checkpoint, --data and --out are required")
	}
	if sf.seed > math.MaxInt64 {
		return usagef("--seed must be at most 2^63-1")
	}
	if err := checkPDEDevice(*device, *precision); err != nil {
		return err
	}
	weights, err := sf.check(env)
	if err != nil {
		return err
	}
	d, err := wdno.OpenData(*data)
	if err != nil {
		return err
	}
	defer d.Close()
	m, err := wdno.Load(*ckpt, weights)
	if err != nil {
		return err
	}
	if *resim != "" && m.Task != wdno.Control {
		return usagef("--resim: %s is a %v model; re-simulation is for control models", *ckpt, m.Task)
	}
	if sf.projectEnds != "" {
		if err := sf.checkProjectEnds(*ckpt, m); err != nil {
			return err
		}
	}
	cases, err := sf.cases(d.Len())
	if err != nil {
		return err
	}
	lo, hi := cases[0], cases[len(cases)-1]+1
	req := sf.request()
	if err := refuseDeviceGuidance(*device, m, req); err != nil {
		return err
	}
	sample, network, closeDevice, err := pdeDeviceSampler(env, "pde generate", *device, *precision)
	if err != nil {
		return err
	}
	defer closeDevice()
	req.Device, req.Network = sample, network
	bar := newProgressBar(env.stderr, "pde generate "+m.Name(), "cases", len(cases))
	res, err := wdno.WriteGenerated(ctx, m, d, *out, wdno.GenerateOptions{Cases: cases, Request: req, Batch: sf.batch,
		Resim: *resim, FirstID: int64(lo), Overwrite: *force, Checkpoint: *ckpt, Progress: bar.Func()})
	if res != nil {
		for _, f := range res.Failed {
			fmt.Fprintf(env.stderr, "pde generate: case %d (id %d) failed at %s: %s\n", f.Case, f.ID, f.Stage, f.Error)
		}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "%s %v on %s, cases %d..%d: %d generated -> %s\n", m.Name(), m.Task, *data, lo, hi-1, res.Generated, *out)
	if *resim != "" {
		fmt.Fprintf(env.stdout, "%d re-simulated with the true solver -> %s\n", res.Resimulated, *resim)
	}
	if len(res.Failed) > 0 {
		fmt.Fprintf(env.stdout, "%d cases failed (listed above and in the datasets' generator parameters failed_cases)\n", len(res.Failed))
	}
	return nil
}

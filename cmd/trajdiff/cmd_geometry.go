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
	"strings"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/geometry/geotdm"
	"github.com/trajdiff/trajdiff/internal/shard"
	"github.com/trajdiff/trajdiff/train"
)

func geometryCommand() command {
	return command{name: "geometry", summary: "GeoTDM trajectories: forecast, evaluate (ADE/FDE against baselines), merge shard reports, generate (unconditional scores)", run: runGeometry}
}

const geometryUsage = `Usage: trajdiff geometry <forecast|evaluate|merge|generate> [flags]

  forecast    K samples of the target frames of every trajectory of a geometric dataset, written as a
              geometric dataset (condition frames followed by each sample; params: source id, sample).
              The checkpoint's frames decide the task: forecasting (frames 0-9 -> 10-29), interpolation
              (0-4 and 25-29 -> 5-24) or unconditional generation (no condition frames); draw one
              over its ground truth with 'trajdiff plot samples.arrow --index i --truth test.arrow --out f.png'
  evaluate    ADE and FDE (mean and min over K samples, averaged over systems) and the marginal score of a
              checkpoint, optional baseline checkpoints and constant velocity (linear interpolation
              between condition frames); prints a table, writes a mergeable report
  merge       combine the reports of evaluate's shards into the report of the whole dataset
  generate    one unconditional sample per test system (from its node features and edges alone), written
              as a geometric dataset, and the marginal, classification and prediction scores of the
              samples next to held-out real trajectories, their frames shuffled in time and constant
              velocity (--reference)

Run 'trajdiff geometry <verb> --help' for its flags; package geometry/geotdm documents the protocol.
`

func runGeometry(ctx context.Context, env *cliEnv, args []string) error {
	return runSubcommand(ctx, env, args, geometryUsage, []subcommand{
		{"forecast", runGeometryForecast}, {"evaluate", runGeometryEvaluate}, {"merge", runGeometryMerge},
		{"generate", runGeometryGenerate}})
}

// geometryFlags are the flags forecast and evaluate share.
type geometryFlags struct {
	ckpt, data, solver, shard string
	si, sn                    int // the shard, resolved by open
	k, steps, limit, batch    int
	seed                      uint64
	allowOther                bool
}

func (g *geometryFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&g.ckpt, "checkpoint", "", "run directory (its latest checkpoint) or step directory of a data.kind geometric run")
	fs.StringVar(&g.data, "data", "", "geometric dataset to forecast (e.g. charged/test.arrow)")
	fs.StringVar(&g.solver, "solver", "", "solver (default: the checkpoint's [sample] solver, else dpmpp-2m)")
	fs.StringVar(&g.shard, "shard", "", "process only shard i/n of the trajectories (a job array's task)"+shardFlagHelp)
	fs.IntVar(&g.k, "k", 5, "samples per trajectory")
	fs.IntVar(&g.steps, "steps", 0, "solver steps (default: [sample] steps, else 10)")
	fs.IntVar(&g.limit, "limit", 0, "only the first n trajectories (before sharding); 0: all")
	fs.IntVar(&g.batch, "batch", 8, "trajectories per network batch (the samples depend on it and the seed, not on sharding)")
	fs.Uint64Var(&g.seed, "seed", 1, "noise seed")
	fs.BoolVar(&g.allowOther, "allow-other-system", false, "accept a dataset of another system than the checkpoint's training data")
}

// open validates the shared flags and opens the model and dataset.
func (g *geometryFlags) open(env *cliEnv) (*geotdm.Model, *datasets.Dataset, int, int, error) {
	if g.ckpt == "" || g.data == "" {
		return nil, nil, 0, 0, usagef("--checkpoint and --data are required")
	}
	if g.k < 1 || g.steps < 0 || g.limit < 0 || g.batch < 1 {
		return nil, nil, 0, 0, usagef("--k and --batch must be at least 1, --steps and --limit non-negative")
	}
	si, sn, err := resolveShard(env, g.shard)
	if err != nil {
		return nil, nil, 0, 0, err
	}
	g.si, g.sn = si, sn
	if err := checkSolverName(g.solver); err != nil {
		return nil, nil, 0, 0, err
	}
	m, err := geotdm.Load(g.ckpt)
	if err != nil {
		return nil, nil, 0, 0, err
	}
	ds, err := datasets.Open(g.data)
	if err != nil {
		return nil, nil, 0, 0, err
	}
	return m, ds, si, sn, nil
}

func runGeometryForecast(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "geometry forecast", "geometry forecast --checkpoint DIR --data test.arrow --out samples.arrow [--k 5] [--solver NAME] [--steps N] [--seed S] [--shard i/n|auto] [--limit n] [--device gpu]")
	var g geometryFlags
	g.register(fs)
	out := fs.String("out", "", "samples as a geometric dataset, written atomically")
	force := fs.Bool("force", false, "replace an existing --out")
	device := registerGeometryDevice(fs)
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if err := wantArgs(fs, 0, "none"); err != nil {
		return err
	}
	if *out == "" {
		return usagef("--out is required")
	}
	m, ds, si, sn, err := g.open(env)
	if err != nil {
		return err
	}
	defer ds.Close()
	if err := m.CheckDataset(ds, g.allowOther); err != nil {
		return err
	}
	total := ds.Len()
	if g.limit > 0 {
		total = min(total, g.limit)
	}
	lo, hi, err := shard.Range(total, si, sn)
	if err != nil {
		return usagef("--shard: %v", err)
	}
	views := make([]datasets.GeometricView, 0, hi-lo)
	for i := lo; i < hi; i++ {
		v, err := ds.Trajectory(i)
		if err != nil {
			return err
		}
		views = append(views, v)
	}
	if len(views) == 0 {
		return fmt.Errorf("shard %d/%d of %d trajectories is empty", si, sn, total)
	}
	sample, release, err := geometryDeviceSampler(env, *device, "geometry forecast")
	if err != nil {
		return err
	}
	defer release()
	bar := newProgressBar(env.stderr, "geometry forecast", "trajectories", len(views))
	samples, err := m.Forecast(ctx, views, geotdm.Options{K: g.k, Solver: g.solver, Steps: g.steps, Seed: g.seed, Batch: g.batch,
		Progress: bar.Func(), Sample: sample})
	if errors.Is(err, train.ErrBadRequest) {
		return usagef("%v", err)
	}
	var failed *geotdm.FailedError
	if err != nil && !errors.As(err, &failed) {
		return err
	}
	if failed != nil { // keep every trajectory that sampled; the failures are reported after writing
		kept, keptSamples := views[:0:0], samples[:0:0]
		for i, s := range samples {
			if s != nil {
				kept, keptSamples = append(kept, views[i]), append(keptSamples, s)
			}
		}
		views, samples = kept, keptSamples
		if len(views) == 0 {
			return err
		}
	}
	spec := ds.Metadata().Geometric
	info := geotdm.SamplesInfo{NodeFeatureNames: spec.NodeFeatureNames, Dt: spec.Dt, Overwrite: *force,
		Description: fmt.Sprintf("%d samples per trajectory of %s (trajectories %d..%d) from %s, seed %d", g.k, g.data, lo, hi-1, g.ckpt, g.seed)}
	if err := geotdm.WriteSamples(*out, m.Layout(), views, samples, info); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "%d trajectories x %d samples of %d frames -> %s\n", len(views), g.k, len(m.Layout().Net.TargetFrames), *out)
	if failed != nil {
		return fmt.Errorf("%w (the other trajectories are in %s)", failed, *out)
	}
	return nil
}

// multiString collects a repeatable string flag.
type multiString []string

func (m *multiString) String() string     { return strings.Join(*m, ",") }
func (m *multiString) Set(s string) error { *m = append(*m, s); return nil }

func runGeometryEvaluate(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "geometry evaluate", "geometry evaluate --checkpoint DIR --data test.arrow [--baseline DIR ...] [--k 5] [--solver NAME] [--steps N] [--shard i/n|auto] [--limit n] [--out report.json] [--device gpu]")
	var g geometryFlags
	g.register(fs)
	var baselines multiString
	fs.Var(&baselines, "baseline", "another geometric checkpoint to score on the same trajectories (repeatable), e.g. the network with an N(0, I) prior")
	var pf pairFlags
	pf.register(fs)
	out := fs.String("out", "", "report JSON (mergeable with `trajdiff geometry merge`), written atomically")
	transform := fs.Uint64("transform", 0, "when not 0: move every test system by its own random rotation/reflection and translation (this seed), to check equivariance")
	device := registerGeometryDevice(fs)
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if err := wantArgs(fs, 0, "none"); err != nil {
		return err
	}
	m, ds, si, sn, err := g.open(env)
	if err != nil {
		return err
	}
	defer ds.Close()
	opts := geotdm.EvalOptions{K: g.k, Solver: g.solver, Steps: g.steps, Seed: g.seed, Batch: g.batch, Shard: si, Shards: sn, Limit: g.limit,
		AllowOtherSystem: g.allowOther, Transform: *transform}
	var release func() error
	if opts.Sample, release, err = geometryDeviceSampler(env, *device, "geometry evaluate"); err != nil {
		return err
	}
	defer release()
	for _, b := range baselines {
		bm, err := geotdm.Load(b)
		if err != nil {
			return err
		}
		opts.Baselines = append(opts.Baselines, bm)
	}
	if opts.Pairs, err = pf.methods(g); err != nil {
		return err
	}
	opts.Progress = newProgressBars(env.stderr, "evaluate ", "trajectories").Update
	rep, err := geotdm.Evaluate(ctx, m, ds, opts)
	if errors.Is(err, train.ErrBadRequest) {
		return usagef("%v", err)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "%s on %s (shard %d/%d, %d systems), K = %d, seed %d\n", g.ckpt, g.data, g.si, g.sn, rep.Systems, rep.K, rep.Seed)
	return showReport(env, rep, *out)
}

func runGeometryMerge(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "geometry merge", "geometry merge [--out report.json] report-*.json")
	out := fs.String("out", "", "merged report JSON, written atomically")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("want the report files of evaluate's shards")
	}
	var reps []*geotdm.Report
	for _, p := range fs.Args() {
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var r geotdm.Report
		if err := json.Unmarshal(b, &r); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		reps = append(reps, &r)
	}
	rep, err := geotdm.Merge(reps...)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "%s, %d shards (%s), %d systems, K = %d\n", rep.Checkpoint, len(rep.Shards), strings.Join(rep.Shards, " "), rep.Systems, rep.K)
	return showReport(env, rep, *out)
}

// showReport prints rep's table and writes it to out when out is set.
func showReport(env *cliEnv, rep *geotdm.Report, out string) error {
	writeGeometryTable(env.stdout, rep)
	return saveReport(env, out, rep)
}

// writeGeometryTable prints one row per method: NFE per sample, ADE and FDE mean and min over K, and
// the wall time of its forecasts.
func writeGeometryTable(w io.Writer, rep *geotdm.Report) {
	fmt.Fprintf(w, "%-24s %5s %9s %9s %9s %9s %9s %9s %7s\n", "method", "NFE", "ADE mean", "FDE mean", "ADE min", "FDE min", "marginal", "seconds", "failed")
	for _, m := range rep.Methods {
		name := m.Name
		if len(name) > 24 {
			name = "…" + name[len(name)-23:]
		}
		marginal := "-"
		if m.Marginal > 0 {
			marginal = fmt.Sprintf("%.4f", m.Marginal)
		}
		fmt.Fprintf(w, "%-24s %5d %9.4f %9.4f %9.4f %9.4f %9s %9.1f %7d\n", name, m.NFE, m.MeanADE, m.MeanFDE, m.MinADE, m.MinFDE, marginal, m.Seconds, len(m.Failed))
	}
	for _, m := range rep.Methods {
		if len(m.Failed) > 0 {
			fmt.Fprintf(w, "%s: sampling failed for %d systems (not in its averages), first: %s\n", m.Name, len(m.Failed), m.FirstFailure)
		}
	}
}

func runGeometryGenerate(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "geometry generate", "geometry generate --checkpoint DIR --data test.arrow [--reference train.arrow] [--limit n] [--solver NAME] [--steps N] [--out samples.arrow] [--report report.json] [--device gpu]")
	var g geometryFlags
	g.register(fs)
	reference := fs.String("reference", "", "held-out real trajectories of the same system (e.g. train.arrow) for the baselines")
	out := fs.String("out", "", "the samples as a geometric dataset, written atomically")
	force := fs.Bool("force", false, "replace an existing --out")
	report := fs.String("report", "", "report JSON, written atomically")
	scoreSeed := fs.Uint64("score-seed", 1, "seed of the classification and prediction models (split, initialisation, batches)")
	epochs := fs.Int("score-epochs", 100, "training epochs of the classification and prediction models")
	predictFrom := fs.Int("predict-from", 0, "frames the prediction score's forecaster sees (default half)")
	device := registerGeometryDevice(fs)
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if err := wantArgs(fs, 0, "none"); err != nil {
		return err
	}
	kSet := false
	fs.Visit(func(f *flag.Flag) { kSet = kSet || f.Name == "k" })
	if kSet && g.k != 1 {
		return usagef("generate draws one sample per test system (--k 1)")
	}
	if g.shard != "" {
		return usagef("generate scores whole sets; --shard does not apply")
	}
	if *epochs < 1 || *predictFrom < 0 {
		return usagef("--score-epochs must be at least 1 and --predict-from non-negative")
	}
	m, ds, _, _, err := g.open(env)
	if err != nil {
		return err
	}
	defer ds.Close()
	opts := geotdm.UncondOptions{Solver: g.solver, Steps: g.steps, Seed: g.seed, Batch: g.batch, Limit: g.limit, AllowOtherSystem: g.allowOther,
		Score: geotdm.ScoreOptions{Seed: *scoreSeed, Epochs: *epochs}, PredictFrom: *predictFrom}
	var release func() error
	if opts.Sample, release, err = geometryDeviceSampler(env, *device, "geometry generate"); err != nil {
		return err
	}
	defer release()
	if *reference != "" {
		ref, err := datasets.Open(*reference)
		if err != nil {
			return err
		}
		defer ref.Close()
		opts.Reference = ref
	}
	var bar *progressBar
	current := ""
	opts.Progress = func(stage string, done, total int) {
		if stage != "generate" {
			fmt.Fprintf(env.stderr, "scoring %s (%d/%d)\n", stage, done+1, total)
			return
		}
		if current == "" {
			bar, current = newProgressBar(env.stderr, "generate", "systems", total), stage
		}
		bar.Update(done)
	}
	rep, gen, err := geotdm.EvaluateUnconditional(ctx, m, ds, opts)
	if errors.Is(err, train.ErrBadRequest) {
		return usagef("%v", err)
	}
	if err != nil {
		return err
	}
	if *out != "" {
		spec := ds.Metadata().Geometric
		info := geotdm.SamplesInfo{NodeFeatureNames: spec.NodeFeatureNames, Dt: spec.Dt, Overwrite: *force,
			Description: fmt.Sprintf("unconditional samples (centred) for the systems of %s from %s, seed %d", g.data, g.ckpt, g.seed)}
		if err := geotdm.WriteSamples(*out, m.Layout(), gen.Views, gen.Samples, info); err != nil {
			return err
		}
	}
	fmt.Fprintf(env.stdout, "%s on %s: %d systems, %d frames, solver %s %d steps, seed %d; scores against the test systems (centred), prediction from %d frames\n",
		g.ckpt, g.data, rep.Systems, len(rep.TargetFrames), cmp.Or(g.solver, "(checkpoint's)"), g.steps, g.seed, rep.PredictFrom)
	writeUncondTable(env.stdout, rep)
	if *out != "" {
		fmt.Fprintf(env.stdout, "samples -> %s\n", *out)
	}
	return saveReport(env, *report, rep)
}

// writeUncondTable prints one row per generator: marginal score (lower is better), classification
// cross-entropy (GeoTDM's score: higher is better, ln 2 = indistinguishable) and accuracy, prediction MSE
// on the real trajectories (lower is better).
func writeUncondTable(w io.Writer, rep *geotdm.UncondReport) {
	fmt.Fprintf(w, "%-28s %5s %7s %9s %9s %9s %11s %8s %6s\n", "method", "NFE", "samples", "marginal", "class BCE", "class acc", "prediction", "seconds", "failed")
	for _, m := range rep.Methods {
		fmt.Fprintf(w, "%-28s %5d %7d %9.4f %9.4f %9.3f %11.5f %8.1f %6d\n", m.Name, m.NFE, m.Samples, m.Marginal, m.Classification.BCE,
			m.Classification.Accuracy, m.Prediction, m.Seconds, len(m.Failed))
	}
	for _, m := range rep.Methods {
		if len(m.Failed) > 0 {
			fmt.Fprintf(w, "%s: sampling failed for %d systems (not scored), first: %s\n", m.Name, len(m.Failed), m.FirstFailure)
		}
	}
}

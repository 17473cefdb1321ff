package train

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"time"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/nn"
)

// ObjectiveRegression is the objective kind of supervised regression: a regressor network (nn arch
// "regressor" or "seq_regressor") maps the data.inputs entries of a window (and returns-to-go,
// ReturnsComponent) to its data.targets entries, both in normalised units (returns-to-go divided by
// data.returns_scale), with the mean squared error as loss. Decision Diffuser's inverse dynamics a_t = f(s_t, s_{t+1})
// is a regression on windows of horizon 2.
const ObjectiveRegression = "regression"

// regressionOnly checks that a regression objective sets none of the diffusion keys.
func (c ObjectiveConfig) regressionOnly() error {
	if c.Kind != ObjectiveRegression {
		return fmt.Errorf("train: inputs and targets belong to objective kind regression (objective kind is %q)", c.Kind)
	}
	rest := c
	rest.Kind = ""
	if !reflect.ValueOf(rest).IsZero() {
		return fmt.Errorf("train: objective kind regression takes no diffusion settings (process, prediction, time, weighting, ...), got %+v", c)
	}
	return nil
}

// InputEntries parses Inputs (ParseRegressionEntry: window entries and returns-to-go).
func (d DataConfig) InputEntries() ([]WindowEntry, error) { return parseRegressionEntries(d.Inputs) }

// TargetEntries parses Targets (ParseRegressionEntry: window entries and returns-to-go).
func (d DataConfig) TargetEntries() ([]WindowEntry, error) { return parseRegressionEntries(d.Targets) }

// regressionIndices returns the positions of data.inputs and data.targets in a regression example (the
// flattened window, then the returns-to-go of its steps: regressionIndex): each list non-empty, every entry
// inside the window, no entry twice and none in both lists; data.returns_scale and data.discount are
// checked against the use of returns-to-go.
func (d DataConfig) regressionIndices(horizon, transition int) (in, out []int, err error) {
	ins, err := d.InputEntries()
	if err != nil {
		return nil, nil, err
	}
	outs, err := d.TargetEntries()
	if err != nil {
		return nil, nil, err
	}
	if len(ins) == 0 || len(outs) == 0 {
		return nil, nil, fmt.Errorf("train: objective regression needs data.inputs and data.targets (window entries \"STEP:COMPONENT\")")
	}
	if err := d.checkRegressionReturns(usesReturns(ins, outs)); err != nil {
		return nil, nil, err
	}
	seen := map[int]string{}
	index := func(key string, es []WindowEntry) ([]int, error) {
		var idx []int
		for _, e := range es {
			k, err := regressionIndex(e, horizon, transition)
			if err != nil {
				return nil, fmt.Errorf("train: data.%s: %w", key, err)
			}
			if prev, ok := seen[k]; ok {
				name := fmt.Sprintf("window entry %d:%d", e.T, e.C)
				if e.IsReturns() {
					name = fmt.Sprintf("returns@%d", e.T)
				}
				return nil, fmt.Errorf("train: %s is listed twice (data.%s and data.%s)", name, prev, key)
			}
			seen[k] = key
			idx = append(idx, k)
		}
		return idx, nil
	}
	if in, err = index("inputs", ins); err != nil {
		return nil, nil, err
	}
	if out, err = index("targets", outs); err != nil {
		return nil, nil, err
	}
	return in, out, nil
}

// errTemporalValueRegression refuses a temporal_value outside objective kind value: its last input is
// the diffusion time of a noisy window, which only the value objective supplies.
func errTemporalValueRegression() error {
	return fmt.Errorf("train: network temporal_value is a value model of noisy windows and their time: train it with objective kind %q", ObjectiveValue)
}

// checkRegressor checks that spec is a regressor of the given input and output sizes.
func checkRegressor(spec nn.Spec, in, out int) error {
	if !spec.IsRegressor() {
		return fmt.Errorf("train: objective regression trains a network of arch \"regressor\" or \"seq_regressor\", got %q", spec.Arch)
	}
	sin, sout, err := spec.RegressorIO()
	if err != nil {
		return fmt.Errorf("train: network %s without its [network.%s] configuration", spec.Arch, spec.Arch)
	}
	if sin != in || sout != out {
		set := fmt.Sprintf("network.regressor in = %d, out = %d", in, out)
		if spec.Arch == "seq_regressor" {
			set = fmt.Sprintf("network.seq_regressor tokens * token_dim = %d, out = %d", in, out)
		}
		return fmt.Errorf("train: the regressor maps %d inputs to %d outputs; data.inputs lists %d entries and data.targets %d (set %s)",
			sin, sout, in, out, set)
	}
	return nil
}

// regressionTrainer builds the trainer of an objective kind regression run (Config.Trainer).
func (c Config) regressionTrainer() (*Trainer, *datasets.Dataset, error) {
	if c.Objective.Kind != ObjectiveRegression {
		return nil, nil, fmt.Errorf("train: data.inputs and data.targets belong to objective kind regression (objective kind is %q)", c.Objective.Kind)
	}
	if err := c.Objective.regressionOnly(); err != nil {
		return nil, nil, err
	}
	if geo, err := c.Data.IsGeometric(); err != nil || geo {
		return nil, nil, errors.Join(err, fmt.Errorf("train: objective regression trains on windows (data.kind windows)"))
	}
	if len(c.Data.Condition) > 0 || len(c.Data.Inpaint) > 0 || c.Train.CondDropout != 0 {
		return nil, nil, fmt.Errorf("train: data.condition, data.inpaint and train.cond_dropout belong to denoising; a regression has data.inputs and data.targets")
	}
	if c.Network.Arch == "temporal_value" {
		return nil, nil, errTemporalValueRegression()
	}
	if err := checkRegressor(c.Network, len(c.Data.Inputs), len(c.Data.Targets)); err != nil {
		return nil, nil, err
	}
	ds, s, err := c.Data.OpenData()
	if err != nil {
		return nil, nil, err
	}
	tr, err := func() (*Trainer, error) {
		in, out, err := c.Data.regressionIndices(s.Horizon(), s.Dim())
		if err != nil {
			return nil, err
		}
		bases, err := c.Data.relativeBases(s.Horizon(), s.Dim())
		if err != nil {
			return nil, err
		}
		ss, err := NewSamplerSource(s, c.Train.Batch, c.Train.Seed)
		if err != nil {
			return nil, err
		}
		var src Source = ss
		ins, _ := c.Data.InputEntries()
		outs, _ := c.Data.TargetEntries()
		if usesReturns(ins, outs) {
			if src, err = newReturnsSource(ss, ds, c.Data); err != nil {
				return nil, err
			}
		}
		extra, err := json.Marshal(c)
		if err != nil {
			return nil, err
		}
		return &Trainer{Spec: c.Network, Objective: c.Objective, Source: src, Options: c.Train, Dir: c.Out, Extra: extra,
			Inputs: in, Targets: out, Bases: bases}, nil
	}()
	if err != nil {
		ds.Close()
		return nil, nil, err
	}
	return tr, ds, nil
}

// runRegression is Trainer.Run for objective kind regression: the same optimiser, schedule, clipping,
// EMA, checkpoints, metrics and resume, with a regressor's mean squared error
//
//	L = mean_b ||f(x0_b[Inputs]) - x0_b[Targets]||^2 / len(Targets)
//
// on the source's (normalised) examples, a target with a base (Bases) replaced by its standardised
// increment (Increment). A step draws no random numbers beyond the source's batch order.
func (t *Trainer) runRegression(ctx context.Context) (*Result, error) {
	opt := t.Options
	if err := opt.validate(); err != nil {
		return nil, err
	}
	if err := t.Objective.regressionKind(); err != nil {
		return nil, err
	}
	if len(t.Inpaint) > 0 || opt.CondDropout != 0 || t.Source.CondDim() != 0 {
		return nil, fmt.Errorf("train: a regression has no inpainted positions, condition or condition dropout")
	}
	if opt.Immiscible != "" {
		return nil, fmt.Errorf("train: immiscible %q assigns diffusion noise; a regression draws none", opt.Immiscible)
	}
	if t.Spec.Arch == "temporal_value" && t.Objective.Kind != ObjectiveValue {
		return nil, errTemporalValueRegression()
	}
	if err := checkRegressor(t.Spec, len(t.Inputs), len(t.Targets)); err != nil {
		return nil, err
	}
	D := t.Source.Dim()
	for _, i := range slices.Concat(t.Inputs, t.Targets) {
		if i < 0 || i >= D {
			return nil, fmt.Errorf("train: regression position %d outside an example of %d values", i, D)
		}
	}
	if t.Bases != nil && len(t.Bases) != len(t.Targets) {
		return nil, fmt.Errorf("train: %d bases for %d regression targets", len(t.Bases), len(t.Targets))
	}
	for _, b := range t.Bases {
		if b != -1 && !slices.Contains(t.Inputs, b) {
			return nil, fmt.Errorf("train: regression base %d is not one of the inputs %v", b, t.Inputs)
		}
	}
	dt := t.dtype()
	net, err := t.Spec.NewRegressor(dt, opt.Seed)
	if err != nil {
		return nil, err
	}
	ema, err := t.Spec.NewRegressor(dt, opt.Seed)
	if err != nil {
		return nil, err
	}
	rg, err := nn.NewRegressionGraph(net, nn.TrainOptions{Batch: opt.Batch, Seed: opt.Seed})
	if err != nil {
		return nil, err
	}
	defer rg.Close()
	adam, err := opt.newAdam()
	if err != nil {
		return nil, err
	}
	var inc []Increment // the checkpoint's when resuming, else measured below
	start, log, err := t.resumeRun(func(ckpt string) (int, error) { return t.restoreRegression(ckpt, net, ema, adam, rg, &inc) }, net.Params(), ema.Params())
	if err != nil {
		return nil, err
	}
	if log != nil {
		defer log.Close()
	}
	if start == 0 {
		if inc, err = measureIncrements(t.Source, opt.Batch, t.Targets, t.Bases); err != nil {
			return nil, err
		}
	}
	state := State{Spec: t.Spec, DType: dt.String(), Objective: t.Objective.withDefaults(), Options: opt, Extra: t.Extra,
		Inputs: t.Inputs, Targets: t.Targets, Increments: inc}
	checkpoint := func(step int, loss float64) error {
		if t.Dir == "" {
			return nil
		}
		st := state
		st.Step, st.Loss = step, loss
		return saveCheckpoint(t.Dir, st, net.Params(), ema.Params(), adam, rg.Params(), opt.KeepCheckpoints)
	}

	x0 := make([]float64, opt.Batch*D)
	in, tgt := make([]float64, len(t.Inputs)), make([]float64, len(t.Targets))
	loop := &stepLoop{t: t, opt: opt, adam: adam, model: net.Params(), ema: ema.Params(), log: log, checkpoint: checkpoint, began: time.Now(), start: start}
	loss := math.NaN()
	for step := start; step < opt.Steps; step++ {
		if err := loop.cancelled(ctx, step, loss); err != nil {
			return nil, err
		}
		if err := t.Source.Batch(step, x0, nil); err != nil {
			return nil, fmt.Errorf("train: step %d: source: %w", step, err)
		}
		for b := 0; b < opt.Batch; b++ {
			row := x0[b*D : (b+1)*D]
			for j, k := range t.Inputs {
				in[j] = row[k]
			}
			for j, k := range t.Targets {
				tgt[j] = fitTarget(row, k, j, inc)
			}
			if err := rg.SetExample(b, in, tgt); err != nil {
				return nil, fmt.Errorf("train: step %d example %d: %w", step, b, err)
			}
		}
		l, err := rg.Run(uint64(step))
		if err := loop.finish(step, l, err, rg.GradNorm(), rg.ValueGrads()); err != nil {
			return nil, err
		}
		loss = l
	}
	return &Result{Steps: opt.Steps, Loss: loss, Resumed: start, Regressor: net, EMARegressor: ema}, nil
}

// restoreRegression loads a regression checkpoint into the run and returns its step; the run goes on with
// the checkpoint's increments (*inc).
func (t *Trainer) restoreRegression(ckpt string, net, ema nn.Regressor, adam *nn.Adam, rg *nn.RegressionGraph, inc *[]Increment) (int, error) {
	st, err := t.readResumable(ckpt)
	if err != nil {
		return 0, err
	}
	if !slices.Equal(st.Inputs, t.Inputs) || !slices.Equal(st.Targets, t.Targets) {
		return 0, fmt.Errorf("train: checkpoint %s regressed positions %v on %v, this run asks for %v on %v", ckpt, st.Targets, st.Inputs, t.Targets, t.Inputs)
	}
	if !slices.Equal(basesOf(st.Increments), t.Bases) {
		return 0, fmt.Errorf("train: checkpoint %s fitted its targets relative to positions %v, this run asks for %v (data.relative_to)", ckpt, basesOf(st.Increments), t.Bases)
	}
	if st.Step > t.Options.Steps {
		return 0, fmt.Errorf("train: checkpoint %s is at step %d, beyond the run's %d steps", ckpt, st.Step, t.Options.Steps)
	}
	if err := loadRunState(ckpt, net.Params(), ema.Params(), adam, rg.Params()); err != nil {
		return 0, err
	}
	*inc = st.Increments
	return st.Step, nil
}

// loadRegressor is loadNetwork for a regression checkpoint: the regressor with its raw or EMA weights.
func loadRegressor(ckpt string, st State, ema bool) (*Checkpoint, error) {
	net, err := st.Spec.NewRegressor(st.dtype(), st.Options.Seed)
	if err != nil {
		return nil, fmt.Errorf("train: checkpoint %s: %w", ckpt, err)
	}
	if err := loadWeights(ckpt, net.Params(), ema); err != nil {
		return nil, err
	}
	return &Checkpoint{Path: ckpt, State: st, EMA: ema, Regressor: net, RegressorPredictor: nn.NewRegressorPredictor(net)}, nil
}

// regression is what a Model of objective kind regression predicts with.
type regression struct {
	inputs, targets []WindowEntry
	// inc are the targets' increments (nil for none) and baseInput the index in the input vector of each
	// target's base (-1 for none).
	inc       []Increment
	baseInput []int
}

// loadRegression completes Load for a regression run: the dataset's normalisers and the layout of inputs
// and targets, which must fit the regressor.
func loadRegression(ckpt string, cfg Config, c *Checkpoint) (*Model, error) {
	ds, s, err := cfg.Data.OpenData()
	if err != nil {
		return nil, fmt.Errorf("train: opening the training data %s for its normalisers: %w", cfg.Data.Path, err)
	}
	defer ds.Close()
	m := &Model{Checkpoint: c, Config: cfg, Horizon: s.Horizon(), Transition: s.Dim(), norms: s.Normalizers(), stats: &statsCache{}}
	if err := m.layColumns(s.Columns(), s.Widths()); err != nil {
		return nil, err
	}
	in, out, err := cfg.Data.regressionIndices(m.Horizon, m.Transition)
	if err != nil {
		return nil, fmt.Errorf("train: checkpoint %s: %w", ckpt, err)
	}
	if !slices.Equal(in, c.State.Inputs) || !slices.Equal(out, c.State.Targets) {
		return nil, fmt.Errorf("train: checkpoint %s: data.inputs and data.targets give positions %v and %v in the data's windows, the run trained on %v and %v",
			ckpt, in, out, c.State.Inputs, c.State.Targets)
	}
	if c.Regressor.In() != len(in) || c.Regressor.Out() != len(out) {
		return nil, fmt.Errorf("train: checkpoint %s: the regressor maps %d to %d values, data.inputs and data.targets list %d and %d",
			ckpt, c.Regressor.In(), c.Regressor.Out(), len(in), len(out))
	}
	bases, err := cfg.Data.relativeBases(m.Horizon, m.Transition)
	if err != nil {
		return nil, fmt.Errorf("train: checkpoint %s: %w", ckpt, err)
	}
	if inc := basesOf(c.State.Increments); !slices.Equal(bases, inc) {
		return nil, fmt.Errorf("train: checkpoint %s: data.relative_to gives bases %v, the run fitted its targets relative to %v", ckpt, bases, inc)
	}
	r := &regression{inc: c.State.Increments}
	r.inputs, _ = cfg.Data.InputEntries()
	r.targets, _ = cfg.Data.TargetEntries()
	for _, x := range r.inc {
		r.baseInput = append(r.baseInput, slices.Index(in, x.Base))
	}
	m.regression = r
	return m, nil
}

// IsRegression reports whether the model is a regressor (objective kind regression): it predicts with
// Predict and does not Sample.
func (m *Model) IsRegression() bool { return m.regression != nil }

// Inputs lists the window entries a regression model takes, in the order of Predict's input vectors
// (DataConfig.Inputs; a return-to-go is WindowEntry{T: STEP, C: ReturnsComponent}); nil for a denoising model.
func (m *Model) Inputs() []WindowEntry {
	if m.regression == nil {
		return nil
	}
	return slices.Clone(m.regression.inputs)
}

// Targets lists the window entries a regression model predicts, in the order of Predict's outputs
// (DataConfig.Targets; a return-to-go is WindowEntry{T: STEP, C: ReturnsComponent}); nil for a denoising model.
func (m *Model) Targets() []WindowEntry {
	if m.regression == nil {
		return nil
	}
	return slices.Clone(m.regression.targets)
}

// EntryName names a window entry "STEP:COLUMN[k]", e.g. "1:observations[0]" (STEP as given, negative
// counting from the end), and a regression's return-to-go "returns@STEP" (ReturnsComponent; "returns" is
// named "returns@0"); "" for a component outside the transition.
func (m *Model) EntryName(e WindowEntry) string {
	if e.IsReturns() {
		return fmt.Sprintf("returns@%d", e.T)
	}
	names := m.Components()
	if e.C < 0 || e.C >= len(names) {
		return ""
	}
	return fmt.Sprintf("%d:%s", e.T, names[e.C])
}

// InputNames are EntryName of Inputs, e.g. ["0:observations[0]", ..., "1:observations[3]"] for inverse dynamics.
func (m *Model) InputNames() []string { return m.entryNames(m.Inputs()) }

// TargetNames are EntryName of Targets, e.g. ["0:actions[0]", "0:actions[1]"].
func (m *Model) TargetNames() []string { return m.entryNames(m.Targets()) }

func (m *Model) entryNames(es []WindowEntry) []string {
	if es == nil {
		return nil
	}
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = m.EntryName(e)
	}
	return out
}

// predictChunk bounds the batch of one network evaluation in Predict.
const predictChunk = 1024

// Predict maps raw input vectors (the Inputs entries, in the data's units) to raw outputs (the Targets
// entries, in the data's units) with a regression model's weights (the EMA weights unless the
// configuration's sample.ema or LoadOptions says otherwise): each input is normalised as in training, the
// regressor runs, a target fitted as an increment (data.relative_to) is added to its base, and the outputs
// are unnormalised (the limits normaliser clips each output vector to its column's data range when it
// leaves [-1, 1], as Unnormalize does for samples). Returns-to-go, in and out,
// are in the data's units too: an input is divided by data.returns_scale, an output multiplied by it (no
// clipping). Every vector must have len(Inputs) finite values; bad inputs, and Predict on a denoising
// model, fail with ErrBadRequest before any work. Cancelling ctx stops between chunks of 1024 vectors.
func (m *Model) Predict(ctx context.Context, inputs [][]float64) ([][]float64, error) {
	if m.value != nil {
		return nil, badRequest("the model is a value model (objective kind value): it guides sampling (Model.ValueGradient), it does not predict")
	}
	if m.regression == nil {
		return nil, badRequest("the model is a denoiser (objective kind %q): it samples windows (Model.Sample), it does not predict", m.Checkpoint.State.Objective.Kind)
	}
	I, O := len(m.regression.inputs), len(m.regression.targets)
	if len(inputs) == 0 {
		return nil, badRequest("no input vectors")
	}
	for i, v := range inputs {
		if len(v) != I {
			return nil, badRequest("input vector %d has %d values, the model takes %d (%v)", i, len(v), I, m.InputNames())
		}
		for j, x := range v {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, badRequest("input vector %d value %d (%s) is %v", i, j, m.EntryName(m.regression.inputs[j]), x)
			}
		}
	}
	out := make([][]float64, len(inputs))
	for lo := 0; lo < len(inputs); lo += predictChunk {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		hi := min(lo+predictChunk, len(inputs))
		x := make([]float64, 0, (hi-lo)*I)
		for _, v := range inputs[lo:hi] {
			for j, e := range m.regression.inputs {
				if e.IsReturns() {
					x = append(x, v[j]/m.Config.Data.ReturnsScale)
					continue
				}
				x = append(x, m.normalizeValue(e.C, v[j]))
			}
		}
		y := make([]float64, (hi-lo)*O)
		if err := m.Checkpoint.RegressorPredictor.Predict(y, x); err != nil {
			return nil, fmt.Errorf("train: predict: %w", err)
		}
		for i := lo; i < hi; i++ {
			yi := y[(i-lo)*O : (i-lo+1)*O]
			for j, inc := range m.regression.inc {
				if b := m.regression.baseInput[j]; b >= 0 {
					yi[j] = x[(i-lo)*I+b] + inc.Mean + inc.Scale*yi[j]
				}
			}
			out[i] = m.unnormalizeTargets(yi)
		}
	}
	return out, nil
}

// unnormalizeTargets maps one output vector (normalised target entries) to the data's units: the targets
// of each step and column are unnormalised together, as one row of that column.
func (m *Model) unnormalizeTargets(y []float64) []float64 {
	out := make([]float64, len(y))
	type group struct{ t, col int }
	rows := map[group][]float32{}
	for j, e := range m.regression.targets {
		if e.IsReturns() {
			out[j] = y[j] * m.Config.Data.ReturnsScale
			continue
		}
		ci, _ := m.column(e.C)
		g := group{e.T, ci}
		if rows[g] == nil {
			rows[g] = make([]float32, m.Columns[ci].Width)
		}
		_, k := m.column(e.C)
		rows[g][k] = float32(y[j])
	}
	for g, row := range rows {
		m.norms[g.col].Unnormalize(row)
		for j, e := range m.regression.targets {
			if ci, k := m.column(e.C); !e.IsReturns() && ci == g.col && e.T == g.t {
				out[j] = float64(row[k])
			}
		}
	}
	return out
}

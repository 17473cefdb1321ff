package train

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/internal/stream"
	"github.com/trajdiff/trajdiff/nn"
)

// ObjectiveValue is the objective kind of a value model on NOISY windows (Diffuser's ValueFunction
// trained by ValueDiffusion, Janner et al. 2022, section 3.2): a regressor J_phi(x_t, t) from a window
// x0 of the data (normalised as a denoiser's), noised by the objective's process at a uniform time
// t in [TMin, TMax],
//
//	x_t = alpha(t) x0 + sigma(t) eps,   eps ~ N(0, I),
//
// together with ValueTimeFeatures features of t, to the window's discounted return from its first step
// to its episode's end,
//
//	R = sum_{k>=0} discount^k r_{t0+k}   (data.discount, default 0.99 as the reference's values config),
//
// divided by data.returns_scale (the reference keeps raw returns, normed = False; the scale only brings
// them to order one), with the mean squared error as loss. The network is nn's "regressor" MLP with
// in = horizon*transition + ValueTimeFeatures and out = 1, or nn's "temporal_value" (Diffuser's own
// U-Net value model) of the data's horizon and transition, which reads t itself after the window
// (in = horizon*transition + 1) through its sinusoidal time embedding, as the denoisers do. Guidance
// (rl/diffuser.ValueGuide) reads J and dJ/dx_t with Model.ValueGradient.
const ObjectiveValue = "value"

// ValueTimeFeatures is the number of time features an MLP value network receives after the window
// (arch temporal_value receives t itself instead):
// cos(pi k u) and sin(pi k u) for k = 1..4 of u = (t - TMin)/(TMax - TMin) in [0, 1], smooth in t so that
// an MLP interpolates between the times it saw.
const ValueTimeFeatures = 8

// valueTime is how a value network reads the process time after the window: the ValueTimeFeatures
// features of valueTimeFeatures (an MLP), or t itself (arch temporal_value, whose sinusoidal embedding
// takes the time as the denoisers' networks do: NetTime = t).
type valueTime struct {
	process diffusion.Process
	raw     bool
}

// newValueTime is the time input of the value network spec.
func newValueTime(spec nn.Spec, p diffusion.Process) valueTime {
	return valueTime{process: p, raw: spec.Arch == "temporal_value"}
}

// dim is the number of time inputs after the window.
func (v valueTime) dim() int {
	if v.raw {
		return 1
	}
	return ValueTimeFeatures
}

// write writes the time inputs of t into dst (dim values).
func (v valueTime) write(dst []float64, t float64) {
	if v.raw {
		dst[0] = t
		return
	}
	valueTimeFeatures(dst, v.process, t)
}

// checkValueNetwork checks that spec is a value network of the data's windows, horizon steps of
// transition values: a regressor of W + ValueTimeFeatures inputs, or a temporal_value of that horizon and
// transition, with one output.
func checkValueNetwork(spec nn.Spec, horizon, transition int) error {
	W := horizon * transition
	if spec.Arch == "temporal_value" {
		c := spec.TemporalValue
		if c == nil {
			return fmt.Errorf("train: network temporal_value without its [network.temporal_value] configuration")
		}
		if c.Horizon != horizon || c.Transition != transition || (c.Out != 0 && c.Out != 1) {
			return fmt.Errorf("train: network.temporal_value horizon %d, transition %d, out %d: a value network of the data's windows needs horizon %d (data.horizon), transition %d (the columns' width) and out 1",
				c.Horizon, c.Transition, c.Out, horizon, transition)
		}
		if _, _, err := spec.RegressorIO(); err != nil {
			return fmt.Errorf("train: %w", err)
		}
		return nil
	}
	if err := checkRegressor(spec, W+ValueTimeFeatures, 1); err != nil {
		return fmt.Errorf("%w (a value network takes horizon*transition = %d window values and %d time features and returns one value; or use arch temporal_value)", err, W, ValueTimeFeatures)
	}
	return nil
}

// valueTimeFeatures writes the ValueTimeFeatures features of process time t into dst.
func valueTimeFeatures(dst []float64, p diffusion.Process, t float64) {
	u := (t - p.TMin()) / (p.TMax() - p.TMin())
	for k := 1; k <= ValueTimeFeatures/2; k++ {
		dst[2*(k-1)] = math.Cos(math.Pi * float64(k) * u)
		dst[2*(k-1)+1] = math.Sin(math.Pi * float64(k) * u)
	}
}

// valueOnly checks a value objective: a process (default vp-cosine) and uniform time at most.
func (c ObjectiveConfig) valueOnly() error {
	if c.Kind != ObjectiveValue {
		return fmt.Errorf("train: objective kind %q is not %q", c.Kind, ObjectiveValue)
	}
	if c.Time != "" && c.Time != "uniform" {
		return fmt.Errorf("train: objective kind value draws t uniformly on the process's [TMin, TMax], got time %q", c.Time)
	}
	rest := c
	rest.Kind, rest.Process, rest.Time, rest.Steps = "", "", "", 0
	if !reflect.ValueOf(rest).IsZero() {
		return fmt.Errorf("train: objective kind value takes a process (and vp-discrete steps) only, got %+v", c)
	}
	return nil
}

// regressionKind checks the objective of a run that fits a regressor: kind regression or value.
func (c ObjectiveConfig) regressionKind() error {
	if c.Kind == ObjectiveValue {
		return c.valueOnly()
	}
	return c.regressionOnly()
}

// valueTrainer builds the trainer of an objective kind value run (Config.Trainer): examples of
// horizon*transition noisy values, the time inputs (valueTime) and the scaled return, regressed through
// the regression loop.
func (c Config) valueTrainer() (*Trainer, *datasets.Dataset, error) {
	if err := c.Objective.valueOnly(); err != nil {
		return nil, nil, err
	}
	p, err := c.Objective.withDefaults().process()
	if err != nil {
		return nil, nil, err
	}
	if geo, err := c.Data.IsGeometric(); err != nil || geo {
		return nil, nil, errors.Join(err, fmt.Errorf("train: objective value trains on windows (data.kind windows)"))
	}
	if len(c.Data.Condition) > 0 || len(c.Data.Inpaint) > 0 || len(c.Data.Inputs) > 0 || len(c.Data.Targets) > 0 || c.Train.CondDropout != 0 {
		return nil, nil, fmt.Errorf("train: objective value takes the whole noisy window and regresses its return: data.condition, data.inpaint, data.inputs, data.targets and train.cond_dropout do not apply")
	}
	if err := c.Data.checkRegressionReturns(true); err != nil {
		return nil, nil, err
	}
	ds, s, err := c.Data.OpenData()
	if err != nil {
		return nil, nil, err
	}
	tr, err := func() (*Trainer, error) {
		W := s.Horizon() * s.Dim()
		if err := checkValueNetwork(c.Network, s.Horizon(), s.Dim()); err != nil {
			return nil, err
		}
		vt := newValueTime(c.Network, p)
		ss, err := NewSamplerSource(s, c.Train.Batch, c.Train.Seed)
		if err != nil {
			return nil, err
		}
		rs, err := newReturnsSource(ss, ds, c.Data)
		if err != nil {
			return nil, err
		}
		extra, err := json.Marshal(c)
		if err != nil {
			return nil, err
		}
		in := make([]int, W+vt.dim())
		for i := range in {
			in[i] = i
		}
		src := &valueSource{inner: rs, process: p, time: vt, seed: c.Train.Seed, window: W}
		return &Trainer{Spec: c.Network, Objective: c.Objective, Source: src, Options: c.Train, Dir: c.Out, Extra: extra,
			Inputs: in, Targets: []int{W + vt.dim()}}, nil
	}()
	if err != nil {
		ds.Close()
		return nil, nil, err
	}
	return tr, ds, nil
}

// valueSource serves a value run's examples: the noisy window x_t, the time inputs of t and R(t0)/scale.
// Step and example key t and eps (stream "train/value"), so a resumed run draws the same examples.
type valueSource struct {
	inner   *returnsSource
	process diffusion.Process
	time    valueTime
	seed    uint64
	window  int
	buf     []float64
}

func (v *valueSource) Dim() int     { return v.window + v.time.dim() + 1 }
func (v *valueSource) CondDim() int { return 0 }

func (v *valueSource) Batch(step int, x0, cond []float64) error {
	D, ID := v.Dim(), v.inner.Dim()
	B := len(x0) / D
	if len(x0) != B*D || len(cond) != 0 {
		return fmt.Errorf("train: value batch of %d values (and %d condition values), want a multiple of %d", len(x0), len(cond), D)
	}
	if len(v.buf) != B*ID {
		v.buf = make([]float64, B*ID)
	}
	if err := v.inner.Batch(step, v.buf, nil); err != nil {
		return err
	}
	p := v.process
	for b := 0; b < B; b++ {
		src, row := v.buf[b*ID:(b+1)*ID], x0[b*D:(b+1)*D]
		rng := stream.RNG(v.seed, "train/value", uint64(step)<<20|uint64(b), "train")
		t := p.TMin() + (p.TMax()-p.TMin())*rng.Float64()
		a, s := p.Alpha(t), p.Sigma(t)
		for i := 0; i < v.window; i++ {
			row[i] = a*src[i] + s*rng.NormFloat64()
		}
		v.time.write(row[v.window:D-1], t)
		row[D-1] = src[v.window] // R(t0)/scale: the return-to-go at the window's first step
	}
	return nil
}

// valueHead is what a Model of objective kind value evaluates with.
type valueHead struct {
	grad    *nn.RegressorInputGrad
	process diffusion.Process
	time    valueTime
}

// loadValue completes Load for a value run: the dataset's normalisers and layout, which must fit the network.
func loadValue(ckpt string, cfg Config, c *Checkpoint) (*Model, error) {
	p, err := cfg.Objective.withDefaults().process()
	if err != nil {
		return nil, fmt.Errorf("train: checkpoint %s: %w", ckpt, err)
	}
	ds, s, err := cfg.Data.OpenData()
	if err != nil {
		return nil, fmt.Errorf("train: opening the training data %s for its normalisers: %w", cfg.Data.Path, err)
	}
	defer ds.Close()
	m := &Model{Checkpoint: c, Config: cfg, Horizon: s.Horizon(), Transition: s.Dim(), norms: s.Normalizers(), stats: &statsCache{}}
	if err := m.layColumns(s.Columns(), s.Widths()); err != nil {
		return nil, err
	}
	vt := newValueTime(c.Regressor.Spec(), p)
	if W := m.Horizon * m.Transition; c.Regressor.In() != W+vt.dim() || c.Regressor.Out() != 1 {
		return nil, fmt.Errorf("train: checkpoint %s: the value network maps %d values to %d, the data's windows need %d + %d time inputs to 1",
			ckpt, c.Regressor.In(), c.Regressor.Out(), W, vt.dim())
	}
	if err := checkValueNetwork(c.Regressor.Spec(), m.Horizon, m.Transition); err != nil {
		return nil, fmt.Errorf("train: checkpoint %s: %w", ckpt, err)
	}
	m.value = &valueHead{grad: nn.NewRegressorInputGrad(c.Regressor), process: p, time: vt}
	return m, nil
}

// IsValue reports whether the model is a value model J(x_t, t) (objective kind value): it evaluates
// ValueGradient and neither samples nor predicts.
func (m *Model) IsValue() bool { return m.value != nil }

// ValueProcess is the process whose noisy windows a value model was trained on (nil for other models):
// guidance must run on a denoiser of the same process.
func (m *Model) ValueProcess() diffusion.Process {
	if m.value == nil {
		return nil
	}
	return m.value.process
}

// ValueGradient evaluates a value model on B noisy windows x (B*Horizon*Transition values in TRAINING
// units: normalised as the data, at noise level t of ValueProcess) at process time t: values gets J (B
// values, in training units: return / data.returns_scale) and grad gets dJ/dx (B*Horizon*Transition
// values, per unit of the normalised window). Bad sizes, a non-finite x or t outside [0, TMax] fail
// with ErrBadRequest; a model that is not a value model too.
func (m *Model) ValueGradient(values, grad, x []float64, t float64) error {
	if m.value == nil {
		return badRequest("the model is not a value model (objective kind %q)", m.Checkpoint.State.Objective.Kind)
	}
	W := m.Horizon * m.Transition
	if len(x) == 0 || len(x)%W != 0 || len(grad) != len(x) || len(values) != len(x)/W {
		return badRequest("value of %d window values with %d gradient and %d value slots: want B*%d, B*%d and B", len(x), len(grad), len(values), W, W)
	}
	if p := m.value.process; math.IsNaN(t) || t < 0 || t > p.TMax() {
		return badRequest("time %v outside the process's [0, %v]", t, p.TMax())
	}
	B, I := len(x)/W, W+m.value.time.dim()
	in := make([]float64, B*I)
	for b := 0; b < B; b++ {
		copy(in[b*I:], x[b*W:(b+1)*W])
		m.value.time.write(in[b*I+W:(b+1)*I], t)
	}
	g := make([]float64, B*I)
	if err := m.value.grad.Gradient(values, g, in, []float64{1}); err != nil {
		if ferr := finite(x); ferr != nil {
			return badRequest("%v", ferr)
		}
		return fmt.Errorf("train: value gradient: %w", err)
	}
	for b := 0; b < B; b++ {
		copy(grad[b*W:(b+1)*W], g[b*I:b*I+W])
	}
	return nil
}

// finite reports the first non-finite value of v.
func finite(v []float64) error {
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("value %d is %v", i, x)
		}
	}
	return nil
}

// thenCorrect applies the x0-correction first (if any), then second.
func thenCorrect(first, second func(x0, x []float64, t float64) error) func(x0, x []float64, t float64) error {
	if first == nil {
		return second
	}
	return func(x0, x []float64, t float64) error {
		if err := first(x0, x, t); err != nil {
			return err
		}
		return second(x0, x, t)
	}
}

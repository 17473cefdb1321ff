package train

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/internal/stream"
	"github.com/trajdiff/trajdiff/nn"
)

// ErrNonFinite reports a NaN or Inf loss or gradient; the run stops and keeps its last good checkpoint.
var ErrNonFinite = errors.New("non-finite loss")

// Status is what a progress callback receives after every step.
type Status struct {
	Step, Steps int // completed steps and the total
	Loss        float64
	LR          float64
	GradNorm    float64 // before clipping
	StepsPerSec float64 // over this process's steps
	ETA         time.Duration
}

// Trainer fits a network to an objective on a source of examples.
type Trainer struct {
	Spec      nn.Spec         // the network (built with Options.Seed)
	DType     tensor.Dtype    // tensor.Float32 (default) or tensor.Float64
	Objective ObjectiveConfig // what is regressed
	Source    Source          // the clean examples
	// Inpaint lists positions of an example that the noisy input carries clean (DataConfig.Inpaint):
	// Diffuser's and WDNO's training-time conditioning. For eps prediction the target there is 0 (the
	// input holds no noise to predict: WDNO's choice); other targets are left as the objective draws
	// them (for x0 prediction the target already equals the clean value, so the network learns to copy it).
	Inpaint []int
	Options Options
	// Dir holds checkpoints and metrics.jsonl; empty trains in memory only.
	Dir string
	// Resume continues from Dir's latest checkpoint when there is one.
	Resume bool
	// Extra is stored verbatim in every checkpoint (e.g. the CLI's configuration file).
	Extra json.RawMessage
	// Progress, if set, is called after every step.
	Progress func(Status)
	// Inputs and Targets are positions of an example for objective kind regression (DataConfig.Inputs and
	// Targets): the regressor (Spec arch "regressor") maps the Inputs values to the Targets values.
	Inputs, Targets []int
	// Bases gives each target the position of its base (-1 for none; nil for no increments): the
	// regressor fits the target's standardised increment over the base (DataConfig.RelativeTo, Increment).
	Bases []int
}

// dtype is the run's parameter type: DType, float32 when unset.
func (t *Trainer) dtype() tensor.Dtype {
	if t.DType == (tensor.Dtype{}) {
		return tensor.Float32
	}
	return t.DType
}

// Result is a finished run.
type Result struct {
	Net, EMA nn.Net // the trained weights and their moving average
	Steps    int
	Loss     float64 // loss of the last step
	Resumed  int     // the step the run resumed from (0 for a fresh run)
	// Regressor and EMARegressor are a regression run's weights and their moving average (Net and EMA
	// are then nil).
	Regressor, EMARegressor nn.Regressor
}

// Run trains until Options.Steps or until ctx is cancelled (then it writes a checkpoint of the last
// completed step when Dir is set and returns ctx's error).
func (t *Trainer) Run(ctx context.Context) (*Result, error) {
	if t.Objective.Kind == ObjectiveRegression || len(t.Inputs)+len(t.Targets) > 0 {
		return t.runRegression(ctx)
	}
	opt := t.Options
	if err := opt.validate(); err != nil {
		return nil, err
	}
	dt := t.dtype()
	obj, process, err := t.Objective.Build()
	if err != nil {
		return nil, err
	}
	net, err := t.Spec.New(dt, opt.Seed)
	if err != nil {
		return nil, err
	}
	ema, err := t.Spec.New(dt, opt.Seed)
	if err != nil {
		return nil, err
	}
	if err := checkPriorShare(net, t.Objective); err != nil {
		return nil, err
	}
	if err := useSignal(net, process, t.Objective); err != nil {
		return nil, err
	}
	if err := useSignal(ema, process, t.Objective); err != nil {
		return nil, err
	}
	if net.Dim() != t.Source.Dim() || net.CondDim() != t.Source.CondDim() {
		return nil, fmt.Errorf("train: network takes %d values and %d condition values, the source gives %d and %d",
			net.Dim(), net.CondDim(), t.Source.Dim(), t.Source.CondDim())
	}
	for _, i := range t.Inpaint {
		if i < 0 || i >= net.Dim() {
			return nil, fmt.Errorf("train: inpainted position %d outside an example of %d values", i, net.Dim())
		}
	}
	tg, err := nn.NewTrainGraph(net, nn.TrainOptions{Batch: opt.Batch, Seed: opt.Seed, CondDropout: opt.CondDropout})
	if err != nil {
		return nil, err
	}
	defer tg.Close()
	adam, err := opt.newAdam()
	if err != nil {
		return nil, err
	}
	start, log, err := t.resumeRun(func(ckpt string) (int, error) { return t.restore(ckpt, net, ema, adam, tg) }, net.Params(), ema.Params())
	if err != nil {
		return nil, err
	}
	if log != nil {
		defer log.Close()
	}
	state := State{Spec: t.Spec, DType: dt.String(), Objective: t.Objective.withDefaults(), Inpaint: t.Inpaint, Options: opt, Extra: t.Extra}
	checkpoint := func(step int, loss float64) error {
		if t.Dir == "" {
			return nil
		}
		st := state
		st.Step, st.Loss = step, loss
		return saveCheckpoint(t.Dir, st, net.Params(), ema.Params(), adam, tg.Params(), opt.KeepCheckpoints)
	}

	D, C := net.Dim(), net.CondDim()
	imm, err := newImmiscible(opt, obj, D, t.Inpaint)
	if err != nil {
		return nil, err
	}
	x0, eps := make([]float64, opt.Batch*D), []float64(nil)
	if imm != nil {
		eps = make([]float64, opt.Batch*D)
	}
	var cond []float64
	if C > 0 {
		cond = make([]float64, opt.Batch*C)
	}
	in, tgt := make([]float64, D), make([]float64, D)
	zeroTarget := t.Objective.withDefaults().Kind == "denoising" && t.Objective.withDefaults().Prediction == "eps"
	loop := &stepLoop{t: t, opt: opt, adam: adam, model: net.Params(), ema: ema.Params(), log: log, checkpoint: checkpoint, began: time.Now(), start: start}
	loss := math.NaN()
	for step := start; step < opt.Steps; step++ {
		if err := loop.cancelled(ctx, step, loss); err != nil {
			return nil, err
		}
		if err := t.Source.Batch(step, x0, cond); err != nil {
			return nil, fmt.Errorf("train: step %d: source: %w", step, err)
		}
		rng := stream.RNG(opt.Seed, "train/objective", uint64(step), "train")
		if imm != nil {
			if err := imm.noise(opt.Seed, step, x0, eps); err != nil {
				return nil, fmt.Errorf("train: step %d: %w", step, err)
			}
		}
		for b := 0; b < opt.Batch; b++ {
			var ex diffusion.Example
			if imm != nil {
				ex, err = imm.obj.SampleWithNoise(rng, x0[b*D:(b+1)*D], eps[b*D:(b+1)*D], in, tgt)
			} else {
				ex, err = obj.Sample(rng, x0[b*D:(b+1)*D], in, tgt)
			}
			if err != nil {
				return nil, fmt.Errorf("train: step %d example %d: %w", step, b, err)
			}
			for _, i := range t.Inpaint {
				in[i] = x0[b*D+i]
				if zeroTarget {
					tgt[i] = 0
				}
			}
			var c []float64
			if C > 0 {
				c = cond[b*C : (b+1)*C]
			}
			if err := tg.SetExample(b, in, tgt, ex, c); err != nil {
				return nil, fmt.Errorf("train: step %d example %d: %w", step, b, err)
			}
		}
		l, err := tg.Run(uint64(step))
		if err := loop.finish(step, l, err, tg.GradNorm(), tg.ValueGrads()); err != nil {
			return nil, err
		}
		loss = l
	}
	return &Result{Net: net, EMA: ema, Steps: opt.Steps, Loss: loss, Resumed: start}, nil
}

// useSignal hands a network that asks for it (nn.SignalUser, e.g. EGTN with a prior) the signal
// coefficient alpha(t) of the process it is trained or sampled with: it then runs the process on x minus
// its prior while the trainer and the samplers see an ordinary process on x. Other networks are left as
// they are. A network whose output carries its prior's share of the prediction (nn.PriorOutputUser) gets
// that share, priorShare.
func useSignal(net nn.Net, p diffusion.Process, obj ObjectiveConfig) error {
	if su, ok := net.(nn.SignalUser); ok && su.NeedsSignal() {
		su.UseSignal(p.Alpha)
	}
	if pu, ok := net.(nn.PriorOutputUser); ok && pu.NeedsPriorOutput() {
		a, err := priorShare(obj, p)
		if err != nil {
			return err
		}
		pu.UsePriorOutput(a)
	}
	return nil
}

// checkPriorShare refuses, before training, a prediction the network cannot represent: a network whose
// output is translation invariant while its prior moves with the data (EGTN with a prior) can learn a target
// without an x0 share (eps, score) but not one with it (x0, v, velocity, EDM's preconditioned target) unless
// it adds the prior's share itself (prior_output). Such a run would train without error and plateau.
// Loading is not refused, so old checkpoints still read.
func checkPriorShare(net nn.Net, obj ObjectiveConfig) error {
	su, ok := net.(nn.SignalUser)
	if !ok || !su.NeedsSignal() {
		return nil
	}
	if pu, ok := net.(nn.PriorOutputUser); ok && pu.NeedsPriorOutput() {
		return nil
	}
	obj = obj.withDefaults()
	if obj.Kind == "edm" {
		return fmt.Errorf("train: EDM's preconditioned target has an x0 share, which this network's translation-invariant output cannot represent next to its prior (use a denoising objective with eps prediction)")
	}
	pred, err := diffusion.ParsePrediction(obj.Prediction)
	if err != nil {
		return err
	}
	if pred == diffusion.PredEps || pred == diffusion.PredScore {
		return nil
	}
	return fmt.Errorf("train: %s prediction has an x0 share that moves with the data, which this network's translation-invariant output cannot represent next to its prior: set prior_output = true in the network configuration, or predict eps", obj.Prediction)
}

// priorShare is A(t), the coefficient of x0 in the objective's prediction A x0 + B eps of process p
// (diffusion.Prediction.NoiseForm): a network on x = z + (1 - alpha) x_r predicts u + A x_r with u
// translation invariant. Velocity's A is alpha' exactly (NoiseForm would form it as inf - inf where sigma = 0).
func priorShare(obj ObjectiveConfig, p diffusion.Process) (func(float64) float64, error) {
	obj = obj.withDefaults()
	if obj.Kind == "edm" {
		return nil, fmt.Errorf("train: a network with prior_output needs a denoising objective's prediction, not EDM's preconditioning")
	}
	pred, err := diffusion.ParsePrediction(obj.Prediction)
	if err != nil {
		return nil, err
	}
	return func(t float64) float64 {
		c := diffusion.CoefficientsAt(p, t)
		if pred == diffusion.PredVelocity {
			return c.DAlpha
		}
		a, _ := pred.NoiseForm(c)
		return a
	}, nil
}

// readResumable reads the state of checkpoint ckpt and checks that this run may go on from it: the same
// network and the same objective. What is regressed must not change under a resumed run: its first and
// second halves would train different things without a trace in the checkpoints.
func (t *Trainer) readResumable(ckpt string) (State, error) {
	st, err := ReadState(ckpt)
	if err != nil {
		return State{}, err
	}
	if a, b, same := t.sameNetwork(st); !same {
		return State{}, fmt.Errorf("train: checkpoint %s was trained with network %s, this run asks for %s", ckpt, a, b)
	}
	a, _ := json.Marshal(st.Objective)
	b, _ := json.Marshal(t.Objective.withDefaults())
	if string(a) != string(b) {
		return State{}, fmt.Errorf("train: checkpoint %s was trained with objective %s, this run asks for %s", ckpt, a, b)
	}
	return st, nil
}

// sameNetwork compares a checkpoint's network with the run's by their JSON specifications (returned for
// an error message).
func (t *Trainer) sameNetwork(st State) (ckpt, run []byte, same bool) {
	ckpt, _ = json.Marshal(st.Spec)
	run, _ = json.Marshal(t.Spec)
	return ckpt, run, string(ckpt) == string(run)
}

// restore loads a checkpoint into the run and returns its step.
func (t *Trainer) restore(ckpt string, net, ema nn.Net, adam *nn.Adam, tg *nn.TrainGraph) (int, error) {
	st, err := t.readResumable(ckpt)
	if err != nil {
		return 0, err
	}
	if st.Options.Immiscible != t.Options.Immiscible || st.Options.immiscibleK() != t.Options.immiscibleK() {
		return 0, fmt.Errorf("train: checkpoint %s was trained with immiscible %q (k %d), this run asks for %q (k %d)", ckpt,
			st.Options.Immiscible, st.Options.immiscibleK(), t.Options.Immiscible, t.Options.immiscibleK())
	}
	if !slices.Equal(st.Inpaint, t.Inpaint) {
		return 0, fmt.Errorf("train: checkpoint %s was trained with inpainted positions %v, this run asks for %v", ckpt, st.Inpaint, t.Inpaint)
	}
	if st.Step > t.Options.Steps {
		return 0, fmt.Errorf("train: checkpoint %s is at step %d, beyond the run's %d steps", ckpt, st.Step, t.Options.Steps)
	}
	if err := loadRunState(ckpt, net.Params(), ema.Params(), adam, tg.Params()); err != nil {
		return 0, err
	}
	return st.Step, nil
}

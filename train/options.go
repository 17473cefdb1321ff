package train

import (
	"fmt"
	"math"
)

// Options are the optimisation settings of a run.
type Options struct {
	Steps int `json:"steps"` // total optimisation steps
	Batch int `json:"batch"` // examples per step

	LR          float64 `json:"lr"`              // peak learning rate
	Warmup      int     `json:"warmup"`          // linear warm-up steps from 0 to LR
	MinLR       float64 `json:"min_lr"`          // cosine decay from LR at the end of warm-up to MinLR at Steps; MinLR = LR keeps it constant
	WeightDecay float64 `json:"weight_decay"`    // AdamW's decoupled weight decay
	ClipNorm    float64 `json:"clip_norm"`       // global gradient-norm clipping; 0 disables
	Beta1       float64 `json:"beta1,omitempty"` // Adam's betas and epsilon; 0 takes PyTorch's defaults
	Beta2       float64 `json:"beta2,omitempty"`
	Eps         float64 `json:"eps,omitempty"`

	EMADecay float64 `json:"ema_decay"` // EMA decay; 0 disables the EMA (the EMA then equals the weights)

	CondDropout float64 `json:"cond_dropout,omitempty"` // probability of dropping the condition (classifier-free guidance)
	// Immiscible assigns each step's noise draws to the batch's examples before noising (Li et al. 2024;
	// doc.go): "" (off), "assign" (an exact linear assignment of the batch's draws) or "knn" (each example
	// takes the nearest of ImmiscibleK draws of its own; 0 means DefaultImmiscibleK).
	Immiscible  string `json:"immiscible,omitempty"`
	ImmiscibleK int    `json:"immiscible_k,omitempty"`

	Seed uint64 `json:"seed"`

	// Init is a checkpoint (a step directory, or a run directory for its newest) whose weights and EMA
	// weights a fresh run starts from instead of Seed's initialisation: a warm restart of a finished run
	// with a new schedule, or a fine-tune on other data (SGDR; Loshchilov & Hutter 2017). The network must
	// be the same; the optimiser's moments, the step count and the learning-rate schedule start afresh, and
	// the EMA continues the checkpoint's average at the full decay (EMADecayAt). A resumed run ignores it:
	// its own checkpoint holds everything.
	Init string `json:"init,omitempty"`

	CheckpointEvery int `json:"checkpoint_every"` // steps between checkpoints; 0 means only at the end
	KeepCheckpoints int `json:"keep_checkpoints"` // checkpoints to keep; 0 means 2
	LogEvery        int `json:"log_every"`        // steps between metric lines; 0 means 10
}

// DefaultOptions are Diffuser-like settings for small trajectory models.
func DefaultOptions() Options {
	return Options{Steps: 2000, Batch: 32, LR: 2e-4, Warmup: 100, MinLR: 2e-5, ClipNorm: 1, EMADecay: 0.995,
		CheckpointEvery: 500, KeepCheckpoints: 2, LogEvery: 10}
}

func (o *Options) validate() error {
	switch {
	case o.Steps < 1:
		return fmt.Errorf("train: Steps must be at least 1, got %d", o.Steps)
	case o.Batch < 1:
		return fmt.Errorf("train: Batch must be at least 1, got %d", o.Batch)
	case !(o.LR > 0) || math.IsInf(o.LR, 0):
		return fmt.Errorf("train: LR must be positive and finite, got %v", o.LR)
	case o.MinLR < 0 || o.MinLR > o.LR:
		return fmt.Errorf("train: MinLR must be in [0, LR], got %v", o.MinLR)
	case o.Warmup < 0 || o.WeightDecay < 0 || o.ClipNorm < 0:
		return fmt.Errorf("train: Warmup, WeightDecay and ClipNorm must be non-negative")
	case o.EMADecay < 0 || o.EMADecay >= 1:
		return fmt.Errorf("train: EMADecay must be in [0, 1), got %v", o.EMADecay)
	case o.CondDropout < 0 || o.CondDropout > 1:
		return fmt.Errorf("train: CondDropout must be in [0, 1], got %v", o.CondDropout)
	case o.Immiscible != "" && o.Immiscible != ImmiscibleAssign && o.Immiscible != ImmiscibleKNN:
		return fmt.Errorf("train: unknown immiscible %q (want assign or knn, or leave it unset)", o.Immiscible)
	case o.ImmiscibleK < 0 || (o.ImmiscibleK != 0 && o.Immiscible != ImmiscibleKNN):
		return fmt.Errorf("train: immiscible_k %d: a positive number of draws per example, with immiscible knn only", o.ImmiscibleK)
	case o.CheckpointEvery < 0 || o.KeepCheckpoints < 0 || o.LogEvery < 0:
		return fmt.Errorf("train: CheckpointEvery, KeepCheckpoints and LogEvery must be non-negative")
	}
	if o.KeepCheckpoints == 0 {
		o.KeepCheckpoints = 2
	}
	if o.LogEvery == 0 {
		o.LogEvery = 10
	}
	return nil
}

// LearningRate is the schedule at step (0-based): linear warm-up to LR over Warmup steps, then cosine
// decay to MinLR at Steps (Loshchilov & Hutter 2017, SGDR without restarts).
func (o Options) LearningRate(step int) float64 {
	if step < o.Warmup {
		return o.LR * float64(step+1) / float64(o.Warmup)
	}
	span := o.Steps - o.Warmup
	if span <= 1 {
		return o.LR
	}
	u := float64(step-o.Warmup) / float64(span-1)
	return o.MinLR + 0.5*(o.LR-o.MinLR)*(1+math.Cos(math.Pi*math.Min(u, 1)))
}

// EMADecayAt is the EMA decay at step with the usual warm-up min(d, (1+step)/(10+step)), which lets the
// average follow the fast early changes of the weights (Tarvainen & Valpola 2017; Diffuser, EDM). A run
// started from Init has no early changes to follow: its EMA is an average already formed, which a warm-up
// would overwrite with the first steps' weights, so it decays at d from the first step.
func (o Options) EMADecayAt(step int) float64 {
	if o.Init != "" {
		return o.EMADecay
	}
	return math.Min(o.EMADecay, float64(1+step)/float64(10+step))
}

package diffusion

import (
	"context"
	"fmt"
	"math"
)

// Reward scores candidate samples for inference-time search: x0 holds a batch of points of the denoiser's
// dimension, flattened row-major, and rewards (one per point) is to be filled; larger is better. It is called
// on x0-predictions D(x_t, t) during sampling and on the final samples, never counts as a denoiser
// evaluation, and may return -Inf (an infeasible candidate) but not NaN or +Inf.
type Reward func(rewards, x0 []float64) error

// ParticleMethod names an inference-time scaling method of ParticleSearch.
type ParticleMethod string

const (
	// BestOfN draws N = Budget/NFE(plan) independent samples with any solver and keeps the one of highest
	// reward.
	BestOfN ParticleMethod = "best-of-n"
	// ParticleResample runs K = Budget/NFE(plan) particles of a stochastic solver together and, at chosen
	// steps, scores each particle's x0-prediction and resamples the population by reward (multinomial on
	// softmax(r/Temperature), or greedy: copies of the TopK best); the final particle of highest reward wins.
	ParticleResample ParticleMethod = "resample"
	// ParticleRollover is Rollover Budget Forcing (Kim et al. 2025): one trajectory of a stochastic solver
	// that, at each step, draws candidate next states one evaluation at a time and moves on as soon as one
	// beats the best reward so far, rolling the unused evaluations of the step's quota over to the next step.
	ParticleRollover ParticleMethod = "rollover"
)

// ParticleMethods lists the methods ParticleSearch accepts.
func ParticleMethods() []ParticleMethod {
	return []ParticleMethod{BestOfN, ParticleResample, ParticleRollover}
}

// ParticleSearch is inference-time scaling with a reward under a fixed budget of denoiser evaluations: it
// spends Budget evaluations per output (counted per point: a denoiser call on a batch of k points costs k)
// and returns, for each output, the sample its method selects. See the package documentation for the
// methods and their equations.
type ParticleSearch struct {
	Method  ParticleMethod
	Process Process
	// Solver compiles the sampler; nil means DDIM{Eta: 1} (DDPM's ancestral sampler). ParticleResample and
	// ParticleRollover need one whose steps carry nothing but the state from one step to the next and
	// evaluate the state once per step (DDIM with any Eta, DDPM, ddpm-large, euler-maruyama, Heun with churn
	// for resampling); DDIM{Eta} tunes the diffusion coefficient, Eta = 0 being the deterministic ODE, which
	// gives the particles no diversity.
	Solver Solver
	// Schedule gives the time grid; nil means DefaultSchedule(Process).
	Schedule Schedule
	Steps    int // solver steps, at least 1
	// Budget is the number of denoiser evaluations per output. BestOfN and ParticleResample need a multiple
	// of the plan's NFE; ParticleRollover needs at least Steps.
	Budget int
	// Particles is ParticleRollover's number of initial noises, scored at TMax before the first step;
	// 0 means Budget - (Steps-1) floor(Budget/Steps), the share the other steps get. Unused otherwise.
	Particles int
	// Temperature > 0 makes ParticleResample multinomial on softmax(r/Temperature); TopK > 0 makes it
	// greedy, each survivor being copied K/TopK times. Exactly one of them is set for ParticleResample.
	Temperature float64
	TopK        int
	// ResampleEvery resamples at steps 0, k, 2k, ... (0 means 1: every step).
	ResampleEvery int
}

// ParticleOptions configures one ParticleSearch.Sample call.
type ParticleOptions struct {
	// Seed keys every random draw: the initial noise, the solver's noise and the resampling.
	Seed uint64
	// Condition and CorrectX0 are applied as in RunOptions; Condition must accept a batch of any size
	// (ParticleRollover conditions single candidates).
	Condition Conditioner
	CorrectX0 func(x0, x []float64, t float64) error
	// Progress, if set, is called with (evaluations done, evaluations in all) as the search goes.
	Progress func(done, total int)
}

// ParticleResult is the outcome of a search over Outputs groups of particles.
type ParticleResult struct {
	Method  ParticleMethod
	X       []float64 // the selected sample of each output, Outputs x Dim values
	Rewards []float64 // its reward
	// Particles holds the final particles of every output (Outputs x K x Dim values, K per output) and
	// ParticleRewards their rewards, for BestOfN and ParticleResample; ParticleRollover keeps one trajectory
	// per output, so Particles equals X there.
	Particles       []float64
	ParticleRewards []float64
	K               int // particles per output (1 for ParticleRollover)
	NFE             int // denoiser evaluations spent, summed over points; Outputs x Budget
	Plan            *Plan
}

// Sample runs the search for outputs independent outputs with denoiser d and reward r. Bad configurations
// fail before any evaluation; cancelling ctx stops the search between evaluations.
func (s ParticleSearch) Sample(ctx context.Context, d Denoiser, r Reward, outputs int, opt ParticleOptions) (*ParticleResult, error) {
	plan, err := s.validate(d, r, outputs)
	if err != nil {
		return nil, err
	}
	switch s.Method {
	case BestOfN, ParticleResample:
		return s.population(ctx, plan, d, r, outputs, opt)
	default:
		return s.rollover(ctx, plan, d, r, outputs, opt)
	}
}

func particleErr(format string, args ...any) error {
	return fmt.Errorf("diffusion: particle search: "+format, args...)
}

// validate checks a call and compiles the search's plan.
func (s ParticleSearch) validate(d Denoiser, r Reward, outputs int) (*Plan, error) {
	switch {
	case d == nil || r == nil:
		return nil, particleErr("a denoiser and a reward are required")
	case outputs < 1:
		return nil, particleErr("outputs must be at least 1, got %d", outputs)
	}
	return s.Validate(d.Dim())
}

// Validate checks the search for data of dimension dim and returns its compiled plan, as Sample does
// before any evaluation.
func (s ParticleSearch) Validate(dim int) (*Plan, error) {
	switch {
	case s.Process == nil:
		return nil, particleErr("a process is required")
	case dim < 1:
		return nil, particleErr("the data dimension is %d", dim)
	case s.Steps < 1:
		return nil, particleErr("steps must be at least 1, got %d", s.Steps)
	case s.Budget < 1:
		return nil, particleErr("the budget must be at least 1 evaluation, got %d", s.Budget)
	case s.Particles < 0 || s.TopK < 0 || s.ResampleEvery < 0:
		return nil, particleErr("particles (%d), top-k (%d) and resample-every (%d) must not be negative", s.Particles, s.TopK, s.ResampleEvery)
	case math.IsNaN(s.Temperature) || s.Temperature < 0 || math.IsInf(s.Temperature, 0):
		return nil, particleErr("the temperature must be finite and non-negative, got %v", s.Temperature)
	}
	known := false
	for _, m := range ParticleMethods() {
		known = known || m == s.Method
	}
	if !known {
		return nil, particleErr("unknown method %q (want one of %v)", s.Method, ParticleMethods())
	}
	solver := s.Solver
	if solver == nil {
		solver = DDIM{Eta: 1, name: "ddpm"}
	}
	sch := s.Schedule
	if sch == nil {
		sch = DefaultSchedule(s.Process)
	}
	times, err := sch.Times(s.Process, s.Steps)
	if err != nil {
		return nil, particleErr("%w", err)
	}
	plan, err := solver.Plan(s.Process, times)
	if err != nil {
		return nil, particleErr("%w", err)
	}
	if err := plan.CheckDim(dim); err != nil {
		return nil, particleErr("%w", err)
	}
	switch s.Method {
	case BestOfN, ParticleResample:
		if s.Budget%plan.NFE != 0 {
			return nil, particleErr("%s: the budget of %d evaluations is not a multiple of %s's %d evaluations per sample", s.Method, s.Budget, plan.Solver, plan.NFE)
		}
	}
	if s.Method == ParticleResample {
		if (s.Temperature > 0) == (s.TopK > 0) {
			return nil, particleErr("resample: set exactly one of temperature (multinomial, got %v) and top-k (greedy, got %d)", s.Temperature, s.TopK)
		}
		if k := s.Budget / plan.NFE; s.TopK > k {
			return nil, particleErr("resample: top-k %d exceeds the %d particles the budget gives", s.TopK, k)
		}
		if _, err := stepEvals(plan, false); err != nil {
			return nil, particleErr("%w", err)
		}
	}
	if s.Method == ParticleRollover {
		if _, err := stepEvals(plan, true); err != nil {
			return nil, particleErr("%w", err)
		}
		n0 := s.initialParticles()
		if s.Steps == 1 && n0 != s.Budget {
			return nil, particleErr("rollover: with one step the whole budget (%d) goes to the initial particles, got %d", s.Budget, n0)
		}
		if s.Budget < s.Steps || n0 > s.Budget-(s.Steps-1) {
			return nil, particleErr("rollover: a budget of %d evaluations cannot pay %d initial particles and at least one candidate at each of the %d other steps", s.Budget, n0, s.Steps-1)
		}
	}
	return plan, nil
}

// initialParticles is ParticleRollover's number of initial noises.
func (s ParticleSearch) initialParticles() int {
	if s.Particles > 0 {
		return s.Particles
	}
	return s.Budget - (s.Steps-1)*(s.Budget/s.Steps)
}

// scoreRewards evaluates r on x0 (n points) into dst and checks the values.
func scoreRewards(r Reward, dst, x0 []float64) error {
	if err := r(dst, x0); err != nil {
		return fmt.Errorf("diffusion: particle search: reward: %w", err)
	}
	for i, v := range dst {
		if math.IsNaN(v) || math.IsInf(v, 1) {
			return fmt.Errorf("diffusion: particle search: reward of candidate %d is %v (want finite or -Inf)", i, v)
		}
	}
	return nil
}

// firstArgmax is the first index of the largest value (ties keep the earlier candidate, so a constant reward
// selects the first particle and leaves its law untouched).
func firstArgmax(v []float64) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}

// particleInitialNoise fills x with sigma(t0) times standard normals of stream 1<<20 of seed, the convention of
// train.Model.Sample (so a search and a plain sample with the same seed start from the same noise).
func particleInitialNoise(x []float64, p Process, t0 float64, seed uint64) {
	NewPhilox(seed).FillNormal(x, 1<<20, 0)
	s := p.Sigma(t0)
	for i := range x {
		x[i] *= s
	}
}

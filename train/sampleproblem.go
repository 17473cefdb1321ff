package train

import (
	"github.com/trajdiff/trajdiff/diffusion"
)

// SamplingProblem is what a SampleRequest integrates, taken apart for a solver-schedule search
// (diffusion.ScheduleSearch): the process, the model's x0-predictor as the request uses it, the request's
// fixed entries as a conditioner, and the initial state.
//
// A sampler clamps the fixed entries of its state after every step (diffusion.Inpaint), so the network
// always reads them at their given values. The reference ODE solve of a search has no steps to clamp
// after; Denoiser therefore writes the fixed values into its input itself before calling the network (and
// clips its output as the request does). Solver and reference then integrate the same equation in the free
// entries, whatever the fixed entries of the state drift to in between; Condition restores them at the end.
type SamplingProblem struct {
	Process   diffusion.Process
	Denoiser  diffusion.Denoiser
	Condition diffusion.Conditioner // nil without fixed entries
	Noise     []float64             // the request's initial state (Seed's noise at TMax), N windows in training units
	Passes    int                   // network evaluations per denoiser call (2 with guidance)
	// The request as Sample runs it, for an executor of its own (gpu/fromnn runs it on the device): the
	// solver's plan, the N condition vectors the Denoiser gives a conditional network (training units, one
	// row of len(Cond)/N values per window; nil for an unconditional model), whether it clips its
	// x0-predictions to [-1, 1], and the names Samples reports.
	Plan             *diffusion.Plan
	Cond             []float64
	ClipX0           bool
	Solver, Schedule string
	Steps            int
}

// SamplingProblem prepares req as Sample would and returns its parts. Warm starts are refused: a schedule
// search runs from TMax.
func (m *Model) SamplingProblem(req SampleRequest) (*SamplingProblem, error) {
	if m.regression != nil {
		return nil, badRequest("the model is a regressor (objective kind regression): it does not sample")
	}
	if req.Init != nil || req.StartTime != 0 {
		return nil, badRequest("a sampling problem starts from TMax; warm starts (Init, StartTime) are not supported")
	}
	return m.WarmSamplingProblem(req)
}

// WarmSamplingProblem is SamplingProblem for a request that may also warm-start (Init, StartTime,
// Renoise): Noise is then the warm start's initial state at StartTime (training units) and Plan the
// solver's plan from there, exactly as Sample runs them, for an executor of its own (gpu/fromnn). A
// schedule search needs SamplingProblem's start at TMax.
func (m *Model) WarmSamplingProblem(req SampleRequest) (*SamplingProblem, error) {
	if m.regression != nil {
		return nil, badRequest("the model is a regressor (objective kind regression): it does not sample")
	}
	sp, err := m.prepare(req)
	if err != nil {
		return nil, err
	}
	den, passes, err := m.requestDenoiser(sp, req)
	if err != nil {
		return nil, err
	}
	p, D := m.Checkpoint.Process, m.Horizon*m.Transition
	pr := &SamplingProblem{Process: p, Passes: passes, Noise: sp.initialState(p, req.Seed, req.N*D),
		Plan: sp.plan, Cond: sp.cond, ClipX0: m.clips(req), Solver: sp.solver, Schedule: sp.schedule, Steps: sp.steps}
	fixed := &fixedDenoiser{inner: den, clip: pr.ClipX0}
	if sp.inpaint != nil {
		fixed.inpaint, pr.Condition = sp.inpaint, sp.inpaint
	}
	pr.Denoiser = fixed
	return pr, nil
}

// fixedDenoiser reads the fixed entries from the request instead of its input and clips its output.
type fixedDenoiser struct {
	inner   diffusion.Denoiser
	inpaint *diffusion.Inpaint
	clip    bool
	in      []float64
}

func (f *fixedDenoiser) Dim() int { return f.inner.Dim() }

func (f *fixedDenoiser) Denoise(dst, x []float64, t float64) error {
	in := x
	if f.inpaint != nil {
		f.in = append(f.in[:0], x...)
		if err := f.inpaint.Condition(f.in, t, 0, 0); err != nil {
			return err
		}
		in = f.in
	}
	if err := f.inner.Denoise(dst, in, t); err != nil {
		return err
	}
	if f.clip {
		return diffusion.ClipX0(-1, 1)(dst, in, t)
	}
	return nil
}

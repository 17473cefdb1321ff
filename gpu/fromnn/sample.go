package fromnn

import (
	"fmt"
	"math"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/gpu"
	"github.com/trajdiff/trajdiff/train"
)

// SampleOptions configures Sample.
type SampleOptions struct {
	Ordinal   int           // the GPU to run on (0: the first)
	Precision gpu.Precision // the network's Linear layers (gpu.PredictorOptions.Precision); a TemporalUnet runs in FP32 only
}

// deviceProblem is a train.Model's sampling problem in the form the device runs it: the network and its
// x0 parameterisation, the plan, the initial state, the fixed entries (mask and one row of values per
// window, in training units), the one condition vector every window shares, and the clipping.
type deviceProblem struct {
	m     *train.Model
	req   train.SampleRequest
	pr    *train.SamplingProblem
	pz    gpu.Parameterization
	fixed *diffusion.Inpaint // nil without fixed entries
	cond  []float32          // nil for an unconditional network
}

// prepare checks that req can run on the device and lays it out; everything it refuses, it refuses before
// a device is opened, with the reason.
func prepare(m *train.Model, req train.SampleRequest) (*deviceProblem, error) {
	if m == nil || m.Checkpoint == nil {
		return nil, fmt.Errorf("fromnn: no model to sample")
	}
	if m.IsRegression() {
		return nil, fmt.Errorf("fromnn: the model is a regressor: it does not sample")
	}
	if _, ok := m.Geometric(); ok {
		return nil, fmt.Errorf("fromnn: a geometric model (raw condition vectors) has no GPU path; sample it on the CPU")
	}
	if req.Guidance != 0 {
		return nil, fmt.Errorf("fromnn: classifier-free guidance (weight %v) has no GPU path yet; sample it on the CPU", req.Guidance)
	}
	if req.IsolateFailures {
		return nil, fmt.Errorf("fromnn: isolating diverging samples has no GPU path; sample on the CPU")
	}
	arch := m.Checkpoint.Net.Spec().Arch
	if !Supported(arch) {
		return nil, fmt.Errorf("fromnn: network architecture %q has no GPU implementation (supported: %v)", arch, supported)
	}
	// The request's plan, noise, fixed entries and condition rows, exactly as Model.Sample prepares them
	// (train.ErrBadRequest for a bad request; warm starts are refused there).
	pr, err := m.SamplingProblem(req)
	if err != nil {
		return nil, err
	}
	pz, err := Parameterization(m.Checkpoint)
	if err != nil {
		return nil, err
	}
	dp := &deviceProblem{m: m, req: req, pr: pr, pz: pz}
	if pr.Condition != nil {
		in, ok := pr.Condition.(*diffusion.Inpaint)
		if !ok {
			return nil, fmt.Errorf("fromnn: conditioner %T has no GPU path", pr.Condition)
		}
		dp.fixed = in
	}
	if dp.cond, err = sharedCondition(pr.Cond, req.N); err != nil {
		return nil, err
	}
	return dp, nil
}

// sharedCondition returns the one condition vector of n windows' rows, as float32 (nn's predictor reads
// conditions in float32 too), or an error if the windows' conditions differ: the device networks take one
// condition for the whole batch (gpu.PredictorOptions.Cond).
func sharedCondition(rows []float64, n int) ([]float32, error) {
	if rows == nil {
		return nil, nil
	}
	if n < 1 || len(rows)%n != 0 || len(rows) == 0 {
		return nil, fmt.Errorf("fromnn: %d condition values for %d windows", len(rows), n)
	}
	c := len(rows) / n
	for s := 1; s < n; s++ {
		for k := 0; k < c; k++ {
			if math.Float64bits(rows[s*c+k]) != math.Float64bits(rows[k]) {
				return nil, fmt.Errorf("fromnn: window %d's condition differs from window 0's (value %d: %v vs %v); the GPU path gives every window of a call the same condition, so fix the conditioning entries to one value each (per-window conditions run on the CPU)",
					s, k, rows[s*c+k], rows[k])
			}
		}
	}
	out := make([]float32, c)
	for k, v := range rows[:c] {
		out[k] = float32(v)
	}
	return out, nil
}

// samples completes a device run: x (N windows in training units) in the data's units, with the request's
// description.
func (dp *deviceProblem) samples(x []float64) *train.Samples {
	m, pr := dp.m, dp.pr
	dp.m.Unnormalize(x)
	return &train.Samples{X: x, N: dp.req.N, Horizon: m.Horizon, Transition: m.Transition, Components: m.Components(),
		Solver: pr.Solver, Schedule: pr.Schedule, Steps: pr.Steps, NFE: pr.Passes * pr.Plan.NFE, EMA: m.Checkpoint.EMA, ClipX0: pr.ClipX0}
}

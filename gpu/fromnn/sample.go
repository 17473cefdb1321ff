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

// Sampler is Sample with the device kept open between calls: a planner's plans, one request each, pay for
// opening the device (the context and the kernel image) once instead of per plan. Each call still uploads
// the weights and sizes the buffers for its request, as Sample does. It is not safe for concurrent use; Close
// releases the device.
type Sampler struct {
	d   *gpu.Device
	opt SampleOptions
}

// deviceProblem is a train.Model's sampling problem in the form the device runs it: the network and its
// x0 parameterisation, the plan, the initial state (a warm start's included), the fixed entries (mask and
// one row of values per window, in training units), the condition (one vector every window shares, or one
// row per window), the guidance weight and the clipping.
type deviceProblem struct {
	m     *train.Model
	req   train.SampleRequest
	pr    *train.SamplingProblem
	pz    gpu.Parameterization
	fixed *diffusion.Inpaint // nil without fixed entries
	cond  []float32          // the windows' shared condition; nil for an unconditional network or per-window rows
	rows  []float32          // one condition row per window when they differ, else nil
}

// options are the device predictor's condition and guidance for the problem.
func (dp *deviceProblem) options(prec gpu.Precision) gpu.PredictorOptions {
	return gpu.PredictorOptions{Precision: prec, Cond: dp.cond, PointConds: dp.rows, Guidance: dp.req.Guidance}
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
	if req.IsolateFailures {
		return nil, fmt.Errorf("fromnn: isolating diverging samples has no GPU path; sample on the CPU")
	}
	if req.CorrectX0 != nil {
		return nil, fmt.Errorf("fromnn: a host-side x0 correction (CorrectX0, e.g. value guidance) has no GPU path; sample on the CPU")
	}
	arch := m.Checkpoint.Net.Spec().Arch
	if !Supported(arch) {
		return nil, fmt.Errorf("fromnn: network architecture %q has no GPU implementation (supported: %v)", arch, supported)
	}
	// The request's plan, initial state (a warm start's too), fixed entries, condition rows and guidance,
	// exactly as Model.Sample prepares them (train.ErrBadRequest for a bad request).
	pr, err := m.WarmSamplingProblem(req)
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
	if dp.cond, dp.rows, err = windowConditions(pr.Cond, req.N); err != nil {
		return nil, err
	}
	return dp, nil
}

// windowConditions lays out n windows' condition rows for the device, as float32 (nn's predictor reads
// conditions in float32 too): the one shared vector when every row is the same (the network's one-row
// condition path, gpu.PredictorOptions.Cond), else all n rows (gpu.PredictorOptions.PointConds).
func windowConditions(rows []float64, n int) (shared, perWindow []float32, err error) {
	if rows == nil {
		return nil, nil, nil
	}
	if n < 1 || len(rows)%n != 0 || len(rows) == 0 {
		return nil, nil, fmt.Errorf("fromnn: %d condition values for %d windows", len(rows), n)
	}
	c := len(rows) / n
	same := true
	for i := c; i < len(rows) && same; i++ {
		same = math.Float64bits(rows[i]) == math.Float64bits(rows[i%c])
	}
	if same {
		rows = rows[:c]
	}
	out := make([]float32, len(rows))
	for k, v := range rows {
		out[k] = float32(v)
	}
	if same {
		return out, nil, nil
	}
	return nil, out, nil
}

// samples completes a device run: x (N windows in training units) in the data's units, with the request's
// description.
func (dp *deviceProblem) samples(x []float64) *train.Samples {
	m, pr := dp.m, dp.pr
	dp.m.Unnormalize(x)
	return &train.Samples{X: x, N: dp.req.N, Horizon: m.Horizon, Transition: m.Transition, Components: m.Components(),
		Solver: pr.Solver, Schedule: pr.Schedule, Steps: pr.Steps, NFE: pr.Passes * pr.Plan.NFE, EMA: m.Checkpoint.EMA, ClipX0: pr.ClipX0}
}

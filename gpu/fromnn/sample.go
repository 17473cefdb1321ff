package fromnn

import (
	"fmt"
	"math"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/gpu"
	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/train"
)

// SampleOptions configures Sample.
type SampleOptions struct {
	Ordinal   int           // the GPU to run on (0: the first)
	Precision gpu.Precision // the network's Linear layers (gpu.PredictorOptions.Precision), and a U-Net's convolutions; the 1-D DiT and EGTN run in FP32 only
}

// Sampler is Sample with the device kept open between calls, and with the last request's device state kept
// for the next: a planner's plans, one request each, pay for opening the device (the context and the kernel
// image) once, and for uploading the network, sizing its buffers and capturing the step graphs once per
// request shape instead of per plan. A request reuses what the previous one left when it samples the same
// checkpoint (the same *train.Checkpoint and nn.Net) with the same number of windows, precision, guidance
// and condition values (else the network is uploaded again), the same plan (else the executor's buffers and
// graphs are made again), and fixed entries on the same mask (whose new values are copied into the kept
// buffer the graphs read). The kernels and their arguments are then those of a fresh Sample call, so the
// samples are bit for bit Sample's. The Sampler takes a checkpoint's weights as fixed while it keeps them:
// after changing a network's parameters in place, call Forget. It is not safe for concurrent use; Close
// releases the device.
type Sampler struct {
	d     *gpu.Device
	opt   SampleOptions
	kept  *keptRun      // the previous request's device state (device build), nil when none
	hosts []hostNetwork // the networks handed out by Denoiser, released by Forget and Close
}

// hostNetwork is a checkpoint's network on the device behind Sampler.Denoiser and NetworkDenoiser, and
// what it was built for: the points per call, the precision, the condition and the guidance weight.
type hostNetwork struct {
	ckpt     *train.Checkpoint
	net      nn.Net
	points   int
	cond     []float32
	guidance float64
	h        *gpu.HostDenoiser
}

// checkHostNetwork is what Sampler.Denoiser refuses in every build, before any device work.
func checkHostNetwork(c *train.Checkpoint, points int) error {
	switch {
	case c == nil || c.Net == nil:
		return fmt.Errorf("fromnn: no checkpoint network to denoise with")
	case !Supported(c.Net.Spec().Arch):
		return fmt.Errorf("fromnn: network architecture %q has no GPU implementation (supported: %v)", c.Net.Spec().Arch, supported)
	case c.Net.CondDim() != 0:
		return fmt.Errorf("fromnn: Denoiser runs unconditional networks; this one takes %d condition values (NetworkDenoiser gives a request's condition)", c.Net.CondDim())
	case points < 1:
		return fmt.Errorf("fromnn: a host denoiser for %d points", points)
	}
	return nil
}

// networkProblem checks, in every build and before any device work, what Sampler.NetworkDenoiser needs
// of req: a request the device could sample, but for its host-side parts (CorrectX0, Network), whose
// windows share one condition row.
func networkProblem(m *train.Model, req train.SampleRequest, points int) (*deviceProblem, error) {
	if points < 1 {
		return nil, fmt.Errorf("fromnn: a host denoiser for %d points", points)
	}
	// The host's sampler keeps its own x0 corrections and takes this network as the request's Network.
	req.CorrectX0, req.Network = nil, nil
	dp, err := prepare(m, req)
	if err != nil {
		return nil, err
	}
	if dp.rows != nil {
		return nil, fmt.Errorf("fromnn: the request's windows have different conditions; a host denoiser evaluates one shared condition")
	}
	return dp, nil
}

// PlanProblem is a sampling loop given directly rather than as a train.Model request (Sampler.RunPlan): a
// checkpoint's network (unconditional) runs Plan from the initial state X (Windows examples of the
// network's Dim values); after every step the entries Mask marks are set to Values (one value per
// dimension, or one row per example); every x0 prediction is clamped to [-1, 1] when ClipX0 and then, when
// FixX0, has its masked entries set to Values too. Seed keys the plan's noise as diffusion.RunOptions.Seed
// does. NonFinite, if set, isolates a diverging example as diffusion.RunOptions.NonFinite does on the CPU
// (gpu.RunOptions.NonFinite): it is called once per example whose network output or final state went
// non-finite, that example comes back NaN, and the others are those of a run without it; unset, such an
// example fails the whole problem. Guidance, if set, adds pde/wdno's control guidance for its 1-D wavelet
// layout to the x0 correction (gpu.WaveletControlGuide): every x0 prediction is fixed as above, moved by
// -GuidanceStep(t) dJ/dx0 and fixed again; its Cases must be the number of examples and its image the
// network's Dim values. SmokeGuidance does the same for pde/wdno's smoke control on its 3-D wavelet layout
// (gpu.SmokeControlGuide, with GuidanceStep); at most one of the two is set. This is pde/wdno's loop (its
// DeviceProblem).
type PlanProblem struct {
	Checkpoint *train.Checkpoint
	Plan       *diffusion.Plan
	X          []float64
	Mask       []bool // nil: no fixed entries
	Values     []float64
	ClipX0     bool
	FixX0      bool
	Seed       uint64
	Progress   func(done, total int)
	NonFinite  func(example int, t float64)
	// Guidance and GuidanceStep: the control guidance's numbers and its step size at t (nil: none).
	Guidance      *gpu.WaveletControlConfig
	SmokeGuidance *gpu.SmokeControlConfig
	GuidanceStep  func(t float64) float64
}

// check validates the problem before any device work and returns the number of examples.
func (p *PlanProblem) check() (int, error) {
	c := p.Checkpoint
	if c == nil || c.Net == nil {
		return 0, fmt.Errorf("fromnn: no checkpoint network to sample with")
	}
	if arch := c.Net.Spec().Arch; !Supported(arch) {
		return 0, fmt.Errorf("fromnn: network architecture %q has no GPU implementation (supported: %v)", arch, supported)
	}
	if c.Net.CondDim() != 0 {
		return 0, fmt.Errorf("fromnn: a plan problem runs unconditional networks; this one takes %d condition values", c.Net.CondDim())
	}
	if p.Plan == nil {
		return 0, fmt.Errorf("fromnn: no plan")
	}
	D := c.Net.Dim()
	if len(p.X) == 0 || len(p.X)%D != 0 {
		return 0, fmt.Errorf("fromnn: %d initial values for a network of dimension %d", len(p.X), D)
	}
	if p.Mask == nil && p.FixX0 {
		return 0, fmt.Errorf("fromnn: FixX0 without a mask")
	}
	if p.Mask != nil && (len(p.Mask) != D || (len(p.Values) != D && len(p.Values) != len(p.X))) {
		return 0, fmt.Errorf("fromnn: a mask of %d entries and %d values for %d examples of dimension %d", len(p.Mask), len(p.Values), len(p.X)/D, D)
	}
	n := len(p.X) / D
	if g := p.Guidance; g != nil {
		if p.GuidanceStep == nil {
			return 0, fmt.Errorf("fromnn: control guidance without its step size")
		}
		if g.Cases != n || g.Channels*g.Height*g.Width != D {
			return 0, fmt.Errorf("fromnn: control guidance for %d images of %d x %d x %d values, the problem has %d of %d", g.Cases, g.Channels, g.Height, g.Width, n, D)
		}
	}
	if g := p.SmokeGuidance; g != nil {
		switch {
		case p.Guidance != nil:
			return 0, fmt.Errorf("fromnn: both control guidance and smoke control guidance")
		case p.GuidanceStep == nil:
			return 0, fmt.Errorf("fromnn: smoke control guidance without its step size")
		case g.Cases != n || g.Channels*g.ImageFrames*g.Height*g.Width != D:
			return 0, fmt.Errorf("fromnn: smoke control guidance for %d images of %d x %d x %d x %d values, the problem has %d of %d",
				g.Cases, g.Channels, g.ImageFrames, g.Height, g.Width, n, D)
		}
	}
	return n, nil
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
	fixed *diffusion.Inpaint    // nil without fixed entries
	cond  []float32             // the windows' shared condition; nil for an unconditional network or per-window rows
	rows  []float32             // one condition row per window when they differ, else nil
	value *gpu.ValueGuideConfig // value guidance (Sampler.SampleGuided), nil without
	vnet  nn.Regressor          // the value network value was read from (the kept guide's identity)
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
	if req.CorrectX0 != nil {
		return nil, fmt.Errorf("fromnn: a host-side x0 correction (CorrectX0, e.g. value guidance) has no GPU path; sample on the CPU")
	}
	if req.Network != nil {
		return nil, fmt.Errorf("fromnn: the request's Network is for the host's sampler; the device evaluates the model's own network")
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
// description and the windows that diverged (IsolateFailures; NaN in x), in increasing order.
func (dp *deviceProblem) samples(x []float64, failed []int) *train.Samples {
	m, pr := dp.m, dp.pr
	if _, geometric := m.Geometric(); !geometric { // a geometric model samples raw coordinates
		dp.m.Unnormalize(x)
	}
	return &train.Samples{X: x, N: dp.req.N, Horizon: m.Horizon, Transition: m.Transition, Components: m.Components(),
		Solver: pr.Solver, Schedule: pr.Schedule, Steps: pr.Steps, NFE: pr.Passes * pr.Plan.NFE, EMA: m.Checkpoint.EMA, ClipX0: pr.ClipX0, Failed: failed}
}

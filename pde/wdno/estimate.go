package wdno

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/trajdiff/trajdiff/diffusion"
)

// EstimateMethod is a way of estimating a state trajectory from sparse sensor readings.
type EstimateMethod string

const (
	// EstimatePrior samples the estimation model given the control alone, ignoring the readings: what the
	// sensors add.
	EstimatePrior EstimateMethod = "prior"
	// EstimateClamp is Diffuser's conditioning through the layout: after every solver step the decoded
	// state's readings are set to the measurements and the image re-encoded (in the physical layout, exactly
	// Diffuser's clamping of the measured entries).
	EstimateClamp EstimateMethod = "clamp"
	// EstimateGuided is WDNO's guidance with the objective J = mean_r (S u - y)_r^2 of each x0 prediction's
	// decoded state (the gradient through the inverse transform, not through the network).
	EstimateGuided EstimateMethod = "guided"
	// EstimateREDDiff fits the image by RED-Diff (diffusion.REDDiff) with H = SensorOperator, the known entries
	// (control, padding) held fixed, from the interpolated readings.
	EstimateREDDiff EstimateMethod = "reddiff"
	// EstimateInterpolate is the model-free baseline InterpolateSensors.
	EstimateInterpolate EstimateMethod = "interpolate"
	// EstimateResimulate runs the true Burgers solver from the interpolated initial readings under the known
	// control: the physics baseline (needs the sensors to read frame 0).
	EstimateResimulate EstimateMethod = "resimulate"
)

// EstimateMethods lists the methods in the order they are reported.
func EstimateMethods() []EstimateMethod {
	return []EstimateMethod{EstimateREDDiff, EstimateClamp, EstimateGuided, EstimatePrior, EstimateInterpolate, EstimateResimulate}
}

// ParseEstimateMethods reads a comma-separated list of method names ("" or "all": every method).
func ParseEstimateMethods(s string) ([]EstimateMethod, error) {
	if s == "" || s == "all" {
		return EstimateMethods(), nil
	}
	var out []EstimateMethod
	for _, name := range strings.Split(s, ",") {
		m := EstimateMethod(strings.TrimSpace(name))
		if !m.valid() {
			return nil, fmt.Errorf("wdno: unknown estimation method %q (want one of %v)", name, EstimateMethods())
		}
		out = append(out, m)
	}
	return out, nil
}

func (m EstimateMethod) valid() bool {
	for _, k := range EstimateMethods() {
		if m == k {
			return true
		}
	}
	return false
}

// usesModel reports whether the method needs a trained estimation model.
func (m EstimateMethod) usesModel() bool {
	return m != EstimateInterpolate && m != EstimateResimulate
}

// EstimationProblem is one case: the control F (the dataset's layout) and the sensor readings Y.
type EstimationProblem struct {
	F, Y []float64
}

// EstimateOptions configure Model.Estimate.
type EstimateOptions struct {
	Sensors Sensors
	// Solver and Steps are the sampler methods' (default the model's sample configuration, else ddpm 50).
	Solver string
	Steps  int
	Seed   uint64 // sampler and RED-Diff noise
	// Guidance is EstimateGuided's weight lambda (default 1e4).
	Guidance float64
	// REDDiff configures EstimateREDDiff (nil: diffusion.DefaultREDDiffOptions with Steps steps, sigma_y the
	// sensor noise (at least 1e-3), Lambda 0.25 and LR 0.1 as in the paper); Seed, Progress, Fixed and Init are
	// set by Estimate.
	REDDiff  *diffusion.REDDiffOptions
	Progress func(done, total int)
	// Device, if set, runs EstimatePrior's sampling loop instead of the CPU (DeviceProblem). The other model
	// methods use the model where a DeviceProblem cannot express it (clamp: a decode-replace-encode
	// conditioner after every step; guided: a gradient of the decoded readings' misfit in every x0
	// prediction; reddiff: an optimisation, not a solver's plan): their loops stay on the host, with the
	// network from Network when it is set, and are refused with Device alone (DeviceMethod).
	Device DeviceSampler
	// Network, if set, evaluates the network of the methods whose loop stays on the host (clamp, guided,
	// reddiff) instead of the checkpoint's CPU denoiser, as Request.Network does for Generate
	// (`trajdiff pde estimate --device gpu`).
	Network HostDenoiser
}

// DeviceMethod reports whether method's sampling can run on a DeviceSampler (EstimateOptions.Device): the
// prior draw, and the model-free methods, which sample nothing and run on the CPU.
func DeviceMethod(method EstimateMethod) bool {
	return method == EstimatePrior || (method.valid() && !method.usesModel())
}

// defaultEstimateGuidance is EstimateGuided's weight when none is given.
const defaultEstimateGuidance = 1e4

// Estimated holds one state trajectory per problem (the dataset's layout) and the network evaluations
// per problem. A problem whose sampling diverged is listed in Failed.
type Estimated struct {
	U      [][]float64
	Failed []int
	NFE    int
}

// Estimate estimates the state trajectories of problems with the model (trained for the estimation task)
// by method: prior, clamp, guided or reddiff.
func (m *Model) Estimate(ctx context.Context, method EstimateMethod, problems []EstimationProblem, o EstimateOptions) (*Estimated, error) {
	if m.Task != Estimate {
		return nil, fmt.Errorf("wdno: estimating from sensors needs a model trained for the estimate task, this one is for %v", m.Task)
	}
	if !method.valid() || !method.usesModel() {
		return nil, fmt.Errorf("wdno: %q is not a model's estimation method (want prior, clamp, guided or reddiff)", method)
	}
	if len(problems) == 0 {
		return nil, fmt.Errorf("wdno: no problems to estimate")
	}
	if o.Device != nil && o.Network == nil && !DeviceMethod(method) {
		return nil, fmt.Errorf("wdno: estimation method %q has no device path (only prior samples there); give the device's network as EstimateOptions.Network, or estimate on the CPU", method)
	}
	l, c := m.Layout, m.Layout.Config()
	idx, _, err := o.Sensors.resolve(c)
	if err != nil {
		return nil, err
	}
	D, M := l.Dim(), len(idx)
	nu, nf := c.sizes()
	values, y := make([]float64, len(problems)*D), make([]float64, 0, len(problems)*M)
	zero := make([]float64, nu)
	for j, p := range problems {
		if len(p.Y) != M {
			return nil, fmt.Errorf("wdno: problem %d has %d readings, the sensors give %d", j, len(p.Y), M)
		}
		if len(p.F) != nf {
			return nil, fmt.Errorf("wdno: problem %d: the control has %d values, want %d", j, len(p.F), nf)
		}
		for r, v := range p.Y {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("wdno: problem %d: reading %d is %v", j, r, v)
			}
		}
		if err := l.Encode(Estimate, zero, p.F, values[j*D:(j+1)*D]); err != nil {
			return nil, fmt.Errorf("wdno: problem %d: %w", j, err)
		}
		y = append(y, p.Y...)
	}
	solver, steps, _ := m.Settings(Request{Solver: o.Solver, Steps: o.Steps})
	if method == EstimateREDDiff {
		return m.redDiff(ctx, problems, values, y, steps, o)
	}
	s := sampling{solver: solver, steps: steps, seed: o.Seed, progress: o.Progress, device: o.Device, network: o.Network}
	switch method {
	case EstimateClamp:
		s.extra = &sensorClamp{layout: l, known: l.Known(Estimate), idx: idx, y: y}
	case EstimateGuided:
		s.guidance = cmp.Or(o.Guidance, defaultEstimateGuidance)
		if !(s.guidance > 0) || math.IsInf(s.guidance, 0) {
			return nil, fmt.Errorf("wdno: guidance weight %v, want a finite number > 0", s.guidance)
		}
		s.obj = sensorObjective{idx: idx, y: y}
	}
	g, err := m.sample(ctx, values, s)
	if err != nil {
		return nil, err
	}
	return &Estimated{U: g.U, Failed: g.Failed, NFE: g.NFE}, nil
}

// redDiff runs RED-Diff from the interpolated readings, the known entries held at their encoded values.
func (m *Model) redDiff(ctx context.Context, problems []EstimationProblem, values, y []float64, steps int, o EstimateOptions) (*Estimated, error) {
	l, c := m.Layout, m.Layout.Config()
	D, M := l.Dim(), len(y)/len(problems)
	op, err := NewSensorOperator(l, o.Sensors)
	if err != nil {
		return nil, err
	}
	ro := o.redDiffOptions(steps)
	ro.Seed, ro.Progress = o.Seed, o.Progress
	ro.Fixed = &diffusion.Inpaint{Mask: l.Known(Estimate), Values: values}
	ro.Init = make([]float64, len(values))
	for j, p := range problems {
		u, err := InterpolateSensors(c, o.Sensors, y[j*M:(j+1)*M])
		if err != nil {
			return nil, err
		}
		if err := l.Encode(Estimate, u, p.F, ro.Init[j*D:(j+1)*D]); err != nil {
			return nil, fmt.Errorf("wdno: problem %d: %w", j, err)
		}
	}
	var den diffusion.Denoiser = m.Checkpoint.Denoiser
	if o.Network != nil {
		if den, err = m.hostNetwork(o.Network, len(problems)); err != nil {
			return nil, err
		}
	}
	res, err := diffusion.REDDiff(ctx, m.Checkpoint.Process, den, op, y, ro)
	if err != nil {
		return nil, fmt.Errorf("wdno: RED-Diff: %w", err)
	}
	nu, nf := c.sizes()
	out := &Estimated{U: make([][]float64, len(problems)), NFE: res.NFE}
	f := make([]float64, nf)
	for j := range problems {
		out.U[j] = make([]float64, nu)
		if err := l.Decode(res.X[j*D:(j+1)*D], out.U[j], f); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// redDiffOptions are o.REDDiff, or the defaults for a run of steps steps.
func (o EstimateOptions) redDiffOptions(steps int) diffusion.REDDiffOptions {
	if o.REDDiff != nil {
		return *o.REDDiff
	}
	ro := diffusion.DefaultREDDiffOptions()
	ro.Steps, ro.SigmaY = steps, max(o.Sensors.Noise, 1e-3)
	return ro
}

// sensorObjective is J = mean_r (S u - y)_r^2 of every problem (M readings each).
type sensorObjective struct {
	idx []int
	y   []float64
}

func (o sensorObjective) grad(j int, u, f, gu, gf []float64) {
	clear(gu)
	clear(gf)
	M := len(o.idx)
	for r, i := range o.idx {
		gu[i] = 2 * (u[i] - o.y[j*M+r]) / float64(M)
	}
}

// sensorClamp sets every decoded point's readings to the measurements (Diffuser clamps to clean values at
// every noise level): decode, replace, encode, and keep the re-encoded unknown entries (the known ones are
// the Inpaint conditioner's).
type sensorClamp struct {
	layout    Layout
	known     []bool
	idx       []int
	y         []float64
	u, f, img []float64
}

func (c *sensorClamp) Condition(x []float64, _, _, _ float64) error {
	l := c.layout
	D, M := l.Dim(), len(c.idx)
	if c.u == nil {
		nu, nf := l.Config().sizes()
		c.u, c.f, c.img = make([]float64, nu), make([]float64, nf), make([]float64, D)
	}
	for j := 0; j < len(x)/D; j++ {
		row := x[j*D : (j+1)*D]
		if !finite(row) {
			continue // a diverged point is the sampler's to report (NonFinite), not a clamping error
		}
		if err := l.Decode(row, c.u, c.f); err != nil {
			return err
		}
		for r, i := range c.idx {
			c.u[i] = c.y[j*M+r]
		}
		if err := l.Encode(Estimate, c.u, c.f, c.img); err != nil {
			return fmt.Errorf("wdno: clamping problem %d: %w", j, err)
		}
		for i, k := range c.known {
			if !k {
				row[i] = c.img[i]
			}
		}
	}
	return nil
}

func finite(v []float64) bool {
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

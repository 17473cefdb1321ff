//go:build cuda || trajdiff_cuda

package fromnn

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"slices"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/gpu"
	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/train"
)

// Sample draws req.N windows from m as m.Sample does, on GPU opt.Ordinal: the request is prepared on the
// host exactly as the CPU prepares it (train.Model.SamplingProblem: plan, initial noise, fixed entries in
// training units, condition), then the weights, the state, the fixed entries (one row of values per window)
// and the condition are uploaded once, the plan runs with each step replayed as a CUDA graph (the network,
// the inpainting kernel after every step and the x0 clamp included), and only the final state comes back,
// to be unnormalised on the host. The device state is float32, so samples agree with the CPU's to the
// tolerance gpu/doc.go (Network inference) states; the fixed entries come back exactly (the normalised value
// rounded to float32, then unnormalised). Not supported on the device (refused with an error before any
// device work): a host-side x0 correction (CorrectX0). IsolateFailures isolates a diverging window as
// Model.Sample does (gpu.RunOptions.NonFinite): its values come back NaN, its index is in Samples.Failed, and
// the other windows are those of a run without it. Per-window conditions (conditioning entries fixed
// to different values per window), classifier-free guidance (two network passes per evaluation) and warm
// starts (Init at StartTime, with or without Renoise) run as Model.Sample runs them.
func Sample(ctx context.Context, m *train.Model, req train.SampleRequest, opt SampleOptions) (*train.Samples, gpu.Info, error) {
	dp, err := prepare(m, req)
	if err != nil {
		return nil, gpu.Info{}, err
	}
	d, err := gpu.Open(opt.Ordinal)
	if err != nil {
		return nil, gpu.Info{}, err
	}
	defer d.Close()
	k := &keptRun{}
	s, err := k.sample(ctx, d, dp, opt.Precision)
	if cerr := k.close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return nil, d.Info(), err
	}
	return s, d.Info(), nil
}

// NewSampler opens GPU opt.Ordinal for many Sample calls (Sampler).
func NewSampler(opt SampleOptions) (*Sampler, error) {
	d, err := gpu.Open(opt.Ordinal)
	if err != nil {
		return nil, err
	}
	return &Sampler{d: d, opt: opt, kept: &keptRun{}}, nil
}

// Sample is the package's Sample on the sampler's open device, reusing what the previous request left on it
// where the request allows (Sampler). After a failed request nothing is kept.
func (s *Sampler) Sample(ctx context.Context, m *train.Model, req train.SampleRequest) (*train.Samples, error) {
	return s.sample(ctx, m, req, nil)
}

// SampleGuided is Sample with Diffuser's value guidance run on the device after the request's clamp
// (ValueGuide; gpu.ValueGuide), as Model.Sample runs the CPU guide as the request's CorrectX0. The guide's
// network and buffers are kept with the step graphs captured with them, as the denoiser's are: a next
// guided request with the same value network (the same object, unchanged: call Forget after changing its
// parameters in place), windows, mask and numbers, and the same fixed entries' buffer, replays the graphs;
// any other request releases the guide (after the graphs).
func (s *Sampler) SampleGuided(ctx context.Context, m *train.Model, req train.SampleRequest, g ValueGuide) (*train.Samples, error) {
	return s.sample(ctx, m, req, &g)
}

// sample is Sample, and with a value guide g (nil for none) SampleGuided: g's numbers join the request's
// device problem. A failed request releases what the sampler kept.
func (s *Sampler) sample(ctx context.Context, m *train.Model, req train.SampleRequest, g *ValueGuide) (*train.Samples, error) {
	if s.d == nil {
		return nil, fmt.Errorf("fromnn: the sampler is closed")
	}
	dp, err := prepare(m, req)
	if err != nil {
		return nil, err
	}
	if g != nil {
		if dp.value, err = g.config(m, req.N); err != nil {
			return nil, err
		}
		dp.vnet = g.Model.Checkpoint.Regressor
	}
	out, err := s.kept.sample(ctx, s.d, dp, s.opt.Precision)
	if err != nil {
		if cerr := s.kept.close(); cerr != nil {
			err = fmt.Errorf("%w (releasing the kept device state: %v)", err, cerr)
		}
		return nil, err
	}
	return out, nil
}

// Forget releases what the sampler keeps from its previous request (the network's weights and buffers, the
// executor and its graphs, the fixed entries) and the networks Denoiser handed out; the next request starts
// afresh. Call it after changing a kept
// network's parameters in place.
func (s *Sampler) Forget() error {
	err := s.forgetHosts()
	if s.kept == nil {
		return err
	}
	return errors.Join(err, s.kept.close())
}

// Info describes the sampler's device.
func (s *Sampler) Info() gpu.Info {
	if s.d == nil {
		return gpu.Info{}
	}
	return s.d.Info()
}

// Close releases the kept state and the device.
func (s *Sampler) Close() error {
	if s.d == nil {
		return nil
	}
	err := s.Forget()
	if cerr := s.d.Close(); err == nil {
		err = cerr
	}
	s.d = nil
	return err
}

// keptRun is one request's device state, kept for the next request where that request's shape allows
// (Sampler): the network on the device (a Predictor, which holds its weights, condition and activations),
// the executor (the plan's buffers and its captured step graphs), the fixed entries, and the value guide.
type keptRun struct {
	// The predictor and what it was built for.
	ckpt     *train.Checkpoint
	net      nn.Net
	windows  int
	prec     gpu.Precision
	guidance float64
	cond     []float32
	rows     []float32
	p        *gpu.Predictor
	// The executor and the plan and batch it was compiled and sized for.
	plan *diffusion.Plan
	n    int
	e    *gpu.Executor
	// The fixed entries: the mask and the number of values the buffer holds.
	mask  []bool
	nvals int
	in    *gpu.Inpaint
	// The value guide, the network and numbers it was made for, and the x0 correction it wraps.
	value    *gpu.ValueGuide
	valueCfg gpu.ValueGuideConfig
	vnet     nn.Regressor
	valueFix gpu.X0Corrector
}

// runSpec is one sampling run on the device: the network and its predictor options, the plan, the
// initial state, the fixed entries and the x0 corrections, the seed.
type runSpec struct {
	ckpt      *train.Checkpoint
	windows   int
	pz        gpu.Parameterization
	opt       gpu.PredictorOptions
	plan      *diffusion.Plan
	x         []float64
	fixed     *diffusion.Inpaint // nil: none
	clip      bool               // clamp x0 to [-1, 1]
	fixX0     bool               // then set x0's fixed entries
	seed      uint64
	progress  func(done, total int)
	nonFinite func(example int, t float64) // nil: a non-finite value fails the run
	guide     *gpu.WaveletControlConfig    // nil: no control guidance
	smoke     *gpu.SmokeControlConfig      // nil: no smoke control guidance
	step      func(t float64) float64      // the guidance's step size
	value     *gpu.ValueGuideConfig        // nil: no value guidance
	vnet      nn.Regressor                 // the network value was read from
}

// sample runs a prepared request on d with the kept state (run), its final state unnormalised.
func (k *keptRun) sample(ctx context.Context, d *gpu.Device, dp *deviceProblem, prec gpu.Precision) (*train.Samples, error) {
	r := runSpec{ckpt: dp.m.Checkpoint, windows: dp.req.N, pz: dp.pz, opt: dp.options(prec), plan: dp.pr.Plan,
		x: dp.pr.Noise, fixed: dp.fixed, clip: dp.pr.ClipX0, seed: dp.req.Seed, progress: dp.req.Progress, value: dp.value}
	var failed []int
	if dp.req.IsolateFailures {
		r.nonFinite = func(j int, _ float64) { failed = append(failed, j) }
	}
	r.vnet = dp.vnet
	x, err := k.run(ctx, d, r)
	if err != nil {
		return nil, fmt.Errorf("fromnn: sampling with %s on %s: %w", dp.pr.Solver, d.Info(), err)
	}
	slices.Sort(failed)
	return dp.samples(x, failed), nil
}

// run runs r on d with the kept state, replacing what does not fit r: the state and fixed entries
// uploaded, the plan run with graph replay, the final state back. Control guidance wraps the x0 correction
// in a gpu.WaveletControlGuide made for this run: its buffers are allocated once here, captured in the step
// graphs with the rest, and released after the run together with those graphs (which hold its pointers).
func (k *keptRun) run(ctx context.Context, d *gpu.Device, r runSpec) (_ []float64, err error) {
	n := len(r.x)
	p, err := k.predictor(d, r)
	if err != nil {
		return nil, err
	}
	e, err := k.executor(d, r.plan, n)
	if err != nil {
		return nil, err
	}
	ro := gpu.RunOptions{Seed: r.seed, Progress: r.progress, NonFinite: r.nonFinite, Graph: true}
	var in *gpu.Inpaint
	if r.fixed != nil {
		if in, err = k.inpaint(d, e, r.fixed); err != nil {
			return nil, err
		}
		ro.Condition = in
	}
	switch {
	case r.fixX0 && in != nil:
		ro.CorrectX0 = gpu.InpaintX0{In: in, Clip: r.clip, Lo: -1, Hi: 1}
	case r.clip:
		ro.CorrectX0 = gpu.ClipX0{Lo: -1, Hi: 1}
	}
	if r.guide != nil || r.smoke != nil {
		fix := ro.CorrectX0
		if fix == nil {
			fix = unchangedX0{}
		}
		g, gerr := r.newGuide(d, fix)
		if gerr != nil {
			return nil, gerr
		}
		defer releaseGuide(e, g, "control guidance", &err)
		ro.CorrectX0 = g
	}
	if r.value != nil {
		g, gerr := k.valueGuide(d, r, ro.CorrectX0)
		if gerr != nil {
			return nil, gerr
		}
		ro.CorrectX0 = g
	} else if err := k.dropValue(); err != nil {
		return nil, err
	}
	x32 := make([]float32, n)
	for i, v := range r.x {
		x32[i] = float32(v)
	}
	if err := e.Run(ctx, p, x32, ro); err != nil {
		return nil, err
	}
	x := make([]float64, n)
	for i, v := range x32 {
		x[i] = float64(v)
	}
	return x, nil
}

// RunPlan runs p on the sampler's device (PlanProblem), reusing what the previous request or plan problem
// left on it where p allows (Sampler), and returns the final state. After a failure nothing is kept.
func (s *Sampler) RunPlan(ctx context.Context, p PlanProblem) ([]float64, error) {
	if s.d == nil {
		return nil, fmt.Errorf("fromnn: the sampler is closed")
	}
	n, err := p.check()
	if err != nil {
		return nil, err
	}
	pz, err := Parameterization(p.Checkpoint)
	if err != nil {
		return nil, err
	}
	r := runSpec{ckpt: p.Checkpoint, windows: n, pz: pz, opt: gpu.PredictorOptions{Precision: s.opt.Precision}, plan: p.Plan,
		x: p.X, clip: p.ClipX0, fixX0: p.FixX0, seed: p.Seed, progress: p.Progress, nonFinite: p.NonFinite,
		guide: p.Guidance, smoke: p.SmokeGuidance, step: p.GuidanceStep}
	if p.Mask != nil {
		r.fixed = &diffusion.Inpaint{Mask: p.Mask, Values: p.Values}
	}
	x, err := s.kept.run(ctx, s.d, r)
	if err != nil {
		if cerr := s.kept.close(); cerr != nil {
			err = fmt.Errorf("%w (releasing the kept device state: %v)", err, cerr)
		}
		return nil, fmt.Errorf("fromnn: running a %s plan on %s: %w", p.Plan.Solver, s.d.Info(), err)
	}
	return x, nil
}

// predictor returns the kept predictor if it was built for r's network, windows, precision, guidance and
// condition values, else a new one (the kept one and the graphs captured with it released).
func (k *keptRun) predictor(d *gpu.Device, r runSpec) (*gpu.Predictor, error) {
	c := r.ckpt
	if k.p != nil && k.ckpt == c && sameNet(k.net, c.Net) && k.windows == r.windows && k.prec == r.opt.Precision &&
		math.Float64bits(k.guidance) == math.Float64bits(r.opt.Guidance) && sameBits(k.cond, r.opt.Cond) && sameBits(k.rows, r.opt.PointConds) {
		return k.p, nil
	}
	if err := k.dropPredictor(); err != nil {
		return nil, err
	}
	p, err := NewPredictor(d, c.Net, r.pz, r.windows, r.opt)
	if err != nil {
		return nil, err
	}
	k.p, k.ckpt, k.net, k.windows, k.prec, k.guidance = p, c, c.Net, r.windows, r.opt.Precision, r.opt.Guidance
	k.cond, k.rows = slices.Clone(r.opt.Cond), slices.Clone(r.opt.PointConds)
	return p, nil
}

// executor returns the kept executor if it runs the same plan on n values, else a new one.
func (k *keptRun) executor(d *gpu.Device, plan *diffusion.Plan, n int) (*gpu.Executor, error) {
	if k.e != nil && k.n == n && reflect.DeepEqual(k.plan, plan) {
		return k.e, nil
	}
	if k.e != nil {
		err := k.e.Close()
		k.e, k.plan = nil, nil
		if err != nil {
			return nil, err
		}
	}
	e, err := gpu.NewExecutor(d, plan, n)
	if err != nil {
		return nil, err
	}
	k.e, k.plan, k.n = e, plan, n
	return e, nil
}

// inpaint returns the kept fixed entries with the request's values copied in when the mask and the number of
// values are the same, else new ones (the graphs captured with the kept ones dropped first).
func (k *keptRun) inpaint(d *gpu.Device, e *gpu.Executor, f *diffusion.Inpaint) (*gpu.Inpaint, error) {
	if k.in != nil && slices.Equal(k.mask, f.Mask) && k.nvals == len(f.Values) {
		if err := k.in.SetValues(f.Values); err != nil {
			return nil, err
		}
		return k.in, nil
	}
	if err := e.Invalidate(); err != nil {
		return nil, err
	}
	if err := k.dropInpaint(); err != nil {
		return nil, err
	}
	in, err := gpu.NewInpaint(d, f.Mask, f.Values)
	if err != nil {
		return nil, err
	}
	k.in, k.mask, k.nvals = in, slices.Clone(f.Mask), len(f.Values)
	return in, nil
}

// valueGuide returns the kept value guide if it was made for r's value network (the same object), windows,
// mask and numbers around the same x0 correction fix, else a new one (the kept one released after the
// graphs captured with it). The executor replays its graphs with a kept guide: it is the same corrector.
func (k *keptRun) valueGuide(d *gpu.Device, r runSpec, fix gpu.X0Corrector) (*gpu.ValueGuide, error) {
	c := r.value
	if k.value != nil && sameObject(k.vnet, r.vnet) && (k.valueFix == nil && fix == nil || sameObject(k.valueFix, fix)) && k.valueCfg.Windows == c.Windows &&
		slices.Equal(k.valueCfg.Free, c.Free) && k.valueCfg.Process.Name() == c.Process.Name() &&
		math.Float64bits(k.valueCfg.Scale) == math.Float64bits(c.Scale) && k.valueCfg.Steps == c.Steps &&
		math.Float64bits(k.valueCfg.Stop) == math.Float64bits(c.Stop) && k.valueCfg.NoStd == c.NoStd {
		return k.value, nil
	}
	if err := k.dropValue(); err != nil {
		return nil, err
	}
	g, err := gpu.NewValueGuide(d, *c, fix)
	if err != nil {
		return nil, err
	}
	k.value, k.valueCfg, k.vnet, k.valueFix = g, *c, r.vnet, fix
	k.valueCfg.Free = slices.Clone(c.Free)
	return g, nil
}

// dropValue releases the kept value guide, after the graphs captured with it (which launch into its buffers).
func (k *keptRun) dropValue() error {
	if k.value == nil {
		return nil
	}
	var err error
	if k.e != nil {
		err = k.e.Invalidate()
	}
	if cerr := k.value.Close(); err == nil {
		err = cerr
	}
	k.value, k.valueCfg, k.vnet, k.valueFix = nil, gpu.ValueGuideConfig{}, nil, nil
	if err != nil {
		return fmt.Errorf("fromnn: releasing the value guidance: %w", err)
	}
	return nil
}

// dropPredictor releases the kept predictor, after the graphs that launch its kernels.
func (k *keptRun) dropPredictor() error {
	if k.p == nil {
		return nil
	}
	var err error
	if k.e != nil {
		err = k.e.Invalidate()
	}
	if cerr := k.p.Close(); err == nil {
		err = cerr
	}
	k.p, k.ckpt, k.net, k.cond, k.rows = nil, nil, nil, nil, nil
	return err
}

// dropInpaint releases the kept fixed entries.
func (k *keptRun) dropInpaint() error {
	if k.in == nil {
		return nil
	}
	err := k.in.Close()
	k.in, k.mask, k.nvals = nil, nil, 0
	return err
}

// close releases everything kept: the executor (its graphs first), the predictor, the value guide, the fixed
// entries.
func (k *keptRun) close() error {
	var first error
	keep := func(err error) {
		if err != nil && first == nil {
			first = err
		}
	}
	if k.e != nil {
		keep(k.e.Close())
		k.e, k.plan = nil, nil
	}
	keep(k.dropPredictor())
	keep(k.dropValue())
	keep(k.dropInpaint())
	return first
}

// guideX0 is a control guide: an x0 correction holding device memory.
type guideX0 interface {
	gpu.X0Corrector
	Close() error
}

// newGuide makes r's control guide around fix: the 1-D wavelet layout's or smoke's.
func (r runSpec) newGuide(d *gpu.Device, fix gpu.X0Corrector) (guideX0, error) {
	if r.smoke != nil {
		return gpu.NewSmokeControlGuide(d, *r.smoke, fix, r.step)
	}
	return gpu.NewWaveletControlGuide(d, *r.guide, fix, r.step)
}

// unchangedX0 is the x0 correction that changes nothing, the guide's fix for a problem that neither clamps
// nor fixes x0.
type unchangedX0 struct{}

func (unchangedX0) CorrectX0(*gpu.Stream, gpu.Buffer, gpu.Buffer, float64) error { return nil }

// sameNet reports whether a and b are the same network object (comparable dynamic types only: a network of
// a type that cannot be compared is never taken for the kept one).
func sameNet(a, b nn.Net) bool { return sameObject(a, b) }

// sameObject reports whether a and b are the same object: both non-nil, of one comparable dynamic type,
// and equal (pointers: identical).
func sameObject(a, b any) bool {
	if a == nil || b == nil {
		return false
	}
	ta := reflect.TypeOf(a)
	return ta == reflect.TypeOf(b) && ta.Comparable() && a == b
}

// sameBits reports whether two float32 slices hold the same values bit for bit (nil and empty alike).
func sameBits(a, b []float32) bool {
	if len(a) != len(b) || (a == nil) != (b == nil) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// releaseGuide frees a guide after the run, its failure landing in *err unless that holds one already. The
// graphs captured with the guide launch into its buffers, so they are dropped (e.Invalidate) before it.
func releaseGuide(e *gpu.Executor, g io.Closer, what string, err *error) {
	ierr := e.Invalidate()
	if cerr := g.Close(); ierr == nil {
		ierr = cerr
	}
	if *err == nil && ierr != nil {
		*err = fmt.Errorf("fromnn: releasing the %s: %w", what, ierr)
	}
}

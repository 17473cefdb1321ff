package geotdm

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/internal/stream"
	"github.com/trajdiff/trajdiff/nn"
)

// Pair is a stochastic interpolant forecaster with its two fields learned by two checkpoints of the same
// interpolant (objective process "interpolant", equal base noise, latent amplitude and time range): the
// drift b from one (trained with prediction "velocity", configs/geotdm-charged-si-velocity-small.toml), the
// denoiser eta = E[z | x] from the other (an eps model). Each network runs in its own process coordinates
// y = x - tau x_r around its own learned prior x_r, while the sampler integrates the interpolant itself,
// x_t at t = 1 - tau (diffusion.InterpolantProcessFields has the map as equations):
//
//	b   = -V_b(x - tau r_b, tau) - r_b,                          V the velocity prediction dy/dtau
//	eta = gamma(t)/sigma(tau) eps_eta(x - tau r_eta, tau),        gamma(t) = sqrt(Latent t (1-t))
//
// with the ODE dx = b dt (Heun) or the SDE dx = (b - Eps eta) dt + sqrt(2 Eps gamma) dW
// (Euler-Maruyama), from t = 1 - TMax to 1 - TMin on a grid uniform in sqrt(tau), and the denoiser's
// x0-prediction as the last step.
// A Pair is safe for concurrent use (its networks serialise their calls).
type Pair struct {
	drift, denoiser  *Model
	process          *diffusion.InterpolantProcess
	refDrift, refDen *nn.Predictor // nil: the network has no reference (x_r = 0)
}

// NewPair checks that drift and denoiser are checkpoints of one interpolant on one layout and returns
// their pair. The same checkpoint twice is allowed: its pair is the single-network interpolant.
func NewPair(drift, denoiser *Model) (*Pair, error) {
	if drift == nil || denoiser == nil {
		return nil, fmt.Errorf("geotdm: a pair needs a drift and a denoiser checkpoint")
	}
	pd, ok := drift.tm.Checkpoint.Process.(*diffusion.InterpolantProcess)
	if !ok {
		return nil, fmt.Errorf("geotdm: drift checkpoint %s was trained on the %s process, not on an interpolant", drift.Path(), drift.tm.Checkpoint.Process.Name())
	}
	pe, ok := denoiser.tm.Checkpoint.Process.(*diffusion.InterpolantProcess)
	if !ok {
		return nil, fmt.Errorf("geotdm: denoiser checkpoint %s was trained on the %s process, not on an interpolant", denoiser.Path(), denoiser.tm.Checkpoint.Process.Name())
	}
	if *pd != *pe {
		return nil, fmt.Errorf("geotdm: the drift checkpoint %s has interpolant %+v, the denoiser %s %+v: they must be one interpolant",
			drift.Path(), *pd, denoiser.Path(), *pe)
	}
	ld, le := drift.Layout(), denoiser.Layout()
	if !slices.Equal(ld.Net.CondFrames, le.Net.CondFrames) || !slices.Equal(ld.Net.TargetFrames, le.Net.TargetFrames) ||
		ld.Net.Nodes != le.Net.Nodes || ld.Net.SpatialDim != le.Net.SpatialDim || ld.Net.NodeFeatures != le.Net.NodeFeatures ||
		ld.Net.EdgeFeatures != le.Net.EdgeFeatures || ld.EdgeAttr != le.EdgeAttr {
		return nil, fmt.Errorf("geotdm: the drift checkpoint %s reads frames %v -> %v of %d nodes (edges %q), the denoiser %s frames %v -> %v of %d (edges %q): they must share a layout",
			drift.Path(), ld.Net.CondFrames, ld.Net.TargetFrames, ld.Net.Nodes, ld.EdgeAttr, denoiser.Path(), le.Net.CondFrames, le.Net.TargetFrames, le.Net.Nodes, le.EdgeAttr)
	}
	if ld.CondDim() == 0 {
		return nil, fmt.Errorf("geotdm: checkpoint %s is unconditional; a pair forecasts from condition frames", drift.Path())
	}
	p := &Pair{drift: drift, denoiser: denoiser, process: pd}
	var err error
	if p.refDrift, err = reference(drift); err != nil {
		return nil, err
	}
	if p.refDen, err = reference(denoiser); err != nil {
		return nil, err
	}
	return p, nil
}

// reference returns the predictor of m's reference x_r, nil when it has none.
func reference(m *Model) (*nn.Predictor, error) {
	net := m.tm.Checkpoint.Net
	if e, ok := net.(*nn.EGTN); ok {
		return nn.NewPredictor(e.ReferenceNet()), nil
	}
	if su, ok := net.(nn.SignalUser); ok && su.NeedsSignal() {
		return nil, fmt.Errorf("geotdm: checkpoint %s: the reference of a %s network is unknown", m.Path(), net.Spec().Arch)
	}
	return nil, nil
}

// Drift and Denoiser are the pair's checkpoints.
func (p *Pair) Drift() *Model    { return p.drift }
func (p *Pair) Denoiser() *Model { return p.denoiser }

// PairOptions are the choices of Pair.Forecast.
type PairOptions struct {
	K     int     // samples per trajectory (default 5)
	Steps int     // sampler steps (default 5: 11 network evaluations per sample); Heun for Eps 0
	Eps   float64 // diffusion coefficient eps(t) = Eps gamma(t); 0 integrates the ODE
	Seed  uint64  // keys every noise draw, with the trajectory's dataset index
	// UniformT spaces the steps uniformly in t instead of in sqrt(tau) (diffusion.InterpolantProcessFields.
	// Sampler): Heun then overshoots on its last step, where b is stiff.
	UniformT bool
	// Progress, if set, is called with done = 0 before the first trajectory, then after each trajectory with
	// the trajectories done and the total.
	Progress func(done, total int)
}

// Forecast draws opts.K samples of the target frames of every trajectory, in Model.Forecast's layout.
// Each trajectory is sampled on its own with noise keyed by (Seed, its dataset index), so its samples do
// not depend on the others; a trajectory whose samples diverge is left nil and listed in a *FailedError,
// returned with the samples of the others.
func (p *Pair) Forecast(ctx context.Context, trajs []datasets.GeometricView, opts PairOptions) ([][][]float64, error) {
	layout := p.drift.Layout()
	conds := make([][]float64, len(trajs))
	index := make([]int, len(trajs))
	x0 := make([]float64, layout.Dim())
	for i, v := range trajs {
		conds[i] = make([]float64, layout.CondDim())
		if err := layout.Pack(v, x0, conds[i]); err != nil {
			return nil, fmt.Errorf("geotdm: %w", err)
		}
		index[i] = v.Index
	}
	out, _, err := p.forecastPacked(ctx, index, conds, opts)
	return out, err
}

func (o PairOptions) withDefaults() (PairOptions, error) {
	if o.K == 0 {
		o.K = 5
	}
	if o.Steps == 0 {
		o.Steps = 5
	}
	switch {
	case o.K < 1:
		return o, fmt.Errorf("geotdm: K = %d samples per trajectory, want at least 1", o.K)
	case o.Steps < 1:
		return o, fmt.Errorf("geotdm: %d sampler steps, want at least 1", o.Steps)
	case !(o.Eps >= 0) || o.Eps > 1e6:
		return o, fmt.Errorf("geotdm: diffusion coefficient %v, want a finite value >= 0", o.Eps)
	}
	return o, nil
}

// forecastPacked samples for packed condition vectors; it also returns the network evaluations per sample.
func (p *Pair) forecastPacked(ctx context.Context, index []int, conds [][]float64, opts PairOptions) ([][][]float64, int, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, 0, err
	}
	D, C, K := p.drift.Layout().Dim(), p.drift.Layout().CondDim(), opts.K
	out := make([][][]float64, len(index))
	var fails []Failure
	nfe := 0
	if opts.Progress != nil {
		opts.Progress(0, len(index))
	}
	for i, ix := range index {
		if err := ctx.Err(); err != nil {
			return nil, 0, err
		}
		if len(conds[i]) != C {
			return nil, 0, fmt.Errorf("geotdm: trajectory %d: condition of %d values, the layout has %d", ix, len(conds[i]), C)
		}
		cond := make([]float64, 0, K*C)
		for range K {
			cond = append(cond, conds[i]...)
		}
		f, err := p.fields(cond, K*D)
		if err != nil {
			return nil, 0, fmt.Errorf("geotdm: trajectory %d: %w", ix, err)
		}
		seed := stream.RNG(opts.Seed, "geotdm/pair", uint64(ix), "geotdm").Uint64()
		x := make([]float64, K*D)
		diffusion.NewPhilox(seed).FillNormal(x, 1<<20, 0) // the sampler's own streams are its step numbers
		s := f.Sampler(opts.Steps, opts.Eps, seed)
		if opts.UniformT {
			s = f.UniformSampler(opts.Steps, opts.Eps, seed)
		}
		n, err := f.Sample(ctx, s, x)
		switch {
		case err != nil && ctx.Err() != nil:
			return nil, 0, err
		case err != nil:
			fails = append(fails, Failure{Index: ix, Err: fmt.Errorf("geotdm: trajectory %d: %w", ix, err)})
		default:
			nfe = n
			out[i] = make([][]float64, K)
			for k := range out[i] {
				out[i][k] = x[k*D : (k+1)*D : (k+1)*D]
			}
		}
		if opts.Progress != nil {
			opts.Progress(i+1, len(index))
		}
	}
	if nfe == 0 {
		nfe = 2*opts.Steps + 1
	}
	if len(fails) > 0 {
		return out, nfe, &FailedError{Failures: fails}
	}
	return out, nfe, nil
}

// fields builds the interpolant fields for a batch of conditions (n values of state).
func (p *Pair) fields(cond []float64, n int) (*diffusion.InterpolantProcessFields, error) {
	f := &diffusion.InterpolantProcessFields{Process: p.process}
	var err error
	for _, side := range []struct {
		m   *Model
		ref *nn.Predictor
		den *diffusion.Denoiser
		xr  *[]float64
	}{{p.drift, p.refDrift, &f.Drift, &f.DriftRef}, {p.denoiser, p.refDen, &f.Denoiser, &f.DenoiserRef}} {
		ck := side.m.tm.Checkpoint
		if *side.den, _, err = ck.State.Objective.Denoiser(ck.Predictor.Conditional(cond)); err != nil {
			return nil, fmt.Errorf("checkpoint %s: %w", side.m.Path(), err)
		}
		if side.ref != nil {
			*side.xr = make([]float64, n)
			if err := side.ref.PredictBatch(*side.xr, make([]float64, n), []float64{0}, cond); err != nil {
				return nil, fmt.Errorf("checkpoint %s: its reference: %w", side.m.Path(), err)
			}
		}
	}
	return f, nil
}

// PairMethod is a Pair's sampler, scored by Evaluate next to the checkpoints (EvalOptions.Pairs).
type PairMethod struct {
	Pair     *Pair
	Steps    int     // sampler steps (default 5)
	Eps      float64 // diffusion coefficient; 0 for the ODE
	UniformT bool    // PairOptions.UniformT
}

// Name is the method's name in a Report: "two-field ode" or "two-field sde eps E", with " (uniform t)"
// for UniformT.
func (m PairMethod) Name() string {
	name := "two-field ode"
	if m.Eps != 0 {
		name = fmt.Sprintf("two-field sde eps %g", m.Eps)
	}
	if m.UniformT {
		name += " (uniform t)"
	}
	return name
}

// checkpoints names the two checkpoints as a Report's Method.Checkpoint.
func (m PairMethod) checkpoints() string {
	return fmt.Sprintf("drift %s, denoiser %s", m.Pair.drift.Path(), m.Pair.denoiser.Path())
}

var errNoPair = errors.New("geotdm: pair method without a pair")

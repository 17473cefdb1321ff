package train

import (
	"fmt"
	"math"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/diffusion"
)

// startingAt is a process whose sampling range ends at t0 instead of TMax: a schedule asked for its
// levels on it spaces them on [TMin, t0] by its own rule.
type startingAt struct {
	diffusion.Process
	t0 float64
}

func (s startingAt) TMax() float64 { return s.t0 }

// warmStartTimes is the solver's time grid of a request. Without a start time (t0 = 0) it is the schedule's
// grid from TMax. A warm start at t0 in (0, TMax] runs the schedule on the process with its sampling range
// cut to [TMin, t0]: the schedule's own rule (uniform in t, Karras' rho-spacing of sigma/alpha, uniform
// log-SNR, quadratic; a DDPM spacing maps its selected training steps onto [TMin, t0] instead of
// [TMin, TMax]) places steps levels from t0 down to TMin, then the final 0. For t0 <= TMin only one step
// fits: the grid is [t0, 0].
func warmStartTimes(sch diffusion.Schedule, p diffusion.Process, t0 float64, steps int) ([]float64, error) {
	if t0 == 0 {
		return sch.Times(p, steps)
	}
	if !(t0 > 0 && t0 <= p.TMax()) {
		return nil, badRequest("StartTime %v outside the process's range (0, %v]", t0, p.TMax())
	}
	if t0 <= p.TMin() {
		if steps != 1 {
			return nil, badRequest("StartTime %v is at or below the process's smallest level %v: only Steps 1 (straight to the data) fits, got %d", t0, p.TMin(), steps)
		}
		return []float64{t0, 0}, nil
	}
	times, err := sch.Times(startingAt{p, t0}, steps)
	if err != nil {
		return nil, fmt.Errorf("train: %w: warm start at %v: %w", ErrBadRequest, t0, err)
	}
	if err := diffusion.ValidateTimes(p, times); err != nil {
		return nil, fmt.Errorf("train: %w: warm start at %v: %w", ErrBadRequest, t0, err)
	}
	return times, nil
}

// prepareWarmStart checks a request's Init, StartTime and Renoise and keeps Init in training units.
func (m *Model) prepareWarmStart(req SampleRequest, sp *sampler) error {
	switch {
	case req.Init == nil && req.StartTime == 0:
		if req.Renoise {
			return badRequest("Renoise re-noises Init, and there is no Init")
		}
		return nil
	case req.Init == nil:
		return badRequest("StartTime %v without Init: a warm start needs the windows to start from", req.StartTime)
	case req.StartTime == 0:
		return badRequest("Init without StartTime: say from which process time t0 in (0, %v] the solver starts", m.Checkpoint.Process.TMax())
	}
	n, D := req.N, m.Horizon*m.Transition
	if len(req.Init) != n*D {
		return badRequest("Init has %d values, want N x Horizon x Transition = %d x %d x %d = %d", len(req.Init), n, m.Horizon, m.Transition, n*D)
	}
	for i, v := range req.Init {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return badRequest("Init value %d (window %d, step %d, %s) is %v", i, i/D, i%D/m.Transition, m.Components()[i%m.Transition], v)
		}
	}
	sp.init = append([]float64(nil), req.Init...)
	sp.renoise = req.Renoise
	if m.geometric == nil {
		m.Normalize(sp.init)
	}
	return nil
}

// Normalize maps windows (rows of transition values) from the data's units to training units, one column of
// one step at a time.
func (m *Model) Normalize(x []float64) { m.mapColumns(x, (*datasets.Normalizer).Normalize) }

// initialState is the solver's starting state at t0 = times[0], in the diffusion package's convention
// x_t = alpha(t) x0 + sigma(t) eps (diffusion/doc.go). From the schedule's start it is sigma(t0) eps, as
// always (the signal alpha(TMax) x0 is unknown and negligible). A warm start from Init (training units) with
// Renoise draws from the forward process, x = alpha(t0) Init + sigma(t0) eps: q(x_t0 | x0 = Init). Without
// Renoise (RTI-DP's choice) it is that distribution's mean, alpha(t0) Init: Init itself for the processes
// with alpha = 1 (edm, ve), and the state the solver expects a clean Init to be at t0 otherwise. eps is the
// Philox stream of seed, as for a cold start. Fixed entries are then clamped by the solver's conditioner,
// which runs on the initial state too.
func (sp *sampler) initialState(p diffusion.Process, seed uint64, size int) []float64 {
	x := make([]float64, size)
	t0 := sp.times[0]
	if sp.init == nil || sp.renoise {
		diffusion.NewPhilox(seed).FillNormal(x, 1<<20, 0)
		s0 := p.Sigma(t0)
		for i := range x {
			x[i] *= s0
		}
	}
	if sp.init != nil {
		a := p.Alpha(t0)
		for i, v := range sp.init {
			x[i] += a * v
		}
	}
	return x
}

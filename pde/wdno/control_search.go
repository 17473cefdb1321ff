package wdno

import (
	"cmp"
	"context"
	"fmt"
	"math"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/pde/burgers"
)

// SearchControl samples a control model's cases by inference-time search (diffusion.ParticleSearch: best-of-N,
// resampling, rollover budget forcing) with the reward -J, J = mean_x (u(T) - u*)^2 + w sum f^2 of each
// candidate's control re-simulated by the true solver p from the case's u0: the quantity Evaluate reports,
// so the search spends its network budget on exactly what is scored. Candidates are x0 predictions with the
// known entries set and WDNO's guidance applied as in Generate; a candidate whose re-simulation blows up
// gets reward -Inf. Each case is searched on its own (outputs = 1), its particles sharing its condition;
// the search's process is the model's, and its steps default to the model's sample steps. NFE in the result
// is the budget per case.
func (m *Model) SearchControl(ctx context.Context, req Request, s diffusion.ParticleSearch, p burgers.Params) (*Generated, error) {
	enc, guidance, err := m.searchSetup(req, &s)
	if err != nil {
		return nil, err
	}
	if c := m.Layout.Config(); p.Cells != c.Cells || p.Frames+1 != c.Frames {
		return nil, fmt.Errorf("wdno: solver of %d points x %d intervals for a model of %d x %d frames", p.Cells, p.Frames, c.Cells, c.Frames)
	}
	solver, err := burgers.NewBatchSolver(p, burgers.BatchWidth)
	if err != nil {
		return nil, err
	}
	energy := cmp.Or(req.EnergyWeight, 2e-5)
	return m.searchCases(ctx, req, s, enc, guidance, func(j int) (reward, error) {
		return &controlReward{layout: m.Layout, solver: solver, u0: enc.u0s[j], obj: burgers.Objective{Target: enc.targets[j], EnergyWeight: energy}, frames: p.Frames}, nil
	})
}

// searchSetup checks a search by control cost of req's cases and completes s (the model's process, and
// its steps unless set); it returns the encoded cases and the guidance weight.
func (m *Model) searchSetup(req Request, s *diffusion.ParticleSearch) (*encoded, float64, error) {
	if m.Task != Control {
		return nil, 0, fmt.Errorf("wdno: searching by control cost needs a control model, this one is for %v", m.Task)
	}
	if req.Device != nil && req.Network == nil {
		return nil, 0, fmt.Errorf("wdno: the search by control cost runs its loop on the host; give the device's network as Request.Network, or search on the CPU")
	}
	enc, err := m.encode(req)
	if err != nil {
		return nil, 0, err
	}
	_, steps, guidance := m.Settings(req)
	if guidance < 0 || math.IsNaN(guidance) {
		return nil, 0, fmt.Errorf("wdno: guidance weight %v, want >= 0", guidance)
	}
	s.Process = m.Checkpoint.Process
	if s.Steps == 0 {
		s.Steps = steps
	}
	if _, err := s.Validate(m.Layout.Dim()); err != nil {
		return nil, 0, fmt.Errorf("wdno: %w", err)
	}
	return enc, guidance, nil
}

// reward scores candidate images (rows of x0) of one case into r: higher is better, -Inf a candidate
// whose re-simulation failed.
type reward interface {
	score(ctx context.Context, r, x0 []float64) error
}

// searchCases runs s on each encoded case of req on its own (outputs = 1), its particles sharing the
// case's condition, the candidates being guided x0 predictions as in Generate and rewardOf(j) scoring
// case j's. s must have been validated with the model's process set.
func (m *Model) searchCases(ctx context.Context, req Request, s diffusion.ParticleSearch, enc *encoded, guidance float64, rewardOf func(j int) (reward, error)) (*Generated, error) {
	known := m.Layout.Known(Control)
	D := m.Layout.Dim()
	n := len(req.Cases)
	nu, nf := m.Layout.Config().sizes()
	out := &Generated{U: make([][]float64, n), F: make([][]float64, n), NFE: s.Budget}
	pull, err := m.guidePullback(req, guidance)
	if err != nil {
		return nil, err
	}
	den, err := m.searchDenoiser(req, s)
	if err != nil {
		return nil, err
	}
	all, err := m.endsOf(req, enc) // formed once (the orthogonal projection's Gram matrix), used case by case
	if err != nil {
		return nil, err
	}
	for j := range n {
		one := enc.values[j*D : (j+1)*D]
		// The case's own objective at index 0: guide.correct pairs every particle with case 0 of its values.
		alone := &encoded{values: one, u0s: enc.u0s[j : j+1], targets: enc.targets[j : j+1], cells: enc.cells}
		var ends *endProjection
		if all != nil {
			ends = all.only(j)
		}
		g := &guide{layout: m.Layout, known: known, values: one, clip: !m.Config.Sample.NoClip, weight: guidance, p: s.Process,
			obj: alone.objective(m, req), pull: pull, ends: ends}
		cost, err := rewardOf(j)
		if err != nil {
			return nil, fmt.Errorf("wdno: case %d: %w", j, err)
		}
		opt := diffusion.ParticleOptions{Seed: req.Seed + uint64(j), Condition: &diffusion.Inpaint{Mask: known, Values: one}, CorrectX0: g.correct}
		if req.Progress != nil {
			opt.Progress = func(done, total int) { req.Progress(j*total+done, n*total) }
		}
		res, err := s.Sample(ctx, den, func(r, x0 []float64) error { return cost.score(ctx, r, x0) }, 1, opt)
		if err != nil {
			return nil, fmt.Errorf("wdno: case %d: %w", j, err)
		}
		out.U[j], out.F[j] = make([]float64, nu), make([]float64, nf)
		if math.IsInf(res.Rewards[0], -1) {
			out.Failed = append(out.Failed, j)
		}
		if err := m.Layout.Decode(res.X, out.U[j], out.F[j]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// searchDenoiser is the network a search evaluates: req.Network's for the model's checkpoint, sized for
// s's particles, else the checkpoint's own on the CPU.
func (m *Model) searchDenoiser(req Request, s diffusion.ParticleSearch) (diffusion.Denoiser, error) {
	if req.Network == nil {
		return m.Checkpoint.Denoiser, nil
	}
	return m.hostNetwork(req.Network, max(s.Particles, s.Budget/s.Steps))
}

// controlReward scores candidate images by -J of their controls re-simulated from one case's u0.
type controlReward struct {
	layout Layout
	solver *burgers.BatchSolver
	u0     []float64
	obj    burgers.Objective
	frames int // control intervals K: the stored control's last row is not applied
}

func (c *controlReward) score(ctx context.Context, r, x0 []float64) error {
	D := c.layout.Dim()
	nu, nf := c.layout.Config().sizes()
	u := make([]float64, nu)
	K := nf / (c.frames + 1) * c.frames
	w := c.solver.Width()
	for lo := 0; lo < len(r); lo += w {
		hi := min(lo+w, len(r))
		u0s, fs, objs := make([][]float64, hi-lo), make([][]float64, hi-lo), make([]burgers.Objective, hi-lo)
		for k := lo; k < hi; k++ {
			f := make([]float64, nf)
			if err := c.layout.Decode(x0[k*D:(k+1)*D], u, f); err != nil {
				return err
			}
			u0s[k-lo], fs[k-lo], objs[k-lo] = c.u0, f[:K], c.obj
		}
		costs, _, errs, err := burgers.BatchControlObjective(ctx, c.solver, u0s, fs, objs)
		if err != nil {
			return err
		}
		for k := range costs {
			r[lo+k] = -costs[k].J
			if errs[k] != nil || math.IsNaN(costs[k].J) {
				r[lo+k] = math.Inf(-1)
			}
		}
	}
	return nil
}

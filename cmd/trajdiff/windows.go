package main

import (
	"context"
	"fmt"
	"math"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/train"
)

// windowModel samples trajectory windows [horizon, transition] from a trained checkpoint, in the units of
// the training data: fixed entries are normalised like the data, samples are unnormalised.
type windowModel struct {
	d          diffusion.Denoiser
	p          diffusion.Process
	pred       *nn.Predictor
	objective  train.ObjectiveConfig
	condition  []train.WindowEntry // entries a conditional network receives as its condition
	cfg        train.Config
	horizon    int
	transition int
	norms      []*datasets.Normalizer // per column, in transition order
	offsets    []int                  // first transition component of each column
}

// loadWindowModel loads a checkpoint (run or step directory) trained by `trajdiff train` and the
// normalisers of its dataset.
func loadWindowModel(path string, ema bool) (*windowModel, error) {
	d, p, pred, st, err := train.LoadDenoiser(path, ema)
	if err != nil {
		return nil, err
	}
	var cfg train.Config
	if len(st.Extra) == 0 {
		return nil, fmt.Errorf("checkpoint %s has no training configuration (not written by trajdiff train)", path)
	}
	if err := train.UnmarshalStrict(st.Extra, &cfg); err != nil {
		return nil, fmt.Errorf("checkpoint %s: configuration: %w", path, err)
	}
	ds, s, err := cfg.Data.OpenData()
	if err != nil {
		return nil, fmt.Errorf("opening the training data %s for its normalisers: %w", cfg.Data.Path, err)
	}
	defer ds.Close()
	m := &windowModel{d: d, p: p, pred: pred, objective: st.Objective, cfg: cfg, horizon: s.Horizon(), transition: s.Dim(), norms: s.Normalizers()}
	if m.condition, err = cfg.Data.ConditionEntries(); err != nil {
		return nil, err
	}
	off := 0
	for _, n := range m.norms {
		m.offsets = append(m.offsets, off)
		off += n.Dim()
	}
	if off != m.transition {
		return nil, fmt.Errorf("normalisers cover %d of %d transition values", off, m.transition)
	}
	if m.horizon*m.transition != d.Dim() {
		return nil, fmt.Errorf("the network takes %d values, the data windows have %d x %d", d.Dim(), m.horizon, m.transition)
	}
	return m, nil
}

// column returns the normaliser and component of transition index c.
func (m *windowModel) column(c int) (*datasets.Normalizer, int) {
	for i := len(m.offsets) - 1; i >= 0; i-- {
		if c >= m.offsets[i] {
			return m.norms[i], c - m.offsets[i]
		}
	}
	return m.norms[0], c
}

// normalizeValue maps a raw value of transition component c to training units (the normalisers are
// per-component affine maps).
func (m *windowModel) normalizeValue(c int, v float64) float64 {
	n, k := m.column(c)
	row := make([]float32, n.Dim())
	row[k] = float32(v)
	n.Normalize(row)
	return float64(row[k])
}

// unnormalize maps windows (rows of transition values) back to raw units.
func (m *windowModel) unnormalize(x []float64) {
	row := make([]float32, 0, m.transition)
	for r := 0; r < len(x)/m.transition; r++ {
		for i, n := range m.norms {
			o := r*m.transition + m.offsets[i]
			row = row[:n.Dim()]
			for k := range row {
				row[k] = float32(x[o+k])
			}
			n.Unnormalize(row)
			for k, v := range row {
				x[o+k] = float64(v)
			}
		}
	}
}

// fixedEntry clamps a window entry (transition component C at time step T, negative T from the end) to a raw
// value (one value, or one per sample).
type fixedEntry struct {
	train.WindowEntry
	values []float64
}

// sample draws n windows with the solver, clamping the fixed entries after every step as Diffuser does.
func (m *windowModel) sample(ctx context.Context, solver diffusion.Solver, sch diffusion.Schedule, steps, n int, seed uint64, fixes []fixedEntry) ([]float64, *diffusion.Plan, error) {
	times, err := sch.Times(m.p, steps)
	if err != nil {
		return nil, nil, err
	}
	plan, err := solver.Plan(m.p, times)
	if err != nil {
		return nil, nil, err
	}
	D := m.horizon * m.transition
	x := make([]float64, n*D)
	diffusion.NewPhilox(seed).FillNormal(x, 1<<20, 0)
	for i := range x {
		x[i] *= m.p.Sigma(times[0])
	}
	var inpaint *diffusion.Inpaint
	if len(fixes) > 0 {
		mask := make([]bool, D)
		values := make([]float64, n*D)
		for _, f := range fixes {
			k, err := f.Index(m.horizon, m.transition)
			if err != nil {
				return nil, nil, err
			}
			if len(f.values) != 1 && len(f.values) != n {
				return nil, nil, fmt.Errorf("fixed entry (step %d, component %d) has %d values for %d samples", f.T, f.C, len(f.values), n)
			}
			mask[k] = true
			for s := 0; s < n; s++ {
				v := f.values[min(s, len(f.values)-1)]
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return nil, nil, fmt.Errorf("fixed entry (step %d, component %d) is %v", f.T, f.C, v)
				}
				values[s*D+k] = m.normalizeValue(f.C, v)
			}
		}
		inpaint = &diffusion.Inpaint{Mask: mask, Values: values}
	}
	den := m.d
	if len(m.condition) > 0 {
		// The network was trained on these window entries as its condition: give each sample its own.
		C := len(m.condition)
		conds := make([]float64, n*C)
		for j, e := range m.condition {
			k, err := e.Index(m.horizon, m.transition)
			if err != nil {
				return nil, nil, err
			}
			if inpaint == nil || !inpaint.Mask[k] {
				return nil, nil, fmt.Errorf("the model is conditioned on step %d component %d: fix it (--fix %d:%d=VALUE)", e.T, e.C, e.T, e.C)
			}
			for s := 0; s < n; s++ {
				conds[s*C+j] = inpaint.Values[s*D+k]
			}
		}
		if den, _, err = m.objective.Denoiser(m.pred.Conditional(conds)); err != nil {
			return nil, nil, err
		}
	}
	opt := diffusion.RunOptions{Seed: seed}
	if inpaint != nil {
		opt.Condition = inpaint // a nil *Inpaint in the interface would not be nil
	}
	if err := diffusion.Sample(ctx, plan, den, x, opt); err != nil {
		return nil, nil, err
	}
	m.unnormalize(x)
	return x, plan, nil
}

package train

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/trajdiff/trajdiff/datasets"
)

// ReturnsComponent is the component of a WindowEntry that stands for the return-to-go rather than a
// transition value: in a regression's data.inputs and data.targets, "returns@STEP" is WindowEntry{T: STEP,
// C: ReturnsComponent}, the discounted return-to-go of the window's episode at window step STEP,
//
//	R(t0 + STEP) = sum_{k>=0} discount^k r_{t0+STEP+k}     (to the episode's end; 0 past it),
//
// in training units R / data.returns_scale (not further normalised), and "returns" is "returns@0", the
// value of the "returns" condition item (the same backward pass per episode, CondReturns).
const ReturnsComponent = -1

// IsReturns reports an entry that is the return-to-go at step T (ReturnsComponent).
func (e WindowEntry) IsReturns() bool { return e.C == ReturnsComponent }

// ParseRegressionEntry reads an item of data.inputs or data.targets: a window entry "STEP:COMPONENT",
// "returns" or "returns@STEP" (STEP negative counts from the window's end, as for entries).
func ParseRegressionEntry(s string) (WindowEntry, error) {
	if s == "returns" {
		return WindowEntry{T: 0, C: ReturnsComponent}, nil
	}
	if rest, ok := strings.CutPrefix(s, "returns@"); ok {
		t, err := strconv.Atoi(rest)
		if err != nil {
			return WindowEntry{}, fmt.Errorf("train: regression item %q: want returns@STEP, e.g. returns@1", s)
		}
		return WindowEntry{T: t, C: ReturnsComponent}, nil
	}
	e, err := ParseWindowEntry(s)
	if err != nil {
		return e, fmt.Errorf("train: regression item %q: want STEP:COMPONENT, returns or returns@STEP", s)
	}
	return e, nil
}

func parseRegressionEntries(list []string) ([]WindowEntry, error) {
	var out []WindowEntry
	for _, s := range list {
		e, err := ParseRegressionEntry(s)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// regressionIndex is an entry's position in a regression example: a window entry's position in the
// flattened window (horizon*transition values), a return-to-go at step t the position horizon*transition+t
// (the example is the window followed by the horizon returns-to-go of its steps).
func regressionIndex(e WindowEntry, horizon, transition int) (int, error) {
	if !e.IsReturns() {
		return e.Index(horizon, transition)
	}
	t := e.T
	if t < 0 {
		t += horizon
	}
	if t < 0 || t >= horizon {
		return 0, fmt.Errorf("train: returns@%d outside a window of %d steps", e.T, horizon)
	}
	return horizon*transition + t, nil
}

// usesReturns reports whether data.inputs or data.targets lists a return-to-go.
func usesReturns(es ...[]WindowEntry) bool {
	for _, l := range es {
		for _, e := range l {
			if e.IsReturns() {
				return true
			}
		}
	}
	return false
}

// checkRegressionReturns checks data.returns_scale (required, positive and finite) and data.discount (in
// (0, 1], 0 for the default) when the regression uses returns-to-go, and that neither is set otherwise.
func (d DataConfig) checkRegressionReturns(returns bool) error {
	switch {
	case returns && !(d.ReturnsScale > 0 && !math.IsInf(d.ReturnsScale, 1)):
		return fmt.Errorf("train: \"returns\" in data.inputs or data.targets needs data.returns_scale > 0 (the return-to-go is divided by it), got %v", d.ReturnsScale)
	case !returns && (d.ReturnsScale != 0 || d.Discount != 0):
		return fmt.Errorf("train: data.returns_scale and data.discount belong to a \"returns\" item of data.inputs, data.targets or data.condition")
	case d.Discount < 0 || d.Discount > 1 || math.IsNaN(d.Discount):
		return fmt.Errorf("train: data.discount must be in (0, 1] (0 for the default %v), got %v", DefaultDiscount, d.Discount)
	}
	return nil
}

// returnsSource serves a regression's examples when it uses returns-to-go: each window of the inner
// source followed by the scaled returns-to-go R(t0+k)/returns_scale of its steps k = 0..horizon-1 (0 for a
// step past the episode's end, where a padded window reaches).
type returnsSource struct {
	inner   *SamplerSource
	horizon int
	rtg     [][]float64 // [episode][step], training units
	buf     []float64
}

// newReturnsSource computes the returns-to-go of every episode of ds (one backward pass per episode, the
// "returns" condition's episodeValues) and wraps s.
func newReturnsSource(s *SamplerSource, ds *datasets.Dataset, d DataConfig) (*returnsSource, error) {
	if ds.Kind() != datasets.Episodes {
		return nil, fmt.Errorf("train: \"returns\" needs an episodes dataset, %s is %v", d.Path, ds.Kind())
	}
	c := episodeCondition{item: ConditionItem{Kind: CondReturns}, scale: d.ReturnsScale}
	rtg, err := c.episodeValues(ds, d.discount())
	if err != nil {
		return nil, err
	}
	return &returnsSource{inner: s, horizon: s.sampler.Horizon(), rtg: rtg}, nil
}

func (r *returnsSource) Dim() int     { return r.inner.Dim() + r.horizon }
func (r *returnsSource) CondDim() int { return 0 }

func (r *returnsSource) Batch(step int, x0, cond []float64) error {
	W, D := r.inner.Dim(), r.Dim()
	B := len(x0) / D
	if len(x0) != B*D || len(cond) != 0 {
		return fmt.Errorf("train: batch of %d values (and %d condition values), want a multiple of %d", len(x0), len(cond), D)
	}
	if len(r.buf) != B*W {
		r.buf = make([]float64, B*W)
	}
	if err := r.inner.Batch(step, r.buf, nil); err != nil {
		return err
	}
	for b := 0; b < B; b++ {
		row := x0[b*D : (b+1)*D]
		copy(row, r.buf[b*W:(b+1)*W])
		seg := r.inner.batch.Segments[b]
		ep := r.rtg[seg.Trajectory]
		for k := 0; k < r.horizon; k++ {
			v := 0.0
			if t := seg.Start + k; t < len(ep) {
				v = ep[t]
			}
			row[W+k] = v
		}
	}
	return nil
}

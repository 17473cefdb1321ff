package train

import (
	"fmt"
	"math"
	"slices"
)

// Increment is how one regression target is fitted when data.relative_to names a base for it: the
// regressor's output k stands for the normalised target minus the normalised base (an input of the same
// window column and component), standardised,
//
//	y_k = (x[target] - x[base] - Mean) / Scale,
//
// and prediction inverts it, x[target] = x[base] + Mean + Scale*y_k. Base is the base's position in the
// regression example, or -1 for a target fitted as it is (Mean 0, Scale 1).
//
// Why: a learned dynamics model that regresses the next state itself must reproduce the current one to
// well below a step's size, which a small network does not; its per-step error then exceeds the step and
// compounds over an autoregressive rollout (Trajectory Diffuser's draft on Maze2D moved 15 times faster
// than the data). Regressing the normalised increment is the usual remedy (Nagabandi et al., "Neural
// network dynamics for model-based deep reinforcement learning with model-free fine-tuning", ICRA 2018,
// section IV.A).
type Increment struct {
	Base  int     `json:"base"`
	Mean  float64 `json:"mean"`
	Scale float64 `json:"scale"`
}

// incrementBatches is the number of the source's batches (steps 0, 1, ...) whose increments give Mean
// and Scale. Source batches are keyed by step, so reading them changes nothing in training.
const incrementBatches = 64

// RelativeEntries parses RelativeTo: one entry per target, nil for a target fitted as it is ("").
func (d DataConfig) RelativeEntries() ([]*WindowEntry, error) {
	if len(d.RelativeTo) == 0 {
		return nil, nil
	}
	out := make([]*WindowEntry, len(d.RelativeTo))
	for j, s := range d.RelativeTo {
		if s == "" {
			continue
		}
		e, err := ParseRegressionEntry(s)
		if err != nil {
			return nil, fmt.Errorf("train: data.relative_to: %w", err)
		}
		out[j] = &e
	}
	return out, nil
}

// relativeBases returns, for each target, the position of its base in the regression example (-1 for an
// absolute target), or nil when data.relative_to is empty. A base must be one of data.inputs (prediction
// only knows the inputs) with the target's component, so that the normalised difference is the data's
// difference times the column's constant scale.
func (d DataConfig) relativeBases(horizon, transition int) ([]int, error) {
	rel, err := d.RelativeEntries()
	if err != nil || rel == nil {
		return nil, err
	}
	ins, err := d.InputEntries()
	if err != nil {
		return nil, err
	}
	outs, err := d.TargetEntries()
	if err != nil {
		return nil, err
	}
	if len(rel) != len(outs) {
		return nil, fmt.Errorf("train: data.relative_to lists %d entries, data.targets %d: give one per target (\"\" for a target fitted as it is)", len(rel), len(outs))
	}
	bases := make([]int, len(rel))
	named := false
	for j, b := range rel {
		bases[j] = -1
		if b == nil {
			continue
		}
		named = true
		if !slices.Contains(ins, *b) {
			return nil, fmt.Errorf("train: data.relative_to[%d] = %q is not in data.inputs: a target's base must be an input", j, d.RelativeTo[j])
		}
		if b.C != outs[j].C {
			return nil, fmt.Errorf("train: data.relative_to[%d] = %q is another component than its target %q: an increment is taken within one component", j, d.RelativeTo[j], d.Targets[j])
		}
		if bases[j], err = regressionIndex(*b, horizon, transition); err != nil {
			return nil, fmt.Errorf("train: data.relative_to: %w", err)
		}
	}
	if !named {
		return nil, fmt.Errorf("train: data.relative_to names no base; leave it out to fit every target as it is")
	}
	return bases, nil
}

// measureIncrements returns each target's Increment, with Mean and Scale the mean and standard deviation
// of its normalised increment over the source's first incrementBatches batches (Scale 1 when the
// increment is constant there); nil for nil bases.
func measureIncrements(src Source, batch int, targets, bases []int) ([]Increment, error) {
	if bases == nil {
		return nil, nil
	}
	D := src.Dim()
	x0 := make([]float64, batch*D)
	sum, sq := make([]float64, len(targets)), make([]float64, len(targets))
	n := 0
	for step := 0; step < incrementBatches; step++ {
		if err := src.Batch(step, x0, nil); err != nil {
			return nil, fmt.Errorf("train: measuring the targets' increments: step %d: %w", step, err)
		}
		for b := 0; b < batch; b++ {
			row := x0[b*D : (b+1)*D]
			for j, k := range targets {
				if bases[j] >= 0 {
					d := row[k] - row[bases[j]]
					sum[j] += d
					sq[j] += d * d
				}
			}
		}
		n += batch
	}
	inc := make([]Increment, len(targets))
	for j := range targets {
		inc[j] = Increment{Base: bases[j], Scale: 1}
		if bases[j] < 0 {
			continue
		}
		mean := sum[j] / float64(n)
		sd := math.Sqrt(max(sq[j]/float64(n)-mean*mean, 0))
		inc[j].Mean = mean
		if sd > 1e-12 {
			inc[j].Scale = sd
		}
	}
	return inc, nil
}

// fitTarget is the value the regressor's output j is fitted to for an example row.
func fitTarget(row []float64, k, j int, inc []Increment) float64 {
	if inc == nil || inc[j].Base < 0 {
		return row[k]
	}
	return (row[k] - row[inc[j].Base] - inc[j].Mean) / inc[j].Scale
}

// basesOf lists the bases of inc (nil for nil).
func basesOf(inc []Increment) []int {
	if inc == nil {
		return nil
	}
	out := make([]int, len(inc))
	for j, x := range inc {
		out[j] = x.Base
	}
	return out
}

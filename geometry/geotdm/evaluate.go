package geotdm

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/geometry"
	"github.com/trajdiff/trajdiff/internal/shard"
	"github.com/trajdiff/trajdiff/internal/stream"
)

// TransformShift is the standard deviation of the translations of EvalOptions.Transform.
const TransformShift = 5

// ConstantVelocityName is the constant-velocity baseline's method name in a Report.
const ConstantVelocityName = "constant-velocity"

// EvalOptions are the choices of Evaluate.
type EvalOptions struct {
	K      int    // samples per trajectory (default 5)
	Solver string // "" takes each checkpoint's sample.solver, else dpmpp-2m
	Steps  int    // 0 takes each checkpoint's sample.steps, else 10
	Seed   uint64
	Batch  int // trajectories per network batch (Options.Batch)
	// Shard of Shards selects a contiguous block of the (limited) dataset (internal/shard's rule); Shards
	// 0 means 1. The shards' reports merge (Merge) into the report of the whole.
	Shard, Shards int
	// Limit > 0 evaluates only the first Limit trajectories (before sharding).
	Limit int
	// Baselines are other geometric checkpoints scored on the same trajectories (e.g. the same network
	// with an N(0, I) prior); they must generate the same target frames.
	Baselines []*Model
	// Pairs are two-field interpolant samplers (Pair) scored on the same trajectories, after the
	// checkpoints; their drift and denoiser checkpoints are checked against the dataset like the baselines.
	Pairs            []PairMethod
	AllowOtherSystem bool
	// Transform, when not 0, moves every trajectory (condition and truth) by its own random rotation or
	// reflection and translation (geometry.RandomTransform with shift TransformShift), keyed by
	// (Transform, dataset index): an equivariant model scores the same within sampling error.
	Transform uint64
	// Progress, if set, is called with the method's name and its trajectories done: 0 as the method starts,
	// then after each batch.
	Progress func(method string, done, total int)
	// Sample, if set, draws the checkpoints' samples instead of train.Model.Sample (Options.Sample); the
	// pairs' samplers stay on the CPU.
	Sample SampleFunc
}

// Report holds the displacement errors of every method on a set of trajectories. It is JSON and
// mergeable: each method carries sums over systems, so the merged means are exact means over all
// systems of the shards, not means of shard means.
type Report struct {
	Checkpoint   string   `json:"checkpoint"`
	Data         []string `json:"data"`
	K            int      `json:"k"`
	Solver       string   `json:"solver,omitempty"`
	Steps        int      `json:"steps,omitempty"`
	Seed         uint64   `json:"seed"`
	TargetFrames []int    `json:"target_frames"`
	Transform    uint64   `json:"transform,omitempty"` // EvalOptions.Transform
	Shards       []string `json:"shards"`              // "i/n" of every shard included
	Systems      int      `json:"systems"`             // trajectories scored
	Methods      []Method `json:"methods"`
}

// Method is one method's result. ADE and FDE (geometry.ADE, geometry.FDE) are computed per sample and
// system; Mean* average them over the K samples (GeoTDM's protocol), Min* take the best sample (minADE_K),
// and both are then averaged over systems.
type Method struct {
	Name       string  `json:"name"`       // "model", "constant-velocity", or a baseline's checkpoint path
	Checkpoint string  `json:"checkpoint"` // empty for constant velocity
	NFE        int     `json:"nfe"`        // network evaluations per sample
	K          int     `json:"k"`          // samples per system (1 for constant velocity)
	Systems    int     `json:"systems"`
	Samples    int     `json:"samples"` // samples scored, K per system
	Seconds    float64 `json:"seconds"` // wall time of its forecasts
	MeanADE    float64 `json:"mean_ade"`
	MeanFDE    float64 `json:"mean_fde"`
	MinADE     float64 `json:"min_ade"`
	MinFDE     float64 `json:"min_fde"`
	// Sums over systems of the per-system values above: what Merge adds.
	SumMeanADE float64 `json:"sum_mean_ade"`
	SumMeanFDE float64 `json:"sum_mean_fde"`
	SumMinADE  float64 `json:"sum_min_ade"`
	SumMinFDE  float64 `json:"sum_min_fde"`
	// Marginal is geometry.MarginalScore (50 bins) of all the method's samples against the true target
	// frames of the systems scored: GeoTDM's measure for unconditional generation. It is computed by an
	// unsharded Evaluate only (histograms do not merge from shard scores); Merge leaves it 0.
	Marginal float64 `json:"marginal,omitempty"`
	// Failed lists the dataset indices of systems whose sampling diverged (non-finite network output);
	// they are not in the averages, and FirstFailure says why the first one failed.
	Failed       []int  `json:"failed,omitempty"`
	FirstFailure string `json:"first_failure,omitempty"`
}

func (m *Method) add(e geometry.SampleErrors) {
	m.Systems++
	m.SumMeanADE += e.MeanADE
	m.SumMeanFDE += e.MeanFDE
	m.SumMinADE += e.MinADE
	m.SumMinFDE += e.MinFDE
}

func (m *Method) finish() {
	m.Samples = m.K * m.Systems
	if m.Systems == 0 {
		return
	}
	n := float64(m.Systems)
	m.MeanADE, m.MeanFDE, m.MinADE, m.MinFDE = m.SumMeanADE/n, m.SumMeanFDE/n, m.SumMinADE/n, m.SumMinFDE/n
}

// Evaluate forecasts opts.K samples of every trajectory of (a shard of) ds with model and each baseline,
// extrapolates them at constant velocity, and scores all against the true target frames. The dataset is
// checked against every checkpoint (CheckDataset) and every trajectory is read and packed before any
// sampling; cancelling ctx stops between batches.
func Evaluate(ctx context.Context, model *Model, ds *datasets.Dataset, opts EvalOptions) (*Report, error) {
	if opts.Shards == 0 {
		opts.Shards = 1
	}
	if opts.Limit < 0 {
		return nil, fmt.Errorf("geotdm: limit %d", opts.Limit)
	}
	fo, err := Options{K: opts.K, Solver: opts.Solver, Steps: opts.Steps, Seed: opts.Seed, Batch: opts.Batch, Sample: opts.Sample}.withDefaults()
	if err != nil {
		return nil, err
	}
	layout := model.Layout()
	models := append([]*Model{model}, opts.Baselines...)
	for _, m := range models {
		if err := m.CheckDataset(ds, opts.AllowOtherSystem); err != nil {
			return nil, fmt.Errorf("%w (checkpoint %s)", err, m.Path())
		}
		l := m.Layout().Net
		if !slices.Equal(l.TargetFrames, layout.Net.TargetFrames) || l.Nodes != layout.Net.Nodes || l.SpatialDim != layout.Net.SpatialDim {
			return nil, fmt.Errorf("geotdm: baseline %s generates frames %v of %d nodes in %d dimensions, the model %v of %d in %d",
				m.Path(), l.TargetFrames, l.Nodes, l.SpatialDim, layout.Net.TargetFrames, layout.Net.Nodes, layout.Net.SpatialDim)
		}
	}
	for _, pm := range opts.Pairs {
		if pm.Pair == nil {
			return nil, errNoPair
		}
		models = append(models, pm.Pair.drift, pm.Pair.denoiser)
	}
	for _, m := range models[1+len(opts.Baselines):] {
		if err := m.CheckDataset(ds, opts.AllowOtherSystem); err != nil {
			return nil, fmt.Errorf("%w (checkpoint %s)", err, m.Path())
		}
		if l := m.Layout().Net; !slices.Equal(l.TargetFrames, layout.Net.TargetFrames) || l.Nodes != layout.Net.Nodes || l.SpatialDim != layout.Net.SpatialDim {
			return nil, fmt.Errorf("geotdm: pair checkpoint %s generates frames %v of %d nodes in %d dimensions, the model %v of %d in %d",
				m.Path(), l.TargetFrames, l.Nodes, l.SpatialDim, layout.Net.TargetFrames, layout.Net.Nodes, layout.Net.SpatialDim)
		}
	}
	models = models[:1+len(opts.Baselines)]
	total := ds.Len()
	if opts.Limit > 0 {
		total = min(total, opts.Limit)
	}
	lo, hi, err := shard.Range(total, opts.Shard, opts.Shards)
	if err != nil {
		return nil, fmt.Errorf("geotdm: %w", err)
	}
	if opts.Transform != 0 && layout.Net.SpatialDim != 3 {
		return nil, fmt.Errorf("geotdm: transformed evaluation needs 3-D positions, the layout has %d", layout.Net.SpatialDim)
	}
	views := make([]datasets.GeometricView, 0, hi-lo)
	truth := make([][]float64, 0, hi-lo)
	conds := make([][]float64, 0, hi-lo)
	index := make([]int, 0, hi-lo)
	transforms := make([]geometry.Transform, 0, hi-lo)
	nc := len(layout.Net.CondFrames) * layout.Net.Nodes * layout.Net.SpatialDim
	for i := lo; i < hi; i++ {
		v, err := ds.Trajectory(i)
		if err != nil {
			return nil, fmt.Errorf("geotdm: %w", err)
		}
		x0, cond := make([]float64, layout.Dim()), make([]float64, layout.CondDim())
		if err := layout.Pack(v, x0, cond); err != nil {
			return nil, fmt.Errorf("geotdm: %w", err)
		}
		g := geometry.Identity()
		if opts.Transform != 0 {
			g = geometry.RandomTransform(stream.RNG(opts.Transform, "geotdm/transform", uint64(v.Index), "geotdm"), true, TransformShift)
			g.Apply(x0, x0)
			g.Apply(cond[:nc], cond[:nc]) // positions; node features and edge attributes are invariant
		}
		views, truth, conds, index = append(views, v), append(truth, x0), append(conds, cond), append(index, v.Index)
		transforms = append(transforms, g)
	}
	rep := &Report{Checkpoint: model.Path(), Data: ds.Files(), K: fo.K, Solver: opts.Solver, Steps: opts.Steps, Seed: opts.Seed,
		TargetFrames: slices.Clone(layout.Net.TargetFrames), Transform: opts.Transform, Shards: []string{fmt.Sprintf("%d/%d", opts.Shard, opts.Shards)}, Systems: len(views)}
	shape := geometry.Shape{Frames: len(layout.Net.TargetFrames), Nodes: layout.Net.Nodes, Dim: layout.Net.SpatialDim}
	score := func(m *Method, samples [][][]float64) error {
		for i, s := range samples {
			if s == nil { // failed (Method.Failed)
				continue
			}
			e, err := geometry.SampleMetrics(shape, s, truth[i])
			if err != nil {
				return fmt.Errorf("geotdm: %s, trajectory %d: %w", m.Name, views[i].Index, err)
			}
			m.add(e)
		}
		m.finish()
		if opts.Shards == 1 && m.Systems > 0 {
			var real, fake []float64
			for i, s := range samples {
				if s == nil {
					continue
				}
				real = append(real, truth[i]...)
				for _, x := range s {
					fake = append(fake, x...)
				}
			}
			ms, err := geometry.MarginalScore(shape, real, fake, 50)
			if err != nil {
				return fmt.Errorf("geotdm: %s: %w", m.Name, err)
			}
			m.Marginal = ms
		}
		return nil
	}
	// record scores one method's forecasts and adds it to the report. A forecast that failed for some
	// systems (FailedError) is recorded with those systems left out; any other error ends the evaluation,
	// named by where.
	record := func(name, checkpoint, where string, began time.Time, samples [][][]float64, nfe int, err error) error {
		var failed *FailedError
		if err != nil && !errors.As(err, &failed) {
			return fmt.Errorf("%w (%s)", err, where)
		}
		r := Method{Name: name, Checkpoint: checkpoint, NFE: nfe, K: fo.K, Seconds: time.Since(began).Seconds()}
		if failed != nil {
			for _, f := range failed.Failures {
				r.Failed = append(r.Failed, f.Index)
			}
			r.FirstFailure = failed.Failures[0].Err.Error()
		}
		if err := score(&r, samples); err != nil {
			return err
		}
		rep.Methods = append(rep.Methods, r)
		return nil
	}
	for j, m := range models {
		name := "model"
		if j > 0 {
			name = m.Path()
		}
		o := fo
		if opts.Progress != nil {
			o.Progress = func(done, total int) { opts.Progress(name, done, total) }
		}
		began := time.Now()
		samples, nfe, err := m.forecastPacked(ctx, index, conds, o)
		if err := record(name, m.Path(), "checkpoint "+m.Path(), began, samples, nfe, err); err != nil {
			return nil, err
		}
	}
	for _, pm := range opts.Pairs {
		name := pm.Name()
		po := PairOptions{K: fo.K, Steps: pm.Steps, Eps: pm.Eps, Seed: opts.Seed, UniformT: pm.UniformT}
		if opts.Progress != nil {
			po.Progress = func(done, total int) { opts.Progress(name, done, total) }
		}
		began := time.Now()
		samples, nfe, err := pm.Pair.forecastPacked(ctx, index, conds, po)
		if err := record(name, pm.checkpoints(), pm.checkpoints(), began, samples, nfe, err); err != nil {
			return nil, err
		}
	}
	if len(layout.Net.CondFrames) > 0 {
		began := time.Now()
		samples := make([][][]float64, len(views))
		for i, v := range views {
			x, err := ConstantVelocity(layout, v)
			if err != nil {
				return nil, err
			}
			transforms[i].Apply(x, x) // extrapolation commutes with rigid motions
			samples[i] = [][]float64{x}
		}
		r := Method{Name: ConstantVelocityName, K: 1, Seconds: time.Since(began).Seconds()}
		if err := score(&r, samples); err != nil {
			return nil, err
		}
		rep.Methods = append(rep.Methods, r)
	}
	return rep, nil
}

// Merge combines the reports of shards of one evaluation (same checkpoint, data, K, solver, steps, seed,
// target frames and methods; no shard twice) into the report of their union: counts, sums and seconds
// add, and the means are recomputed from the sums.
func Merge(reports ...*Report) (*Report, error) {
	if len(reports) == 0 {
		return nil, fmt.Errorf("geotdm: no reports to merge")
	}
	first := reports[0]
	out := &Report{Checkpoint: first.Checkpoint, Data: slices.Clone(first.Data), K: first.K, Solver: first.Solver, Steps: first.Steps,
		Seed: first.Seed, TargetFrames: slices.Clone(first.TargetFrames), Transform: first.Transform}
	for _, m := range first.Methods {
		out.Methods = append(out.Methods, Method{Name: m.Name, Checkpoint: m.Checkpoint, NFE: m.NFE, K: m.K})
	}
	for ri, r := range reports {
		if r.Checkpoint != first.Checkpoint || !slices.Equal(r.Data, first.Data) || r.K != first.K || r.Solver != first.Solver ||
			r.Steps != first.Steps || r.Seed != first.Seed || !slices.Equal(r.TargetFrames, first.TargetFrames) || r.Transform != first.Transform {
			return nil, fmt.Errorf("geotdm: report %d is of another evaluation (checkpoint %s, data %v, K %d, solver %q, steps %d, seed %d) than report 0 (%s, %v, %d, %q, %d, %d)",
				ri, r.Checkpoint, r.Data, r.K, r.Solver, r.Steps, r.Seed, first.Checkpoint, first.Data, first.K, first.Solver, first.Steps, first.Seed)
		}
		if len(r.Methods) != len(out.Methods) {
			return nil, fmt.Errorf("geotdm: report %d has %d methods, report 0 has %d", ri, len(r.Methods), len(out.Methods))
		}
		for _, s := range r.Shards {
			if slices.Contains(out.Shards, s) {
				return nil, fmt.Errorf("geotdm: shard %s appears twice", s)
			}
			out.Shards = append(out.Shards, s)
		}
		out.Systems += r.Systems
		for j, m := range r.Methods {
			o := &out.Methods[j]
			if m.Name != o.Name || m.K != o.K {
				return nil, fmt.Errorf("geotdm: report %d method %d is %s (K %d), report 0's is %s (K %d)", ri, j, m.Name, m.K, o.Name, o.K)
			}
			o.Systems += m.Systems
			o.Seconds += m.Seconds
			o.SumMeanADE += m.SumMeanADE
			o.SumMeanFDE += m.SumMeanFDE
			o.SumMinADE += m.SumMinADE
			o.SumMinFDE += m.SumMinFDE
			o.NFE = max(o.NFE, m.NFE)
			o.Failed = append(o.Failed, m.Failed...)
			if o.FirstFailure == "" {
				o.FirstFailure = m.FirstFailure
			}
		}
	}
	for j := range out.Methods {
		out.Methods[j].finish()
	}
	return out, nil
}

package geotdm

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/internal/stream"
	"github.com/trajdiff/trajdiff/train"
)

// Model is a checkpoint of a data.kind geometric run (GeoTDM's EGTN, or any network trained on the same
// layout, e.g. an mlp baseline), ready to forecast trajectories. It is safe for concurrent use.
type Model struct {
	path   string
	tm     *train.Model
	layout train.GeometricLayout
}

// Load reads a checkpoint (a run directory for its latest checkpoint, or a step directory) of a run
// trained with data.kind geometric. opts, at most one, chooses the weights (train.LoadOptions.Weights;
// the default follows the run's sample.ema).
func Load(checkpoint string, opts ...train.LoadOptions) (*Model, error) {
	if len(opts) > 1 {
		return nil, fmt.Errorf("geotdm: Load takes at most one LoadOptions, got %d", len(opts))
	}
	var o train.LoadOptions
	if len(opts) == 1 {
		o = opts[0]
	}
	tm, err := train.Load(checkpoint, o)
	if err != nil {
		return nil, fmt.Errorf("geotdm: %w", err)
	}
	layout, ok := tm.Geometric()
	if !ok {
		return nil, fmt.Errorf("geotdm: checkpoint %s was trained on windows (data.kind %q), not on geometric trajectories", checkpoint, tm.Config.Data.Kind)
	}
	return &Model{path: checkpoint, tm: tm, layout: layout}, nil
}

// Layout is how the model reads a trajectory: its condition and target frames, node features and edge
// attributes.
func (m *Model) Layout() train.GeometricLayout { return m.layout }

// Path is the checkpoint path Load was given.
func (m *Model) Path() string { return m.path }

// Train is the underlying train.Model (its configuration, checkpoint and sampler).
func (m *Model) Train() *train.Model { return m.tm }

// Options are the choices of Forecast.
type Options struct {
	K      int    // samples per trajectory (default 5, GeoTDM's)
	Solver string // a diffusion solver; "" takes the run's sample.solver, else dpmpp-2m
	Steps  int    // solver steps; 0 takes the run's sample.steps, else 10
	Seed   uint64 // keys every noise draw
	// Batch is the number of trajectories per network batch (default 8, so K*Batch samples a batch). The
	// samples of a trajectory depend on Seed, Batch and its dataset index (GeometricView.Index) only, not
	// on which other trajectories are forecast with it: a shard of a dataset gets the samples the whole
	// dataset would (bit for bit in the tests; in principle up to the rounding of network batches of other
	// sizes).
	Batch int
	// Progress, if set, is called with done = 0 before the first batch, then after each batch with the
	// trajectories done and the total.
	Progress func(done, total int)
	// Sample, if set, replaces train.Model.Sample (`trajdiff geometry --device gpu` injects gpu/fromnn's
	// Sampler, so this package never depends on the GPU code). It gets the same requests, IsolateFailures
	// included, and must honour them as Model.Sample does: a diverged sample fails its trajectory alone.
	Sample SampleFunc
}

// SampleFunc draws a train.Model's samples for a request, as train.Model.Sample does.
type SampleFunc = func(context.Context, *train.Model, train.SampleRequest) (*train.Samples, error)

func (o Options) withDefaults() (Options, error) {
	o.K, o.Batch = cmp.Or(o.K, 5), cmp.Or(o.Batch, 8)
	switch {
	case o.K < 1:
		return o, fmt.Errorf("geotdm: K = %d samples per trajectory, want at least 1", o.K)
	case o.Batch < 1:
		return o, fmt.Errorf("geotdm: batch of %d trajectories, want at least 1", o.Batch)
	case o.Steps < 0:
		return o, fmt.Errorf("geotdm: %d solver steps, want at least 1 (0 for the default)", o.Steps)
	}
	return o, nil
}

// ErrOtherSystem marks a dataset of another system than the one a checkpoint was trained on.
var ErrOtherSystem = errors.New("dataset of another system")

// CheckDataset reports a dataset the model cannot forecast: not geometric, without positions, with
// another node count, spatial dimension or node feature width, too few frames, without the edges an
// adjacency layout needs, or (unless allowOther) of another system than the training data: another
// generator, node feature names, edge column or frame interval (ErrOtherSystem).
func (m *Model) CheckDataset(ds *datasets.Dataset, allowOther bool) error {
	meta := ds.Metadata()
	if meta.Kind != datasets.Geometric || meta.Geometric == nil {
		return fmt.Errorf("geotdm: the dataset is %v, not geometric", meta.Kind)
	}
	spec := *meta.Geometric
	if err := m.layout.Validate(spec); err != nil {
		return fmt.Errorf("geotdm: %w", err)
	}
	rec := m.tm.Config.Data.Geometry
	if rec == nil || allowOther {
		return nil
	}
	var diffs []string
	if rec.Generator != "" && meta.Generator.Name != "" && rec.Generator != meta.Generator.Name {
		diffs = append(diffs, fmt.Sprintf("generator %q, the training data's %q", meta.Generator.Name, rec.Generator))
	}
	if !slices.Equal(rec.Spec.NodeFeatureNames, spec.NodeFeatureNames) {
		diffs = append(diffs, fmt.Sprintf("node features %q, the training data's %q", spec.NodeFeatureNames, rec.Spec.NodeFeatureNames))
	}
	if rec.Spec.Edges != spec.Edges {
		diffs = append(diffs, fmt.Sprintf("edges column %v, the training data's %v", spec.Edges, rec.Spec.Edges))
	}
	if rec.Spec.Dt != spec.Dt {
		diffs = append(diffs, fmt.Sprintf("frame interval %v, the training data's %v", spec.Dt, rec.Spec.Dt))
	}
	if len(diffs) > 0 {
		return fmt.Errorf("geotdm: %w: %v (AllowOtherSystem accepts it)", ErrOtherSystem, diffs)
	}
	return nil
}

// Forecast draws opts.K samples of the target frames of every trajectory: out[i][k] holds
// len(TargetFrames)*Nodes*SpatialDim coordinates, [frame][node][dim] in the layout's frame order. Every
// trajectory is checked and packed before any sampling (non-finite coordinates, too few frames, other
// node counts are errors naming the trajectory). The result is deterministic in opts (see Options.Batch).
// When the sampler diverges for some trajectories, Forecast returns the samples of the others, nil for
// those, and a *FailedError listing them.
// Views carry no dataset metadata: check their dataset with CheckDataset first (Evaluate and the CLI do)
// to refuse data of another system.
func (m *Model) Forecast(ctx context.Context, trajs []datasets.GeometricView, opts Options) ([][][]float64, error) {
	out, _, err := m.forecast(ctx, trajs, opts)
	return out, err
}

// forecast is Forecast that also returns the network evaluations per sample.
func (m *Model) forecast(ctx context.Context, trajs []datasets.GeometricView, opts Options) ([][][]float64, int, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, 0, err
	}
	conds := make([][]float64, len(trajs))
	index := make([]int, len(trajs))
	x0 := make([]float64, m.layout.Dim())
	for i, v := range trajs {
		conds[i] = make([]float64, m.layout.CondDim())
		if err := m.layout.Pack(v, x0, conds[i]); err != nil {
			return nil, 0, fmt.Errorf("geotdm: %w", err)
		}
		index[i] = v.Index
	}
	return m.forecastPacked(ctx, index, conds, opts)
}

// forecastPacked samples for packed condition vectors; index[i] is trajectory i's dataset index, which
// fixes its noise.
func (m *Model) forecastPacked(ctx context.Context, index []int, conds [][]float64, opts Options) ([][][]float64, int, error) {
	D, C, K, B := m.layout.Dim(), m.layout.CondDim(), opts.K, opts.Batch
	for i, ix := range index {
		if ix < 0 {
			return nil, 0, fmt.Errorf("geotdm: trajectory %d has index %d", i, ix)
		}
	}
	// A call samples the trajectories of one block of Batch dataset indices, each at its index's fixed
	// place in the batch, so its noise (Philox streams are positional) does not depend on the others.
	type call struct {
		block int
		slots map[int]int // place in the block -> trajectory
		size  int         // places used: one past the largest
	}
	var calls []*call
	open := map[int]*call{}
	for i, ix := range index {
		b, pos := ix/B, ix%B
		c := open[b]
		if c == nil || hasKey(c.slots, pos) { // the same index twice: a call of its own
			c = &call{block: b, slots: map[int]int{}}
			open[b] = c
			calls = append(calls, c)
		}
		c.slots[pos] = i
		c.size = max(c.size, pos+1)
	}
	out := make([][][]float64, len(index))
	nfe, done := 0, 0
	if opts.Progress != nil {
		opts.Progress(0, len(index))
	}
	var fails []Failure
	for _, c := range calls {
		if err := ctx.Err(); err != nil {
			return nil, 0, err
		}
		var cond [][]float64
		if C > 0 {
			filler := conds[c.slots[slices.Min(mapKeys(c.slots))]] // unused places repeat a real condition
			cond = make([][]float64, c.size*K)
			for pos := 0; pos < c.size; pos++ {
				ci := filler
				if i, ok := c.slots[pos]; ok {
					ci = conds[i]
				}
				for k := 0; k < K; k++ {
					cond[pos*K+k] = ci
				}
			}
		}
		seed := stream.RNG(opts.Seed, "geotdm/forecast", uint64(c.block), "geotdm").Uint64()
		req := train.SampleRequest{N: c.size * K, Solver: opts.Solver, Steps: opts.Steps, Seed: seed, Cond: cond, IsolateFailures: true}
		sample := m.tm.Sample
		if opts.Sample != nil {
			sample = func(ctx context.Context, r train.SampleRequest) (*train.Samples, error) {
				return opts.Sample(ctx, m.tm, r)
			}
		}
		s, err := sample(ctx, req)
		if err != nil && (ctx.Err() != nil || errors.Is(err, train.ErrBadRequest)) {
			return nil, 0, fmt.Errorf("geotdm: %w", err)
		}
		if err != nil {
			// A diverged sample (non-finite network output) fails its call's trajectories; the others go on.
			for _, i := range c.slots {
				fails = append(fails, Failure{Index: index[i], Err: fmt.Errorf("geotdm: trajectory %d: %w", index[i], err)})
			}
			done += len(c.slots)
			if opts.Progress != nil {
				opts.Progress(done, len(index))
			}
			continue
		}
		diverged := map[int]bool{} // places with a diverged sample
		for _, r := range s.Failed {
			diverged[r/K] = true
		}
		for pos, i := range c.slots {
			if diverged[pos] {
				fails = append(fails, Failure{Index: index[i], Err: fmt.Errorf("geotdm: trajectory %d: a sample diverged (non-finite network output with %s)", index[i], s.Solver)})
				continue
			}
			out[i] = make([][]float64, K)
			for k := range out[i] {
				r := pos*K + k
				out[i][k] = slices.Clone(s.X[r*D : (r+1)*D])
			}
		}
		nfe = s.NFE
		done += len(c.slots)
		if opts.Progress != nil {
			opts.Progress(done, len(index))
		}
	}
	if len(fails) > 0 {
		slices.SortFunc(fails, func(a, b Failure) int { return a.Index - b.Index })
		return out, nfe, &FailedError{Failures: fails}
	}
	return out, nfe, nil
}

// Failure is a trajectory whose samples could not be drawn (the sampler met a non-finite network output).
type Failure struct {
	Index int // the trajectory's index in its dataset
	Err   error
}

// FailedError reports the trajectories whose sampling failed; Forecast returns it together with the
// samples of all the others (nil entries for the failed ones), so a batch experiment keeps its results.
type FailedError struct{ Failures []Failure }

func (e *FailedError) Error() string {
	return fmt.Sprintf("geotdm: sampling failed for %d trajectories, first: %v", len(e.Failures), e.Failures[0].Err)
}

func hasKey(m map[int]int, k int) bool {
	_, ok := m[k]
	return ok
}

func mapKeys(m map[int]int) []int {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}

// ConstantVelocity is the baseline that moves every node at the velocity of the condition frames: a
// target frame f after the condition frames is x(c) + (f - c)(x(c) - x(p))/(c - p) with c, p the last
// two condition frames before it (true frame indices, so gaps count); a target frame between condition
// frames (interpolation layouts) is the linear interpolation of the nearest condition frames on either
// side; a target before all condition frames extrapolates backwards from the first two. With a single
// condition frame the positions stay where they are. The result has the layout of Forecast's samples.
func ConstantVelocity(layout train.GeometricLayout, v datasets.GeometricView) ([]float64, error) {
	cf := slices.Clone(layout.Net.CondFrames)
	if len(cf) == 0 {
		return nil, fmt.Errorf("geotdm: constant velocity needs condition frames, the layout has none")
	}
	slices.Sort(cf)
	x0, cond := make([]float64, layout.Dim()), make([]float64, layout.CondDim())
	if err := layout.Pack(v, x0, cond); err != nil { // the checks (shape, finite coordinates)
		return nil, fmt.Errorf("geotdm: %w", err)
	}
	nd := layout.Net.Nodes * layout.Net.SpatialDim
	frame := func(f int) []float64 {
		i := slices.Index(layout.Net.CondFrames, f)
		return cond[i*nd : (i+1)*nd]
	}
	out := make([]float64, layout.Dim())
	for ti, f := range layout.Net.TargetFrames {
		i, _ := slices.BinarySearch(cf, f) // cf[i-1] < f < cf[i]
		var a, b int                       // the two frames the line runs through
		switch {
		case len(cf) == 1:
			a, b = cf[0], cf[0]
		case i == 0:
			a, b = cf[0], cf[1]
		case i == len(cf):
			a, b = cf[i-2], cf[i-1]
		default:
			a, b = cf[i-1], cf[i]
		}
		xa, xb := frame(a), frame(b)
		w := 0.0
		if a != b {
			w = float64(f-a) / float64(b-a)
		}
		for j := 0; j < nd; j++ {
			out[ti*nd+j] = xa[j] + w*(xb[j]-xa[j])
		}
	}
	return out, nil
}

package geotdm

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/geometry"
	"github.com/trajdiff/trajdiff/internal/stream"
)

// Names of the reference baselines of an unconditional evaluation (UncondReport).
const (
	ReferenceName         = "real (reference)"            // held-out real trajectories: the ideal
	TimeShuffledName      = "real, time-shuffled"         // their frames in random order: right marginals, no dynamics
	ConstantVelocityStart = "constant velocity from real" // their first two frames extrapolated: no interactions
)

// UncondOptions are the choices of EvaluateUnconditional.
type UncondOptions struct {
	Solver string // "" takes the checkpoint's sample.solver
	Steps  int    // 0 takes the checkpoint's sample.steps
	Seed   uint64 // keys the samples' noise
	Batch  int    // systems per network batch (Options.Batch)
	Limit  int    // > 0: only the first Limit systems of the test set (and of the reference)
	// Reference, if set, holds held-out real trajectories of the same system (e.g. the training split):
	// its first Systems trajectories give the baselines scored next to the model: the real trajectories
	// themselves (the ideal), their frames shuffled in time, and constant velocity from their first two
	// target frames.
	Reference *datasets.Dataset
	// Score is the budget of the classification and prediction models (ScoreOptions; default seed 1).
	Score ScoreOptions
	// PredictFrom is the number of leading frames the prediction score's forecaster sees (default half the
	// generated frames: GeoTDM's 10 of 20).
	PredictFrom      int
	AllowOtherSystem bool
	// Progress, if set, reports stages ("generate", then a method's scores) with work done and total.
	Progress func(stage string, done, total int)
	// Sample, if set, draws the samples instead of train.Model.Sample (Options.Sample: `trajdiff geometry
	// generate --device gpu` injects gpu/fromnn's Sampler); the scores' models train on the CPU.
	Sample SampleFunc
}

// UncondReport holds the unconditional scores of a checkpoint's samples and of the baselines, each
// against the real trajectories of the test systems (all centred to zero centre of mass).
type UncondReport struct {
	Checkpoint   string         `json:"checkpoint"`
	Data         []string       `json:"data"`
	Reference    []string       `json:"reference,omitempty"`
	Solver       string         `json:"solver,omitempty"`
	Steps        int            `json:"steps,omitempty"`
	Seed         uint64         `json:"seed"`
	TargetFrames []int          `json:"target_frames"`
	Systems      int            `json:"systems"` // real test systems the scores compare with
	PredictFrom  int            `json:"predict_from"`
	Score        ScoreOptions   `json:"score"`
	Methods      []UncondMethod `json:"methods"`
}

// UncondMethod is one generator's scores: the marginal score (geometry.MarginalScore, 50 bins; lower is
// better), the classification score (ClassificationScore; GeoTDM's is the BCE, higher is better, ln 2 is
// indistinguishable) and the prediction score (PredictionScore trained on the method's trajectories and
// scored on the real ones; lower is better).
type UncondMethod struct {
	Name           string         `json:"name"`
	NFE            int            `json:"nfe,omitempty"`
	Samples        int            `json:"samples"`
	Seconds        float64        `json:"seconds"` // wall time of drawing the samples
	Marginal       float64        `json:"marginal"`
	Classification Classification `json:"classification"`
	Prediction     float64        `json:"prediction"`
	// Failed lists the test systems whose sample diverged (not scored); FirstFailure says why.
	Failed       []int  `json:"failed,omitempty"`
	FirstFailure string `json:"first_failure,omitempty"`
}

// Generated are the samples an unconditional evaluation drew: Samples[i] holds the samples (centred) of
// the test system Views[i]; systems whose sampling failed are left out.
type Generated struct {
	Views   []datasets.GeometricView
	Samples [][][]float64
}

// EvaluateUnconditional draws one sample for each test system of ds (a checkpoint without condition
// frames generates from the system's node features and edge attributes alone), centres it and the real
// target frames to zero centre of mass over all nodes and frames (GeoTDM's projection), and scores the
// samples and the baselines of o.Reference against the real trajectories. Every dataset is checked and
// read before any sampling.
func EvaluateUnconditional(ctx context.Context, m *Model, ds *datasets.Dataset, o UncondOptions) (*UncondReport, *Generated, error) {
	layout := m.Layout()
	if len(layout.Net.CondFrames) > 0 {
		return nil, nil, fmt.Errorf("geotdm: checkpoint %s forecasts from condition frames %v; unconditional evaluation needs a checkpoint without them (use Evaluate)",
			m.Path(), layout.Net.CondFrames)
	}
	if o.Limit < 0 {
		return nil, nil, fmt.Errorf("geotdm: limit %d", o.Limit)
	}
	s := geometry.Shape{Frames: len(layout.Net.TargetFrames), Nodes: layout.Net.Nodes, Dim: layout.Net.SpatialDim}
	if o.PredictFrom == 0 {
		o.PredictFrom = s.Frames / 2
	}
	if o.PredictFrom < 2 || o.PredictFrom >= s.Frames || s.Dim != 3 {
		return nil, nil, fmt.Errorf("geotdm: the prediction score forecasts frames %d.. of %d 3-D frames from the ones before; the layout has %d frames in %d dimensions",
			o.PredictFrom, s.Frames, s.Frames, s.Dim)
	}
	if o.Score.Seed == 0 {
		o.Score.Seed = 1
	}
	if _, err := o.Score.withDefaults(); err != nil {
		return nil, nil, err
	}
	fo, err := Options{K: 1, Solver: o.Solver, Steps: o.Steps, Seed: o.Seed, Batch: o.Batch, Sample: o.Sample}.withDefaults()
	if err != nil {
		return nil, nil, err
	}
	read := func(d *datasets.Dataset, what string) ([]datasets.GeometricView, Trajectories, [][]float64, error) {
		if err := m.CheckDataset(d, o.AllowOtherSystem); err != nil {
			return nil, Trajectories{}, nil, fmt.Errorf("%w (%s)", err, what)
		}
		n := d.Len()
		if o.Limit > 0 {
			n = min(n, o.Limit)
		}
		views := make([]datasets.GeometricView, n)
		set := Trajectories{Shape: s, X: make([][]float64, n), NodeFeatures: make([][]float64, n)}
		conds := make([][]float64, n)
		for i := range views {
			v, err := d.Trajectory(i)
			if err != nil {
				return nil, Trajectories{}, nil, fmt.Errorf("geotdm: %s: %w", what, err)
			}
			x0, cond := make([]float64, layout.Dim()), make([]float64, layout.CondDim())
			if err := layout.Pack(v, x0, cond); err != nil {
				return nil, Trajectories{}, nil, fmt.Errorf("geotdm: %s: %w", what, err)
			}
			centre(x0, s.Dim)
			views[i], set.X[i], set.NodeFeatures[i], conds[i] = v, x0, v.NodeFeatures.AppendFloat64(nil), cond
		}
		return views, set, conds, nil
	}
	views, real, conds, err := read(ds, "test set")
	if err != nil {
		return nil, nil, err
	}
	if len(views) == 0 {
		return nil, nil, fmt.Errorf("geotdm: the test set is empty")
	}
	var ref Trajectories
	if o.Reference != nil {
		if _, ref, _, err = read(o.Reference, "reference set"); err != nil {
			return nil, nil, err
		}
		if len(ref.X) > len(real.X) {
			ref.X, ref.NodeFeatures = ref.X[:len(real.X)], ref.NodeFeatures[:len(real.X)]
		}
	}
	rep := &UncondReport{Checkpoint: m.Path(), Data: ds.Files(), Solver: o.Solver, Steps: o.Steps, Seed: o.Seed,
		TargetFrames: slices.Clone(layout.Net.TargetFrames), Systems: len(views), PredictFrom: o.PredictFrom, Score: o.Score}
	if o.Reference != nil {
		rep.Reference = o.Reference.Files()
	}

	index := make([]int, len(views))
	for i, v := range views {
		index[i] = v.Index
	}
	if o.Progress != nil {
		fo.Progress = func(done, total int) { o.Progress("generate", done, total) }
	}
	began := time.Now()
	samples, nfe, err := m.forecastPacked(ctx, index, conds, fo)
	var failed *FailedError
	if err != nil && !errors.As(err, &failed) {
		return nil, nil, fmt.Errorf("%w (checkpoint %s)", err, m.Path())
	}
	model := UncondMethod{Name: "model", NFE: nfe, Seconds: time.Since(began).Seconds()}
	if failed != nil {
		for _, f := range failed.Failures {
			model.Failed = append(model.Failed, f.Index)
		}
		model.FirstFailure = failed.Failures[0].Err.Error()
	}
	gen := &Generated{}
	fake := Trajectories{Shape: s}
	for i, smp := range samples {
		if smp == nil {
			continue
		}
		for _, x := range smp {
			// The chain leaves the centre of mass of its start (the network ignores and never changes it,
			// so it is scaled by 1/alpha_T); the centred sample is what GeoTDM's projected chain draws.
			centre(x, s.Dim)
		}
		gen.Views, gen.Samples = append(gen.Views, views[i]), append(gen.Samples, smp)
		fake.X, fake.NodeFeatures = append(fake.X, smp[0]), append(fake.NodeFeatures, real.NodeFeatures[i])
	}
	if len(fake.X) == 0 {
		return nil, nil, fmt.Errorf("geotdm: every sample diverged: %w", err)
	}
	type method struct {
		m   UncondMethod
		set Trajectories
	}
	methods := []method{{model, fake}}
	if o.Reference != nil {
		shuffled, cv := Trajectories{Shape: s, NodeFeatures: ref.NodeFeatures}, Trajectories{Shape: s, NodeFeatures: ref.NodeFeatures}
		frames := layout.Net.TargetFrames
		nd := s.Nodes * s.Dim
		for i, x := range ref.X {
			perm := stream.RNG(o.Score.Seed, "geotdm/time-shuffle", uint64(i), "geotdm").Perm(s.Frames)
			sh := make([]float64, len(x))
			for f, g := range perm {
				copy(sh[f*nd:(f+1)*nd], x[g*nd:(g+1)*nd])
			}
			lin := make([]float64, len(x))
			for f := range frames {
				w := float64(frames[f]-frames[0]) / float64(frames[1]-frames[0])
				for j := 0; j < nd; j++ {
					lin[f*nd+j] = x[j] + w*(x[nd+j]-x[j])
				}
			}
			centre(lin, s.Dim)
			shuffled.X, cv.X = append(shuffled.X, sh), append(cv.X, lin)
		}
		methods = append(methods, method{UncondMethod{Name: ReferenceName}, ref}, method{UncondMethod{Name: TimeShuffledName}, shuffled},
			method{UncondMethod{Name: ConstantVelocityStart}, cv})
	}
	flat := func(xs [][]float64) []float64 { return slices.Concat(xs...) }
	for j, mt := range methods {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		r := mt.m
		r.Samples = len(mt.set.X)
		if o.Progress != nil {
			o.Progress(r.Name, j, len(methods))
		}
		if r.Marginal, err = geometry.MarginalScore(s, flat(real.X), flat(mt.set.X), 50); err != nil {
			return nil, nil, fmt.Errorf("geotdm: %s: %w", r.Name, err)
		}
		if r.Classification, err = ClassificationScore(real, mt.set, o.Score); err != nil {
			return nil, nil, fmt.Errorf("geotdm: %s: %w", r.Name, err)
		}
		if r.Prediction, err = PredictionScore(mt.set, real, o.PredictFrom, o.Score); err != nil {
			return nil, nil, fmt.Errorf("geotdm: %s: %w", r.Name, err)
		}
		rep.Methods = append(rep.Methods, r)
	}
	return rep, gen, nil
}

// centre subtracts the mean over all points (frames and nodes) of x, points of d coordinates.
func centre(x []float64, d int) {
	n := len(x) / d
	for k := 0; k < d; k++ {
		c := 0.0
		for i := 0; i < n; i++ {
			c += x[i*d+k]
		}
		c /= float64(n)
		for i := 0; i < n; i++ {
			x[i*d+k] -= c
		}
	}
}

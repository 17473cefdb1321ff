package geotdm_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/datasets/datasetstest"
	"github.com/trajdiff/trajdiff/geometry"
	"github.com/trajdiff/trajdiff/geometry/geotdm"
	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/train"
)

// writeSplit simulates count trajectories of sys (frames frames) as a float64 geometric dataset.
func writeSplit(t testing.TB, path string, sys geometry.System, split string, count, frames int) {
	t.Helper()
	cfg := geometry.WriteConfig{Seed: 43, Split: geometry.Split{Name: split, Count: count}, Workers: 1,
		Run: geometry.Run{Steps: 1000, SampleFreq: 100, MaxFrames: frames}}
	if _, _, err := geometry.WriteSplit(context.Background(), path, sys, cfg, datasets.WriteOptions{DType: datasets.Float64}); err != nil {
		t.Fatal(err)
	}
}

// tinyLayout forecasts frames 3..5 of 5 charged particles from frames 0..2.
var tinyLayout = nn.EGTNConfig{Nodes: 5, SpatialDim: 3, CondFrames: []int{0, 1, 2}, TargetFrames: []int{3, 4, 5}, NodeFeatures: 1, EdgeFeatures: 1}

// trainTiny trains an mlp on tinyLayout (16 charged trajectories, 30 steps) in dir/run and returns the
// run directory and the path of a 6-trajectory test split.
func trainTiny(t testing.TB, dir string) (run, test string) {
	t.Helper()
	data, test := filepath.Join(dir, "train.arrow"), filepath.Join(dir, "test.arrow")
	writeSplit(t, data, geometry.NewCharged(5), "train", 16, 6)
	writeSplit(t, test, geometry.NewCharged(5), "test", 6, 6)
	layout := tinyLayout
	cfg := train.Config{
		Out:       filepath.Join(dir, "run"),
		Data:      train.DataConfig{Path: data, Kind: train.DataGeometric, EdgeAttr: train.EdgeAttrProduct, Layout: &layout},
		Network:   nn.Spec{Arch: "mlp", MLP: &nn.MLPConfig{Dim: layout.Dim(), CondDim: layout.CondDim(), Hidden: []int{32}, TimeDim: 8}},
		Objective: train.ObjectiveConfig{Process: "vp-discrete", Steps: 100, Time: "discrete"},
		Train:     train.DefaultOptions(),
		Sample:    train.SampleConfig{Solver: "ddim", Steps: 3},
	}
	o := &cfg.Train
	o.Steps, o.Batch, o.LR, o.Warmup, o.Seed, o.CheckpointEvery = 30, 8, 1e-3, 0, 1, 0
	tr, ds, err := cfg.Trainer()
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	if _, err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	return cfg.Out, test
}

func openViews(t testing.TB, path string) (*datasets.Dataset, []datasets.GeometricView) {
	t.Helper()
	ds, err := datasets.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ds.Close() })
	var views []datasets.GeometricView
	for i := 0; i < ds.Len(); i++ {
		v, err := ds.Trajectory(i)
		if err != nil {
			t.Fatal(err)
		}
		views = append(views, v)
	}
	return ds, views
}

// The baseline extrapolates by true frame indices after the condition frames, interpolates between
// them, and extrapolates backwards before them. Node 0 moves as x(f) = f^2, node 1 stays at 7.
func TestConstantVelocityUsesTrueFrameIndices(t *testing.T) {
	path := filepath.Join(t.TempDir(), "line.arrow")
	w, err := datasets.CreateGeometric(path, datasets.GeometricSpec{Frames: 6, Nodes: 2, SpatialDim: 1}, datasets.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var pos []float64
	for f := 0; f < 6; f++ {
		pos = append(pos, float64(f*f), 7)
	}
	if err := w.Write(datasets.GeometricTrajectory{Positions: pos}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	_, views := openViews(t, path)
	for _, tc := range []struct {
		cond, target []int
		want         []float64
	}{
		{[]int{0, 2}, []int{3, 5}, []float64{6, 7, 10, 7}},       // 4 + (f-2)(4-0)/2
		{[]int{0, 1, 4, 5}, []int{2, 3}, []float64{6, 7, 11, 7}}, // 1 + (f-1)(16-1)/3
		{[]int{4, 5}, []int{0}, []float64{-20, 7}},               // 16 + (0-4)(25-16)
		{[]int{2}, []int{4}, []float64{4, 7}},                    // one frame: stays
	} {
		l, err := train.NewGeometricLayout(nn.EGTNConfig{Nodes: 2, SpatialDim: 1, CondFrames: tc.cond, TargetFrames: tc.target}, "")
		if err != nil {
			t.Fatal(err)
		}
		got, err := geotdm.ConstantVelocity(l, views[0])
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%v -> %v: %v, want %v", tc.cond, tc.target, got, tc.want)
		}
	}
}

// A trajectory's K samples depend on the seed and its index only: forecast alone, with others, or in
// another order, they are the same bits; another seed changes them, and the K samples differ.
func TestForecastDependsOnSeedAndIndexOnly(t *testing.T) {
	run, test := trainTiny(t, t.TempDir())
	m, err := geotdm.Load(run)
	if err != nil {
		t.Fatal(err)
	}
	_, views := openViews(t, test)
	ctx := context.Background()
	var progress []int // done at each report: 0 first (a caller's clock starts with the work), 6 last
	opts := geotdm.Options{K: 3, Seed: 9, Batch: 4, Progress: func(done, _ int) { progress = append(progress, done) }}
	all, err := m.Forecast(ctx, views, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(progress) < 2 || progress[0] != 0 || progress[len(progress)-1] != 6 || !slices.IsSorted(progress) {
		t.Errorf("progress reports %v, want 0 first, then rising to 6", progress)
	}
	if len(all) != 6 || len(all[0]) != 3 || len(all[0][0]) != m.Layout().Dim() {
		t.Fatalf("%d x %d x %d samples, want 6 x 3 x %d", len(all), len(all[0]), len(all[0][0]), m.Layout().Dim())
	}
	some, err := m.Forecast(ctx, []datasets.GeometricView{views[5], views[2]}, opts)
	if err != nil {
		t.Fatal(err)
	}
	for k := 0; k < 3; k++ {
		if !slices.Equal(some[0][k], all[5][k]) || !slices.Equal(some[1][k], all[2][k]) {
			t.Fatalf("sample %d changed with the other trajectories of the call", k)
		}
	}
	if slices.Equal(all[0][0], all[0][1]) {
		t.Error("two samples of a trajectory are equal")
	}
	opts.Seed = 10
	other, err := m.Forecast(ctx, views[:1], opts)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(other[0][0], all[0][0]) {
		t.Error("another seed gave the same sample")
	}
}

// Two shards' reports merge into the report of the whole dataset: the same systems, sums and means
// (up to the order of additions), for the model, a baseline and constant velocity; JSON round-trips.
func TestShardReportsMergeToTheWhole(t *testing.T) {
	run, test := trainTiny(t, t.TempDir())
	m, err := geotdm.Load(run)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := geotdm.Load(run, train.LoadOptions{Weights: train.RawWeights})
	if err != nil {
		t.Fatal(err)
	}
	ds, _ := openViews(t, test)
	ctx := context.Background()
	opts := geotdm.EvalOptions{K: 2, Seed: 3, Batch: 2, Baselines: []*geotdm.Model{raw}}
	whole, err := geotdm.Evaluate(ctx, m, ds, opts)
	if err != nil {
		t.Fatal(err)
	}
	var parts []*geotdm.Report
	for i := 0; i < 2; i++ {
		o := opts
		o.Shard, o.Shards = i, 2
		r, err := geotdm.Evaluate(ctx, m, ds, o)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(r)
		var back geotdm.Report
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		parts = append(parts, &back)
	}
	merged, err := geotdm.Merge(parts...)
	if err != nil {
		t.Fatal(err)
	}
	if merged.Systems != 6 || whole.Systems != 6 || len(merged.Methods) != 3 {
		t.Fatalf("systems %d and %d, %d methods; want 6 and 3", merged.Systems, whole.Systems, len(merged.Methods))
	}
	names := []string{"model", run, geotdm.ConstantVelocityName}
	for j, w := range whole.Methods {
		g := merged.Methods[j]
		if g.Name != names[j] || w.Name != names[j] || g.Systems != 6 || g.Samples != 6*g.K {
			t.Errorf("method %d: %q (%d systems), want %q", j, g.Name, g.Systems, names[j])
		}
		for _, p := range [][2]float64{{g.MeanADE, w.MeanADE}, {g.MeanFDE, w.MeanFDE}, {g.MinADE, w.MinADE}, {g.MinFDE, w.MinFDE}} {
			if math.Abs(p[0]-p[1]) > 1e-12*math.Abs(p[1]) || p[1] <= 0 {
				t.Errorf("%s: merged %v, whole %v", g.Name, p[0], p[1])
			}
		}
		if g.MinADE > g.MeanADE || g.MinFDE > g.MeanFDE {
			t.Errorf("%s: min over K above the mean", g.Name)
		}
	}
	t.Logf("ADE mean: model %.3f, raw weights %.3f, constant velocity %.3f", whole.Methods[0].MeanADE, whole.Methods[1].MeanADE, whole.Methods[2].MeanADE)
	if _, err := geotdm.Merge(parts[0], parts[0]); err == nil {
		t.Error("a shard merged twice")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := geotdm.Evaluate(cancelled, m, ds, opts); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled evaluation: %v, want context.Canceled", err)
	}
}

// Datasets the checkpoint cannot forecast are refused before any sampling: another system (unless
// allowed), another node count, too few frames, a NaN coordinate (naming the trajectory).
func TestBadDatasetsAreRefused(t *testing.T) {
	dir := t.TempDir()
	run, _ := trainTiny(t, dir)
	m, err := geotdm.Load(run)
	if err != nil {
		t.Fatal(err)
	}
	springs, nodes, short := filepath.Join(dir, "springs.arrow"), filepath.Join(dir, "nodes.arrow"), filepath.Join(dir, "short.arrow")
	writeSplit(t, springs, geometry.NewSprings(5), "test", 2, 6)
	writeSplit(t, nodes, geometry.NewCharged(4), "test", 2, 6)
	writeSplit(t, short, geometry.NewCharged(5), "test", 2, 5)
	ctx := context.Background()
	for name, tc := range map[string]struct {
		path, want string
		allow      bool
	}{
		"springs":        {springs, "another system", false},
		"4 nodes":        {nodes, "4 nodes", true},
		"too few frames": {short, "5 frames", false},
	} {
		ds, _ := openViews(t, tc.path)
		_, err := geotdm.Evaluate(ctx, m, ds, geotdm.EvalOptions{K: 1, AllowOtherSystem: tc.allow})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one mentioning %q", name, err, tc.want)
		}
	}
	ds, _ := openViews(t, springs)
	if err := m.CheckDataset(ds, false); !errors.Is(err, geotdm.ErrOtherSystem) {
		t.Errorf("springs: %v, want ErrOtherSystem", err)
	}
	if err := m.CheckDataset(ds, true); err != nil {
		t.Errorf("springs allowed: %v", err)
	}

	nan := filepath.Join(dir, "nan.arrow")
	writeSplit(t, nan, geometry.NewCharged(5), "test", 3, 6)
	_, views := openViews(t, nan)
	old := views[2].Positions.At(17)
	datasetstest.PatchFloat64(t, nan, old, math.NaN())
	_, views = openViews(t, nan)
	if _, err := m.Forecast(ctx, views, geotdm.Options{K: 1}); err == nil || !strings.Contains(err.Error(), "trajectory 2") {
		t.Errorf("NaN coordinate: %v, want an error naming trajectory 2", err)
	}
}

// A samples file holds one trajectory per (trajectory, sample): the condition frames, then the sample,
// with the source's charges and its id and the sample index as params.
func TestWriteSamplesStoresConditionThenSample(t *testing.T) {
	dir := t.TempDir()
	run, test := trainTiny(t, dir)
	m, err := geotdm.Load(run)
	if err != nil {
		t.Fatal(err)
	}
	_, views := openViews(t, test)
	views = views[1:3]
	samples, err := m.Forecast(context.Background(), views, geotdm.Options{K: 2, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "samples.arrow")
	if err := geotdm.WriteSamples(out, m.Layout(), views, samples, geotdm.SamplesInfo{NodeFeatureNames: []string{"charge"}, Dt: 0.1}); err != nil {
		t.Fatal(err)
	}
	ds, got := openViews(t, out)
	spec := ds.Metadata().Geometric
	if len(got) != 4 || spec.Frames != 6 || spec.Nodes != 5 || spec.NodeFeatureNames[0] != "charge" || spec.Dt != 0.1 {
		t.Fatalf("%d rows, spec %+v", len(got), spec)
	}
	for r, v := range got {
		i, k := r/2, r%2
		src := views[i]
		pos := v.Positions.AppendFloat64(nil)
		if !slices.Equal(pos[:45], src.Positions.AppendFloat64(nil)[:45]) {
			t.Errorf("row %d: condition frames differ from the source's", r)
		}
		for j, x := range pos[45:] {
			if x != samples[i][k][j] { // float64, as the source
				t.Fatalf("row %d value %d: %v, sample %v", r, j, x, samples[i][k][j])
			}
		}
		if !slices.Equal(v.NodeFeatures.AppendFloat64(nil), src.NodeFeatures.AppendFloat64(nil)) {
			t.Errorf("row %d: node features differ", r)
		}
		if p := v.Params.AppendFloat64(nil); p[0] != float64(src.ID) || p[1] != float64(k) {
			t.Errorf("row %d: params %v, want [%d %d]", r, p, src.ID, k)
		}
	}
}

// A system whose sampling diverges is recorded as failed and every other system is still scored: a
// coordinate of 1e200 overflows the float32 network for trajectory 4, which shares its batch (Batch 2)
// with trajectory 5; 5 gets exactly the samples it gets without 4's fault.
func TestDivergedSamplingIsRecordedAndTheOthersGoOn(t *testing.T) {
	dir := t.TempDir()
	run, test := trainTiny(t, dir)
	m, err := geotdm.Load(run)
	if err != nil {
		t.Fatal(err)
	}
	_, clean := openViews(t, test)
	want, err := m.Forecast(context.Background(), clean, geotdm.Options{K: 2, Batch: 2})
	if err != nil {
		t.Fatal(err)
	}
	datasetstest.PatchFloat64(t, test, clean[4].Positions.At(5), 1e200)
	ds, views := openViews(t, test)
	samples, err := m.Forecast(context.Background(), views, geotdm.Options{K: 2, Batch: 2})
	var failed *geotdm.FailedError
	if !errors.As(err, &failed) || len(failed.Failures) != 1 || failed.Failures[0].Index != 4 {
		t.Fatalf("Forecast error %v, want a FailedError for trajectory 4", err)
	}
	for i, s := range samples {
		if (s == nil) != (i == 4) {
			t.Errorf("trajectory %d: samples %v", i, s != nil)
		}
	}
	if !slices.Equal(samples[5][1], want[5][1]) {
		t.Error("trajectory 5's samples changed with its batchmate's fault")
	}
	rep, err := geotdm.Evaluate(context.Background(), m, ds, geotdm.EvalOptions{K: 1, Batch: 2})
	if err != nil {
		t.Fatal(err)
	}
	model := rep.Methods[0]
	if !slices.Equal(model.Failed, []int{4}) || model.Systems != 5 || model.FirstFailure == "" || math.IsNaN(model.MeanADE) {
		t.Errorf("model: failed %v, %d systems scored, first failure %q, ADE %v", model.Failed, model.Systems, model.FirstFailure, model.MeanADE)
	}
}

// A transformed evaluation moves condition and truth rigidly: constant velocity, which commutes with
// rigid motions, scores exactly as on the original systems.
func TestTransformedEvaluationKeepsEquivariantScores(t *testing.T) {
	run, test := trainTiny(t, t.TempDir())
	m, err := geotdm.Load(run)
	if err != nil {
		t.Fatal(err)
	}
	ds, _ := openViews(t, test)
	plain, err := geotdm.Evaluate(context.Background(), m, ds, geotdm.EvalOptions{K: 1})
	if err != nil {
		t.Fatal(err)
	}
	moved, err := geotdm.Evaluate(context.Background(), m, ds, geotdm.EvalOptions{K: 1, Transform: 7})
	if err != nil {
		t.Fatal(err)
	}
	a, b := plain.Methods[1], moved.Methods[1]
	if a.Name != geotdm.ConstantVelocityName || math.Abs(a.MeanADE-b.MeanADE) > 1e-9 || math.Abs(a.MeanFDE-b.MeanFDE) > 1e-9 {
		t.Errorf("constant velocity: ADE/FDE %v/%v, transformed %v/%v", a.MeanADE, a.MeanFDE, b.MeanADE, b.MeanFDE)
	}
	if moved.Transform != 7 || plain.Methods[0].MeanADE == moved.Methods[0].MeanADE {
		t.Errorf("transform %d recorded; model ADE %v on both (the mlp is not equivariant, the inputs moved)", moved.Transform, plain.Methods[0].MeanADE)
	}
}

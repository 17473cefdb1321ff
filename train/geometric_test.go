package train

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/datasets/datasetstest"
	"github.com/trajdiff/trajdiff/nn"
)

// writeGeometric writes rows as a float64, uncompressed geometric dataset (so that tests can find and
// patch a value's bytes) and opens it.
func writeGeometric(t testing.TB, path string, spec datasets.GeometricSpec, rows []datasets.GeometricTrajectory) *datasets.Dataset {
	t.Helper()
	w, err := datasets.CreateGeometric(path, spec, datasets.WriteOptions{DType: datasets.Float64, Compression: datasets.CompressionNone})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	ds, err := datasets.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ds.Close() })
	return ds
}

// gridPositions are positions x[f][n][d] = 100 f + 10 n + d (+ offset), recognisable in packed vectors.
func gridPositions(frames, nodes, dim int, offset float64) []float64 {
	var x []float64
	for f := 0; f < frames; f++ {
		for n := 0; n < nodes; n++ {
			for d := 0; d < dim; d++ {
				x = append(x, 100*float64(f)+10*float64(n)+float64(d)+offset)
			}
		}
	}
	return x
}

func framesOf(x []float64, frames []int, nodes, dim int) []float64 {
	var out []float64
	for _, f := range frames {
		out = append(out, x[f*nodes*dim:(f+1)*nodes*dim]...)
	}
	return out
}

// Charged: the target and condition frames are copied in the layout's order (true frame indices, here
// out of order), the charges follow the condition frames, and edge e = i*(N-1)+k from j to i carries
// q_i q_j.
func TestPackCopiesFramesAndMultipliesCharges(t *testing.T) {
	spec := datasets.GeometricSpec{Frames: 4, Nodes: 3, SpatialDim: 2, NodeFeatureDim: 1, NodeFeatureNames: []string{"charge"}}
	pos := gridPositions(4, 3, 2, 0)
	ds := writeGeometric(t, filepath.Join(t.TempDir(), "c.arrow"), spec, []datasets.GeometricTrajectory{{Positions: pos, NodeFeatures: []float64{1, -1, 2}}})
	l, err := NewGeometricLayout(nn.EGTNConfig{Nodes: 3, SpatialDim: 2, CondFrames: []int{0, 2}, TargetFrames: []int{3, 1}, NodeFeatures: 1, EdgeFeatures: 1}, EdgeAttrProduct)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Validate(spec); err != nil {
		t.Fatal(err)
	}
	v, _ := ds.Trajectory(0)
	x0, cond := make([]float64, l.Dim()), make([]float64, l.CondDim())
	if err := l.Pack(v, x0, cond); err != nil {
		t.Fatal(err)
	}
	if want := framesOf(pos, []int{3, 1}, 3, 2); !slices.Equal(x0, want) {
		t.Errorf("x0 %v, want %v", x0, want)
	}
	// Edges (i <- j): (0,1) (0,2) (1,0) (1,2) (2,0) (2,1).
	want := append(framesOf(pos, []int{0, 2}, 3, 2), 1, -1, 2, -1, 2, -1, -2, 2, -2)
	if !slices.Equal(cond, want) {
		t.Errorf("cond %v, want %v", cond, want)
	}
}

// Springs: without node features the width-1 features are ones, and an edge carries 1 when the
// trajectory's edge list joins its nodes in either direction.
func TestPackMarksSpringAdjacency(t *testing.T) {
	spec := datasets.GeometricSpec{Frames: 2, Nodes: 3, SpatialDim: 1, Edges: true}
	pos := gridPositions(2, 3, 1, 0)
	ds := writeGeometric(t, filepath.Join(t.TempDir(), "s.arrow"), spec, []datasets.GeometricTrajectory{{Positions: pos, Edges: []int32{0, 1, 2, 1}}})
	l, err := NewGeometricLayout(nn.EGTNConfig{Nodes: 3, SpatialDim: 1, CondFrames: []int{0}, TargetFrames: []int{1}, NodeFeatures: 1, EdgeFeatures: 1}, EdgeAttrAdjacency)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Validate(spec); err != nil {
		t.Fatal(err)
	}
	v, _ := ds.Trajectory(0)
	x0, cond := make([]float64, l.Dim()), make([]float64, l.CondDim())
	if err := l.Pack(v, x0, cond); err != nil {
		t.Fatal(err)
	}
	// Edges (i <- j): (0,1)=1 (0,2)=0 (1,0)=1 (1,2)=1 (2,0)=0 (2,1)=1.
	want := []float64{0, 10, 20, 1, 1, 1, 1, 0, 1, 1, 0, 1}
	if !slices.Equal(cond, want) || !slices.Equal(x0, []float64{100, 110, 120}) {
		t.Errorf("x0 %v cond %v, want [100 110 120] %v", x0, cond, want)
	}
}

// A dataset the layout cannot read is refused with an error that says why.
func TestGeometricLayoutRejectsOtherDatasets(t *testing.T) {
	l, err := NewGeometricLayout(nn.EGTNConfig{Nodes: 5, SpatialDim: 3, CondFrames: []int{0, 1}, TargetFrames: []int{2, 3}, NodeFeatures: 1, EdgeFeatures: 1}, EdgeAttrProduct)
	if err != nil {
		t.Fatal(err)
	}
	good := datasets.GeometricSpec{Frames: 4, Nodes: 5, SpatialDim: 3, NodeFeatureDim: 1}
	if err := l.Validate(good); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		edit func(*datasets.GeometricSpec)
		want string
	}{
		"no positions":     {func(s *datasets.GeometricSpec) { *s = datasets.GeometricSpec{} }, "no positions"},
		"other node count": {func(s *datasets.GeometricSpec) { s.Nodes = 10 }, "10 nodes"},
		"other dimension":  {func(s *datasets.GeometricSpec) { s.SpatialDim = 2 }, "2-dimensional"},
		"too few frames":   {func(s *datasets.GeometricSpec) { s.Frames = 3 }, "frame index 3"},
		"feature width":    {func(s *datasets.GeometricSpec) { s.NodeFeatureDim = 2 }, "2 node features"},
	} {
		s := good
		tc.edit(&s)
		if err := l.Validate(s); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one mentioning %q", name, err, tc.want)
		}
	}
	adj, _ := NewGeometricLayout(nn.EGTNConfig{Nodes: 5, SpatialDim: 3, TargetFrames: []int{0}, NodeFeatures: 1, EdgeFeatures: 1}, EdgeAttrAdjacency)
	if err := adj.Validate(datasets.GeometricSpec{Frames: 1, Nodes: 5, SpatialDim: 3}); err == nil || !strings.Contains(err.Error(), "edges") {
		t.Errorf("adjacency without edges: %v", err)
	}
	for _, bad := range []struct {
		cfg  nn.EGTNConfig
		edge string
	}{
		{nn.EGTNConfig{Nodes: 5, SpatialDim: 3, TargetFrames: []int{0}, EdgeFeatures: 1}, EdgeAttrProduct},            // product without features
		{nn.EGTNConfig{Nodes: 5, SpatialDim: 3, TargetFrames: []int{0}, NodeFeatures: 1}, EdgeAttrProduct},            // no edge width
		{nn.EGTNConfig{Nodes: 5, SpatialDim: 3, TargetFrames: []int{0}, EdgeFeatures: 1}, EdgeAttrNone},               // a width none cannot fill
		{nn.EGTNConfig{Nodes: 5, SpatialDim: 3, TargetFrames: []int{0}, CondFrames: []int{0}}, EdgeAttrNone},          // a repeated frame
		{nn.EGTNConfig{Nodes: 5, SpatialDim: 3, TargetFrames: []int{0}}, "spring"},                                    // unknown kind
		{nn.EGTNConfig{Nodes: 5, SpatialDim: 3}, EdgeAttrNone},                                                        // no targets
		{nn.EGTNConfig{Nodes: 5, SpatialDim: 3, TargetFrames: []int{-1}, NodeFeatures: 1}, EdgeAttrNone},              // negative frame
		{nn.EGTNConfig{Nodes: 5, SpatialDim: 3, TargetFrames: []int{1}, NodeFeatures: 2, EdgeFeatures: 1}, "product"}, // product of wide features
	} {
		if _, err := NewGeometricLayout(bad.cfg, bad.edge); err == nil {
			t.Errorf("layout %+v with edge attr %q accepted", bad.cfg, bad.edge)
		}
	}
}

// A NaN coordinate stops the source before training, naming the trajectory.
func TestGeometricSourceRejectsNaNCoordinates(t *testing.T) {
	spec := datasets.GeometricSpec{Frames: 2, Nodes: 2, SpatialDim: 1}
	path := filepath.Join(t.TempDir(), "nan.arrow")
	rows := []datasets.GeometricTrajectory{{Positions: []float64{1, 2, 3, 4}}, {Positions: []float64{5, 6, 7.123456789, 8}}}
	writeGeometric(t, path, spec, rows).Close()
	datasetstest.PatchFloat64(t, path, 7.123456789, math.NaN())
	ds, err := datasets.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	l, _ := NewGeometricLayout(nn.EGTNConfig{Nodes: 2, SpatialDim: 1, CondFrames: []int{0}, TargetFrames: []int{1}}, EdgeAttrNone)
	_, err = NewGeometricSource(ds, l, 2, 1)
	if err == nil || !strings.Contains(err.Error(), "trajectory 1") || !strings.Contains(err.Error(), "NaN") {
		t.Fatalf("error %v, want one naming trajectory 1 and NaN", err)
	}
}

// tinyLayout is the layout of geometricRun: 3 charged nodes in 3-D, frames 0..2 -> 3..5.
var tinyLayout = nn.EGTNConfig{Nodes: 3, SpatialDim: 3, CondFrames: []int{0, 1, 2}, TargetFrames: []int{3, 4, 5}, NodeFeatures: 1, EdgeFeatures: 1}

// writeTinyCharged writes n trajectories of 3 charged nodes moving at constant velocity for 6 frames.
func writeTinyCharged(t testing.TB, path string, n int) {
	t.Helper()
	spec := datasets.GeometricSpec{Frames: 6, Nodes: 3, SpatialDim: 3, NodeFeatureDim: 1, NodeFeatureNames: []string{"charge"}}
	var rows []datasets.GeometricTrajectory
	for i := 0; i < n; i++ {
		var pos []float64
		for f := 0; f < 6; f++ {
			for k := 0; k < 3; k++ {
				for d := 0; d < 3; d++ {
					pos = append(pos, 0.1*float64(i+k-d)+0.05*float64(f*(k+1))*float64(1-d))
				}
			}
		}
		rows = append(rows, datasets.GeometricTrajectory{Positions: pos, NodeFeatures: []float64{1, -1, float64(1 - 2*(i%2))}})
	}
	writeGeometric(t, path, spec, rows).Close()
}

// geometricRun is a data.kind geometric configuration: an mlp with the tiny layout's sizes on 10
// trajectories, batches of 4.
func geometricRun(t testing.TB, dir string) Config {
	t.Helper()
	data := filepath.Join(dir, "charged.arrow")
	writeTinyCharged(t, data, 10)
	layout := tinyLayout
	cfg := Config{
		Out:       filepath.Join(dir, "run"),
		Data:      DataConfig{Path: data, Kind: DataGeometric, EdgeAttr: EdgeAttrProduct, Layout: &layout},
		Network:   nn.Spec{Arch: "mlp", MLP: &nn.MLPConfig{Dim: layout.Dim(), CondDim: layout.CondDim(), Hidden: []int{32}, TimeDim: 8}},
		Objective: ObjectiveConfig{Process: "vp-discrete", Steps: 100, Time: "discrete", Prediction: "eps"},
		Train:     DefaultOptions(),
		Sample:    SampleConfig{Solver: "ddim", Steps: 4},
	}
	o := &cfg.Train
	o.Steps, o.Batch, o.LR, o.Warmup, o.EMADecay, o.Seed, o.CheckpointEvery = 20, 4, 1e-3, 0, 0.9, 3, 0
	return cfg
}

// A geometric run killed half-way (cancelled after step 9, mid-epoch) resumes to the weights of an
// uninterrupted run, bit for bit, and records the normaliser "none" and the dataset's layout.
func TestGeometricRunResumesBitIdentically(t *testing.T) {
	run := func(cfg Config, stopAt int) (*Result, error) {
		tr, ds, err := cfg.Trainer()
		if err != nil {
			t.Fatal(err)
		}
		defer ds.Close()
		tr.Resume = true
		return runStoppingAt(tr, stopAt)
	}
	want, err := run(geometricRun(t, t.TempDir()), -1)
	if err != nil {
		t.Fatal(err)
	}
	cfg := geometricRun(t, t.TempDir())
	if _, err := run(cfg, 9); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: %v", err)
	}
	got, err := run(cfg, -1)
	if err != nil {
		t.Fatal(err)
	}
	if got.Resumed != 9 {
		t.Errorf("resumed at %d, want 9", got.Resumed)
	}
	if !sameParams(paramsOf(got.Net), paramsOf(want.Net)) || !sameParams(paramsOf(got.EMA), paramsOf(want.EMA)) {
		t.Fatal("the resumed run's weights differ from the uninterrupted run's")
	}
	m, err := Load(cfg.Out, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	l, ok := m.Geometric()
	if !ok || l.Dim() != 27 || l.CondDim() != 36 || m.Horizon != 3 || m.Transition != 9 {
		t.Errorf("loaded layout %+v (%v), horizon %d, transition %d", l, ok, m.Horizon, m.Transition)
	}
	if g := m.Config.Data.Geometry; m.Config.Data.Normalizer != "none" || g == nil || g.Spec.Nodes != 3 || g.Spec.NodeFeatureNames[0] != "charge" {
		t.Errorf("recorded normaliser %q and geometry %+v", m.Config.Data.Normalizer, g)
	}
}

// Window options and normalisers do not apply to geometric data; a network that does not match the
// layout is refused before training.
func TestGeometricConfigRejectsWindowOptions(t *testing.T) {
	for name, edit := range map[string]func(*Config){
		"horizon":    func(c *Config) { c.Data.Horizon = 8 },
		"normalizer": func(c *Config) { c.Data.Normalizer = "limits" },
		"no layout":  func(c *Config) { c.Data.Layout = nil },
		"unknown":    func(c *Config) { c.Data.Kind = "graphs" },
	} {
		cfg := geometricRun(t, t.TempDir())
		edit(&cfg)
		if _, _, err := cfg.Trainer(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	cfg := geometricRun(t, t.TempDir())
	cfg.Network.MLP.CondDim = 30
	tr, ds, err := cfg.Trainer()
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	if _, err := tr.Run(context.Background()); err == nil {
		t.Error("a network with another cond_dim trained")
	}
}

// A geometric model samples from raw condition vectors, one per sample or one for all, and refuses
// conditions of the wrong length, non-finite ones, window entries and clipping before any work.
func TestGeometricModelSamplesFromRawConditions(t *testing.T) {
	cfg := geometricRun(t, t.TempDir())
	tr, ds, err := cfg.Trainer()
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	if _, err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	m, err := Load(cfg.Out, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	src := tr.Source.(*GeometricSource)
	C := src.CondDim()
	c0, c1 := src.c[:C], src.c[C:2*C]
	ctx := context.Background()
	one, err := m.Sample(ctx, SampleRequest{N: 3, Seed: 4, Cond: [][]float64{c0}})
	if err != nil {
		t.Fatal(err)
	}
	each, err := m.Sample(ctx, SampleRequest{N: 3, Seed: 4, Cond: [][]float64{c0, c0, c1}})
	if err != nil {
		t.Fatal(err)
	}
	D := src.Dim()
	if len(one.X) != 3*D || one.Horizon != 3 || one.Transition != 9 {
		t.Fatalf("%d values of %d x %d, want 3 x 27", len(one.X), one.Horizon, one.Transition)
	}
	if !slices.Equal(one.X[:2*D], each.X[:2*D]) {
		t.Error("the same condition and seed gave different samples")
	}
	if slices.Equal(one.X[2*D:], each.X[2*D:]) {
		t.Error("another condition gave the same sample")
	}
	for _, x := range one.X {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			t.Fatalf("sample value %v", x)
		}
	}
	nan := slices.Clone(c0)
	nan[5] = math.NaN()
	for name, req := range map[string]SampleRequest{
		"no condition":  {N: 2},
		"short":         {N: 2, Cond: [][]float64{c0[:C-1]}},
		"two for three": {N: 3, Cond: [][]float64{c0, c1}},
		"nan":           {N: 1, Cond: [][]float64{nan}},
		"fixed":         {N: 1, Cond: [][]float64{c0}, Fixed: []Fixed{{WindowEntry{0, 0}, []float64{1}}}},
		"clip":          {N: 1, Cond: [][]float64{c0}, ClipX0: true},
	} {
		if _, err := m.Sample(ctx, req); !errors.Is(err, ErrBadRequest) {
			t.Errorf("%s: error %v, want ErrBadRequest", name, err)
		}
	}
}

// A model of windows takes its conditions from Fixed entries: raw condition vectors are refused.
func TestWindowModelRefusesRawConditions(t *testing.T) {
	cfg := windowRun(t, t.TempDir(), nil)
	m, err := Load(cfg.Out, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Sample(context.Background(), SampleRequest{N: 2, Fixed: fixedEnds(2), Cond: [][]float64{{1, 2}}}); !errors.Is(err, ErrBadRequest) {
		t.Errorf("error %v, want ErrBadRequest", err)
	}
}

// An egtn network's configuration is the layout; data.layout is for other networks only.
func TestGeometricLayoutComesFromTheEGTNConfiguration(t *testing.T) {
	egtn := tinyLayout
	egtn.Hidden, egtn.Layers = 8, 1
	c := Config{Data: DataConfig{Kind: DataGeometric, EdgeAttr: EdgeAttrProduct}, Network: nn.Spec{Arch: "egtn", EGTN: &egtn}}
	l, err := c.GeometricLayout()
	if err != nil {
		t.Fatal(err)
	}
	if l.Dim() != egtn.Dim() || l.CondDim() != egtn.CondDim() || !slices.Equal(l.Net.CondFrames, egtn.CondFrames) {
		t.Errorf("layout %+v, want the network's %+v", l.Net, egtn)
	}
	c.Data.Layout = &egtn
	if _, err := c.GeometricLayout(); err == nil {
		t.Error("data.layout next to an egtn network accepted")
	}
	c.Data.Layout, c.Network.EGTN = nil, nil
	if _, err := c.GeometricLayout(); err == nil {
		t.Error("egtn without its configuration accepted")
	}
}

// MD17 hops: atoms 0-1-2-3-4 on a line 1.5 apart are bonded to their neighbours (d <= 1.6) at frame 0,
// atom 5 is far from all; edge (i <- j) carries onehot(hop-1, 4) for hops 1..3 and zeros beyond. Later
// frames (here spread apart) do not matter.
func TestPackEncodesBondHopsOfFrameZero(t *testing.T) {
	const N = 6
	spec := datasets.GeometricSpec{Frames: 2, Nodes: N, SpatialDim: 3, NodeFeatureDim: 1}
	pos := make([]float64, 2*N*3)
	for n := 0; n < N; n++ {
		pos[n*3] = 1.5 * float64(n)
		pos[(N+n)*3] = 10 * float64(n)
	}
	pos[5*3+1] = 50
	ds := writeGeometric(t, filepath.Join(t.TempDir(), "h.arrow"), spec, []datasets.GeometricTrajectory{{Positions: pos, NodeFeatures: []float64{6, 6, 8, 1, 1, 1}}})
	cfg := nn.EGTNConfig{Nodes: N, SpatialDim: 3, CondFrames: []int{0}, TargetFrames: []int{1}, NodeFeatures: 1, EdgeFeatures: 4}
	if _, err := NewGeometricLayout(nn.EGTNConfig{Nodes: N, SpatialDim: 3, TargetFrames: []int{1}, NodeFeatures: 1, EdgeFeatures: 1}, EdgeAttrHops); err == nil || !strings.Contains(err.Error(), "4 values per edge") {
		t.Errorf("hops with 1 edge feature: %v", err)
	}
	l, err := NewGeometricLayout(cfg, EdgeAttrHops)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Validate(spec); err != nil {
		t.Fatal(err)
	}
	v, _ := ds.Trajectory(0)
	x0, cond := make([]float64, l.Dim()), make([]float64, l.CondDim())
	if err := l.Pack(v, x0, cond); err != nil {
		t.Fatal(err)
	}
	edges := cond[N*3+N:]
	if len(edges) != N*(N-1)*4 {
		t.Fatalf("%d edge values", len(edges))
	}
	forEdges(N, func(e, i, j int) {
		want := make([]float64, 4)
		if h := max(i-j, j-i); i != 5 && j != 5 && h <= 3 {
			want[h-1] = 1
		}
		if got := edges[e*4 : (e+1)*4]; !slices.Equal(got, want) {
			t.Errorf("edge %d <- %d: %v, want %v", i, j, got, want)
		}
	})
}

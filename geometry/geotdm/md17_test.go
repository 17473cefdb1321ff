package geotdm_test

import (
	"context"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/datasets/npy"
	"github.com/trajdiff/trajdiff/geometry/geotdm"
	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/train"
)

// writeSyntheticMD17 writes an sGDML-layout .npz (R, z, E, F) of a made-up 6-atom "molecule" (z = C C
// O H H H, a zigzag chain 1.4 A apart, so bonded neighbours at d <= 1.6) vibrating smoothly: every
// coordinate oscillates by 0.05 A with its own phase and a period of 40 frames. No MD17 file can be
// downloaded here; this stands in for md17_aspirin.npz in the importer -> train -> evaluate path.
func writeSyntheticMD17(t testing.TB, path string, frames int) {
	t.Helper()
	z := []int64{6, 6, 8, 1, 1, 1}
	N := len(z)
	R := make([]float64, frames*N*3)
	F := make([]float64, len(R))
	E := make([]float64, frames)
	for f := 0; f < frames; f++ {
		for a := 0; a < N; a++ {
			base := [3]float64{1.2 * float64(a), 0.7 * float64(a%2), 0}
			for d := 0; d < 3; d++ {
				i := (f*N+a)*3 + d
				phase := 2*math.Pi*float64(f)/40 + float64(3*a+d)
				R[i] = base[d] + 0.05*math.Sin(phase)
				F[i] = -0.05 * math.Sin(phase)
			}
		}
		E[f] = -100 + 0.01*math.Cos(2*math.Pi*float64(f)/40)
	}
	err := npy.WriteNPZ(path, map[string]*npy.Array{"R": npy.Float64Array([]int{frames, N, 3}, R), "F": npy.Float64Array([]int{frames, N, 3}, F),
		"E": npy.Float64Array([]int{frames, 1}, E), "z": npy.Int64Array([]int{N}, z)})
	if err != nil {
		t.Fatal(err)
	}
}

// GeoTDM's MD17 path end to end on the synthetic molecule: import train and test windows with its
// protocol (every 2nd frame, chronological split, strided windows, 30-d node features), train a tiny
// egtn with hop edge attributes through train, and evaluate it: finite ADE/FDE for the model and the
// constant-velocity baseline.
func TestMD17PathEndToEnd(t *testing.T) {
	start := time.Now()
	dir := t.TempDir()
	ctx := context.Background()
	npz := filepath.Join(dir, "md17_synthetic.npz")
	writeSyntheticMD17(t, npz, 400)
	const frames = 10
	for split, windows := range map[string]int{"train": 16, "test": 4} {
		o := datasets.MD17Options{Every: 2, Split: split, FramesPerTrajectory: frames, Windows: windows, Features: datasets.MD17FeaturesGeoTDM,
			Write: datasets.WriteOptions{DType: datasets.Float64}}
		rep, err := datasets.ImportMD17(ctx, npz, filepath.Join(dir, split+".arrow"), o)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Trajectories != windows {
			t.Fatalf("%s: %d windows, want %d", split, rep.Trajectories, windows)
		}
	}
	// Frames 0..3 condition frames 4..9 (GeoTDM: 0..9 -> 10..29).
	net := nn.EGTNConfig{Nodes: 6, SpatialDim: 3, CondFrames: []int{0, 1, 2, 3}, TargetFrames: []int{4, 5, 6, 7, 8, 9},
		NodeFeatures: 30, EdgeFeatures: 4, Hidden: 8, Layers: 1, TimeDim: 8, TimeScale: 100, Prior: "learned", PriorLayers: 1}
	cfg := train.Config{
		Out:       filepath.Join(dir, "run"),
		Data:      train.DataConfig{Path: filepath.Join(dir, "train.arrow"), Kind: train.DataGeometric, EdgeAttr: train.EdgeAttrHops},
		Network:   nn.Spec{Arch: "egtn", EGTN: &net},
		Objective: train.ObjectiveConfig{Process: "vp-discrete", Steps: 100, Time: "discrete"},
		Train:     train.DefaultOptions(),
		Sample:    train.SampleConfig{Solver: "ddim", Steps: 3},
	}
	o := &cfg.Train
	o.Steps, o.Batch, o.LR, o.Warmup, o.Seed, o.CheckpointEvery = 10, 4, 1e-3, 0, 1, 0
	tr, ds, err := cfg.Trainer()
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	if _, err := tr.Run(ctx); err != nil {
		t.Fatal(err)
	}
	m, err := geotdm.Load(cfg.Out)
	if err != nil {
		t.Fatal(err)
	}
	test, err := datasets.Open(filepath.Join(dir, "test.arrow"))
	if err != nil {
		t.Fatal(err)
	}
	defer test.Close()
	rep, err := geotdm.Evaluate(ctx, m, test, geotdm.EvalOptions{K: 2, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Methods) != 2 {
		t.Fatalf("methods %+v", rep.Methods)
	}
	for _, r := range rep.Methods {
		ok := r.Systems == 4 && len(r.Failed) == 0
		for _, x := range []float64{r.MeanADE, r.MeanFDE, r.MinADE, r.MinFDE} {
			ok = ok && x >= 0 && !math.IsNaN(x) && !math.IsInf(x, 0)
		}
		if !ok {
			t.Errorf("%s: %+v", r.Name, r)
		}
		t.Logf("%s: ADE %.4f FDE %.4f (mean over K=%d), %d systems", r.Name, r.MeanADE, r.MeanFDE, r.K, r.Systems)
	}
	t.Logf("import, 10 training steps and evaluation took %v", time.Since(start))
}

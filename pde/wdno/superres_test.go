package wdno

import (
	"context"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/pde"
	"github.com/trajdiff/trajdiff/pde/burgers"
	"github.com/trajdiff/trajdiff/train"
)

// writeBurgers writes n trajectories of Burgers on frames+1 x cells (T = 1).
func writeBurgers(t *testing.T, dir, name string, cells, frames, n int, seed uint64) string {
	t.Helper()
	p := burgers.Params{Nu: 0.01, Cells: cells, Refine: 2, T: 1, Frames: frames, StepsPerFrame: 1600 / frames}
	path := filepath.Join(dir, name)
	if _, _, err := pde.WriteFields(context.Background(), path, burgers.Generator{Params: p},
		pde.WriteConfig{Total: n, Seed: seed, Workers: 1}, datasets.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	return path
}

// trainTinySuperres trains a tiny super-resolution U-Net on 17 x 24 data (pairs 17 x 24 | 9 x 12 and
// 9 x 12 | 5 x 6: bands 9 x 12, 10 generated rows, in 12 x 12 images).
func trainTinySuperres(t *testing.T, dir string) *SuperModel {
	t.Helper()
	data := writeBurgers(t, dir, "train.arrow", 24, 16, 32, 1)
	c := Config{Out: filepath.Join(dir, "sr"), Task: TaskSuperres, Data: DataConfig{Path: data},
		Objective: train.ObjectiveConfig{Process: "vp-cosine"}, Train: train.DefaultOptions()}
	no := false
	c.Network = nn.Spec{Arch: "unet2d", Unet2D: &nn.Unet2DConfig{Height: 12, Width: 12, Channels: 17, Dim: 4, DimMults: []int{1, 2},
		LinearAttention: &no, MidAttention: &no, AttnHeads: 1, AttnDimHead: 4}}
	c.Train.Steps, c.Train.Batch, c.Train.LR, c.Train.Warmup, c.Train.CheckpointEvery = 6, 4, 1e-3, 2, 0
	c.Sample.Steps = 3
	if _, err := Train(context.Background(), c, false, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(c.Out, train.DefaultWeights); err == nil || !strings.Contains(err.Error(), "LoadSuperres") {
		t.Errorf("Load of a super-resolution checkpoint: %v", err)
	}
	m, err := LoadSuperres(c.Out, train.DefaultWeights)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// Applied to its own output, the model refines 5 x 6 to 9 x 12, 17 x 24 (trained) and on to 33 x 48 and
// 65 x 96, resolutions it never saw, keeping the given u0 exactly.
func TestRepeatedUpsamplingReachesUntrainedResolutions(t *testing.T) {
	dir := t.TempDir()
	m := trainTinySuperres(t, dir)
	if got := m.TrainedResolutions(); len(got) != 2 || got[0] != [2]int{17, 24} || got[1] != [2]int{9, 12} {
		t.Fatalf("trained resolutions %v", got)
	}
	// The coarser trained level is sampled in the image it was trained in (12 x 12, not its own 8 x 8).
	for _, size := range [][2]int{{17, 24}, {9, 12}} {
		l, err := m.Layout(size[0], size[1])
		if err != nil || l.Shape()[1] != 12 || l.Shape()[2] != 12 {
			t.Fatalf("layout of %v: %v %v", size, l.Shape(), err)
		}
	}
	d, err := OpenData(writeBurgers(t, dir, "fine.arrow", 96, 64, 2, 9))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	u, f, err := d.Fields(0, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	coarse, _ := levelFields(u, f, 65, 96, 1, 1, 4)
	if len(coarse) != 5*6 {
		t.Fatalf("coarse input of %d values", len(coarse))
	}
	for k := 3; k >= 0; k-- {
		uk, fk := levelFields(u, f, 65, 96, 1, 1, k)
		frames, cells := levelSize(65, 96, k)
		gen, err := m.Upsample(context.Background(), UpsampleRequest{Coarse: [][]float64{coarse}, U0: [][]float64{uk[:cells]},
			F: [][]float64{fk}, Frames: frames, Cells: cells, Seed: 3})
		if err != nil {
			t.Fatalf("to %d x %d: %v", frames, cells, err)
		}
		out := gen.U[0]
		if len(out) != frames*cells || len(gen.Failed) != 0 {
			t.Fatalf("to %d x %d: %d values, failed %v", frames, cells, len(out), gen.Failed)
		}
		for i, v := range out {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("to %d x %d: value %d is %v", frames, cells, i, v)
			}
		}
		// The fine control is given (its bands are clamped), so it decodes to itself.
		for i := range fk {
			if math.Abs(gen.F[0][i]-fk[i]) > 1e-9 {
				t.Fatalf("to %d x %d: control value %d decodes to %v, given %v", frames, cells, i, gen.F[0][i], fk[i])
			}
		}
		coarse = out
	}
}

func TestUpsampleRefusesBadInput(t *testing.T) {
	dir := t.TempDir()
	m := trainTinySuperres(t, dir)
	coarse := make([]float64, 9*12)
	u0, f := make([]float64, 24), make([]float64, 17*24)
	req := UpsampleRequest{Coarse: [][]float64{coarse}, U0: [][]float64{u0}, F: [][]float64{f}, Frames: 17, Cells: 24}
	if _, err := m.Upsample(context.Background(), req); err != nil {
		t.Fatalf("a valid request: %v", err)
	}
	bad := req
	bad.Coarse = [][]float64{make([]float64, 8*12)}
	if _, err := m.Upsample(context.Background(), bad); err == nil || !strings.Contains(err.Error(), "coarse") {
		t.Errorf("a coarse trajectory of another resolution: %v", err)
	}
	bad = req
	nan := make([]float64, 9*12)
	nan[5] = math.NaN()
	bad.Coarse = [][]float64{nan}
	if _, err := m.Upsample(context.Background(), bad); err == nil || !strings.Contains(err.Error(), "non-finite") {
		t.Errorf("a NaN in the coarse trajectory: %v", err)
	}
	bad = req
	bad.U0 = [][]float64{make([]float64, 12)}
	if _, err := m.Upsample(context.Background(), bad); err == nil || !strings.Contains(err.Error(), "initial state") {
		t.Errorf("a coarse u0: %v", err)
	}
	sim := tinyConfig(dir, writeTinyData(t, dir, "tiny.arrow", 16, 1), SpaceWavelet, "simulate", 3)
	if _, err := Train(context.Background(), sim, false, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadSuperres(sim.Out, train.DefaultWeights); err == nil || !strings.Contains(err.Error(), "not \"superres\"") {
		t.Errorf("LoadSuperres of a simulation checkpoint: %v", err)
	}
	d, err := OpenData(writeBurgers(t, dir, "test.arrow", 24, 16, 2, 4))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := EvaluateSuperres(context.Background(), m, d, SuperresEvalOptions{Passes: 5}); err == nil || !strings.Contains(err.Error(), "too coarse") {
		t.Errorf("five passes below 17 x 24 (to 1 x 1): %v", err)
	}
}

// EvaluateSuperres scores every level against the subsampled truth, flags the untrained one, and its
// interpolation baselines are exact where they should be: nearest and bilinear reproduce the coarse
// points, so the bilinear error of a level is 0 when the truth is bilinear.
func TestEvaluateSuperresScoresEveryLevel(t *testing.T) {
	dir := t.TempDir()
	m := trainTinySuperres(t, dir)
	d, err := OpenData(writeBurgers(t, dir, "test.arrow", 48, 32, 3, 5))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	rep, err := EvaluateSuperres(context.Background(), m, d, SuperresEvalOptions{Passes: 3, Batch: 2, Oracle: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Input != [2]int{5, 6} || len(rep.Levels) != 3 || rep.Cases != 3 {
		t.Fatalf("input %v, %d levels, %d cases", rep.Input, len(rep.Levels), rep.Cases)
	}
	want := [][3]int{{9, 12, 0}, {17, 24, 0}, {33, 48, 1}}
	for i, lv := range rep.Levels {
		if lv.Frames != want[i][0] || lv.Cells != want[i][1] || lv.ZeroShot != (want[i][2] == 1) {
			t.Errorf("level %d: %d x %d zero-shot %v, want %v", i, lv.Frames, lv.Cells, lv.ZeroShot, want[i])
		}
		for _, meth := range rep.Methods {
			if v := lv.MSE[meth]; !(v >= 0) {
				t.Errorf("level %d %s: MSE %v", i, meth, v)
			}
		}
	}
}

// Interpolation reproduces the coarse points, and bilinear and cubic are exact on a bilinear field
// (where the grid allows: every fine point lies between coarse points here).
func TestInterpolationIsExactOnBilinearFields(t *testing.T) {
	const fc, nc, s = 5, 7, 4
	frames, cells := (fc-1)*s+1, (nc-1)*s+1
	coarse := make([]float64, fc*nc)
	for k := 0; k < fc; k++ {
		for j := 0; j < nc; j++ {
			coarse[k*nc+j] = 1 + 0.5*float64(k*s) - 0.25*float64(j*s) + 0.125*float64(k*s*j*s)
		}
	}
	for _, kind := range []string{InterpNearest, InterpBilinear, InterpCubic} {
		out, err := Interpolate(kind, coarse, fc, nc, 1, frames, cells, s)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < frames; i++ {
			for j := 0; j < cells; j++ {
				want := 1 + 0.5*float64(i) - 0.25*float64(j) + 0.125*float64(i*j)
				got := out[i*cells+j]
				onGrid := i%s == 0 && j%s == 0
				interior := i >= s && i < frames-s && j >= s && j < cells-s // cubic's stencil stays inside
				exact := onGrid || kind == InterpBilinear || (kind == InterpCubic && interior)
				if exact && math.Abs(got-want) > 1e-12 {
					t.Fatalf("%s (%d, %d) = %v, want %v", kind, i, j, got, want)
				}
			}
		}
	}
	if _, err := Interpolate("spline", coarse, fc, nc, 1, frames, cells, s); err == nil {
		t.Error("an unknown interpolation was accepted")
	}
	if _, err := Interpolate(InterpBilinear, coarse, fc, nc, 1, frames+s, cells, s); err == nil {
		t.Error("a fine grid beyond the coarse one was accepted")
	}
}

// The reduced configuration loads, and its network takes the image of the 41 x 60 level, which also holds
// the 21 x 30 level's bands.
func TestSuperresConfigMatchesItsLayouts(t *testing.T) {
	c, err := LoadConfig(filepath.Join("..", "..", "configs", "wdno-burgers-small-superres.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Task != TaskSuperres || c.Superres == nil {
		t.Fatalf("task %q, superres %+v", c.Task, c.Superres)
	}
	levels, err := c.Superres.levels()
	if err != nil || len(levels) != 2 {
		t.Fatalf("levels %v: %v", levels, err)
	}
	p := burgers.WDNOSmallParams()
	u := c.Network.Unet2D
	for _, k := range levels {
		lc := c.Layout
		lc.Frames, lc.Cells = levelSize(p.Frames+1, p.Cells, k)
		lc.Height, lc.Width = u.Height, u.Width
		l, err := NewSuperLayout(lc)
		if err != nil {
			t.Fatalf("level %d: %v", k, err)
		}
		if got := l.Shape(); got[0] != u.Channels || got[1] != u.Height || got[2] != u.Width {
			t.Errorf("level %d: layout %v, network %d x %d x %d", k, got, u.Channels, u.Height, u.Width)
		}
	}
	if _, err := (SuperresConfig{Levels: []int{1, 1}}).levels(); err == nil {
		t.Error("repeated levels were accepted")
	}
}

// At every trained resolution Upsample samples exactly the entries the trainer noised: the trainer serves
// every level with the finest level's mask, so the coarser level's padding inside the finest bands, which
// its layout marks known, is generated (before, it was clamped to clean zeros the network never saw).
func TestUpsampleNoisesTheEntriesTrainingNoisedAtEveryTrainedLevel(t *testing.T) {
	m := trainTinySuperres(t, t.TempDir())
	trained := m.Checkpoint.State.Inpaint
	differs := 0
	for _, r := range m.TrainedResolutions() {
		l, err := m.Layout(r[0], r[1])
		if err != nil {
			t.Fatal(err)
		}
		var got, own []int
		for i, k := range m.noiseMask(l) {
			if k {
				got = append(got, i)
			}
		}
		for i, k := range l.Known() {
			if k {
				own = append(own, i)
			}
		}
		if !slices.Equal(got, trained) {
			t.Errorf("%v: sampling clamps %d entries, training gave %d clean", r, len(got), len(trained))
		}
		if !slices.Equal(own, trained) {
			differs++
		}
	}
	if differs == 0 {
		t.Error("no trained level's own mask differs from training's: the claim is vacuous here")
	}
}

package wdno

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/pde"
	"github.com/trajdiff/trajdiff/pde/smoke"
	"github.com/trajdiff/trajdiff/train"
)

// tinySmokeParams is a smoke problem small enough for tests: a 32 grid stored at 8 x 8, 9 frames (the
// models take 8).
func tinySmokeParams() smoke.Params {
	p := smoke.DefaultParams()
	p.N, p.Save, p.Steps, p.Stride = 32, 8, 32, 4
	return p
}

func writeSmoke(t *testing.T, dir, name string, p smoke.Params, n int, seed uint64) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if _, _, err := pde.WriteFields(context.Background(), path, smoke.Generator{Params: p},
		pde.WriteConfig{Total: n, Seed: seed, Workers: 1}, datasets.WriteOptions{DType: datasets.Float64}); err != nil {
		t.Fatal(err)
	}
	return path
}

// smokeConfig is the layout configuration of WDNO's smoke at frames x m x m.
func smokeConfig(space string, frames, m int) LayoutConfig {
	two := smokeControl
	return LayoutConfig{Space: space, Frames: frames, Cells: m * m, State: smokeState, Control: &two, Grid: []int{m, m}}
}

// randomSmokeFields are random fields with s the same in every cell of a frame, as the data hold it.
func randomSmokeFields(r *rand.Rand, c LayoutConfig) (u, f []float64) {
	u, f = make([]float64, c.Frames*c.Cells*smokeState), make([]float64, c.Frames*c.Cells*smokeControl)
	for i := range u {
		u[i] = r.NormFloat64()
	}
	for i := range f {
		f[i] = r.NormFloat64()
	}
	for t := 0; t < c.Frames; t++ {
		s := r.Float64()
		for cell := 0; cell < c.Cells; cell++ {
			u[(t*c.Cells+cell)*smokeState+smokeS] = s
		}
	}
	return u, f
}

// tinySmokeConfig is a one-hidden-layer MLP for task on tinySmokeParams' data in space (its own run
// directory under dir), trained for steps steps of batch 4, sampled with 3 steps.
func tinySmokeConfig(dir, data, space, task string, steps int) Config {
	c := Config{Out: filepath.Join(dir, space+"-"+task), Task: task, Data: DataConfig{Path: data}, Layout: LayoutConfig{Space: space},
		Objective: train.ObjectiveConfig{Process: "vp-cosine"}, Train: train.DefaultOptions()}
	dim := 42 * 8 * 8 * 8
	if space == SpacePhysical {
		dim = 6 * 8 * 8 * 8
	}
	c.Network = nn.Spec{Arch: "mlp", MLP: &nn.MLPConfig{Dim: dim, Hidden: []int{16}, TimeDim: 8}}
	c.Train.Steps, c.Train.Batch, c.Train.LR, c.Train.Warmup, c.Train.CheckpointEvery = steps, 4, 1e-3, 1, 0
	c.Sample.Steps = 3
	return c
}

// The smoke layouts are exact: decoding an encoded trajectory gives it back to round-off, at the reduced
// scale of the benchmark (32 frames of 32 x 32: 42 channels of 18^3 bands in 20^3 images) and at a small
// odd-sized one.
func TestSmokeLayoutRoundTripIsExact(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		space     string
		frames, m int
		shape     []int
	}{
		{SpaceWavelet, 32, 32, []int{42, 20, 20, 20}},
		{SpacePhysical, 32, 32, []int{6, 32, 32, 32}},
		{SpaceWavelet, 7, 10, []int{42, 8, 8, 8}},
	} {
		c := smokeConfig(tc.space, tc.frames, tc.m)
		c.Scales = nil
		l, err := NewLayout(c)
		if err != nil {
			t.Fatal(err)
		}
		if got := l.Shape(); len(got) != 4 || got[0] != tc.shape[0] || got[1] != tc.shape[1] || got[2] != tc.shape[2] || got[3] != tc.shape[3] {
			t.Fatalf("%s %d x %d^2: shape %v, want %v", tc.space, tc.frames, tc.m, got, tc.shape)
		}
		scales := make([]float64, tc.shape[0])
		for i := range scales {
			scales[i] = 0.5 + r.Float64()
		}
		c.Scales = scales
		if l, err = NewLayout(c); err != nil {
			t.Fatal(err)
		}
		u, f := randomSmokeFields(r, c)
		x := make([]float64, l.Dim())
		if err := l.Encode(Control, u, f, x); err != nil {
			t.Fatal(err)
		}
		worst := roundTripError(t, l, x, u, f)
		if worst > 1e-12 {
			t.Errorf("%s %d x %d^2: round trip error %g", tc.space, tc.frames, tc.m, worst)
		}
		// The recorded configuration rebuilds the same layout (what Load does).
		l2, err := NewLayout(l.Config())
		if err != nil || l2.Dim() != l.Dim() {
			t.Errorf("%s: the recorded configuration %+v does not rebuild the layout: %v", tc.space, l.Config(), err)
		}
	}
}

// What each task gives: in control only the d0 channel (40) and the padding of the wavelet image, in
// simulation also the control bands (24..39); the s channel and the state bands are always generated.
// In physical space control gives frame 0 of the density, simulation also cx and cy.
func TestSmokeTasksGiveD0AndInSimulationTheControl(t *testing.T) {
	for _, space := range []string{SpaceWavelet, SpacePhysical} {
		l, err := NewLayout(smokeConfig(space, 32, 32))
		if err != nil {
			t.Fatal(err)
		}
		sh := l.Shape()
		per := sh[1] * sh[2] * sh[3]
		for _, task := range []Task{Control, Simulate} {
			k := l.Known(task)
			for ch := 0; ch < sh[0]; ch++ {
				n := 0
				for _, v := range k[ch*per : (ch+1)*per] {
					if v {
						n++
					}
				}
				var want int
				switch {
				case space == SpacePhysical && ch == 0:
					want = 32 * 32
				case space == SpacePhysical && ch >= 4 && task == Simulate:
					want = per
				case space == SpacePhysical:
					want = 0
				case ch == smokeD0Channel || (ch >= 24 && ch < 40 && task == Simulate):
					want = per
				case ch == smokeSChannel:
					want = per - 18*20*20 // frames 18 and 19
				default:
					want = per - 18*18*18
				}
				if n != want {
					t.Errorf("%s %v channel %d: %d known entries, want %d", space, task, ch, n, want)
				}
			}
		}
	}
}

// The guidance gradient, J = -s(T-1) + 0.1 mean (d(0) - d0*)^2 of the decoded trajectory taken through
// the adjoint of the inverse transform, matches central finite differences of J through the inverse
// transform itself, in both layouts, along random directions and on single entries of the s channel.
func TestSmokeGuidanceGradientMatchesFiniteDifferences(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, space := range []string{SpaceWavelet, SpacePhysical} {
		c := smokeConfig(space, 8, 8)
		l, err := NewLayout(c)
		if err != nil {
			t.Fatal(err)
		}
		scales := make([]float64, l.Shape()[0])
		for i := range scales {
			scales[i] = 0.5 + r.Float64()
		}
		c.Scales = scales
		if l, err = NewLayout(c); err != nil {
			t.Fatal(err)
		}
		d0 := make([]float64, c.Cells)
		for i := range d0 {
			d0[i] = r.Float64()
		}
		obj := smokeObjective{d0s: [][]float64{d0}, cells: c.Cells, frames: c.Frames}
		g := &guide{layout: l, obj: obj}
		x := make([]float64, l.Dim())
		for i := range x {
			x[i] = r.NormFloat64()
		}
		if err := g.gradient(0, x); err != nil {
			t.Fatal(err)
		}
		nu, nf := c.sizes()
		u, f := make([]float64, nu), make([]float64, nf)
		J := func(x []float64) float64 {
			if err := l.Decode(x, u, f); err != nil {
				t.Fatal(err)
			}
			return obj.value(0, u)
		}
		dirs := make([][]float64, 0, 6)
		for range 4 {
			v := make([]float64, l.Dim())
			for i := range v {
				v[i] = r.NormFloat64()
			}
			dirs = append(dirs, v)
		}
		if space == SpaceWavelet {
			sh := l.Shape()
			per := sh[1] * sh[2] * sh[3]
			for _, i := range []int{smokeSChannel*per + 4*sh[2]*sh[3], smokeSChannel*per + 3*sh[2]*sh[3] + (sh[2]-1)*sh[3]} {
				v := make([]float64, l.Dim())
				v[i] = 1
				dirs = append(dirs, v)
			}
		}
		const h = 1e-5
		xp, xm := make([]float64, len(x)), make([]float64, len(x))
		for k, v := range dirs {
			var analytic float64
			for i := range x {
				xp[i], xm[i] = x[i]+h*v[i], x[i]-h*v[i]
				analytic += g.gx[i] * v[i]
			}
			fd := (J(xp) - J(xm)) / (2 * h)
			if math.Abs(fd-analytic) > 1e-7*(1+math.Abs(fd)) {
				t.Errorf("%s direction %d: adjoint %.10g, finite differences %.10g", space, k, analytic, fd)
			}
			if k >= 4 && analytic == 0 {
				t.Errorf("%s: s entry %d has no gradient", space, k)
			}
		}
	}
}

// Re-simulating a test trajectory's own control from its initial square with pde/smoke reproduces its
// stored target share after frame T-1 (after step 248 of 256) exactly and its initial density (misfit
// 0), at the benchmark's scale (grid 64 stored at 32); zero control is scored in the same run.
func TestSmokeResimulationReproducesTheStoredSmokeOut(t *testing.T) {
	p := smoke.DefaultParams()
	p.N, p.Save = 64, 32
	d := openData(t, writeSmoke(t, t.TempDir(), "test.arrow", p, 2, 5))
	if !d.IsSmoke() || d.Frames != 32 || d.Cells != 32*32 || d.State != 4 || d.Control != 2 {
		t.Fatalf("data %+v", d)
	}
	rep, err := Evaluate(context.Background(), d, []Method{DatasetControl(), ZeroControl()}, EvalOptions{Task: Control, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Results {
		if r.Error != "" {
			t.Fatalf("%s case %d: %s", r.Method, r.Case, r.Error)
		}
		if r.Method != "dataset-control" {
			continue
		}
		u, _, err := d.Fields(r.Case, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := u[((d.Frames-1)*d.Cells)*smokeState+smokeS]
		if !(want > 0) {
			t.Errorf("case %d: no smoke through the target in the stored trajectory, nothing is compared", r.Case)
		}
		if r.SmokeOut != want || r.Misfit != 0 || r.J != -want {
			t.Errorf("case %d: re-simulated smoke_out %v (misfit %v, J %v), stored %v", r.Case, r.SmokeOut, r.Misfit, r.J, want)
		}
	}
	if rep.Summary[0].SmokeOut == rep.Summary[1].SmokeOut {
		t.Errorf("zero control and the dataset's control reach the same share %v", rep.Summary[0].SmokeOut)
	}
}

// A smoke model trains through train, reads back, and evaluates next to the baselines; sampling with
// guidance gives finite controls that re-simulate, and the model's share is reported.
func TestSmokeTrainLoadEvaluate(t *testing.T) {
	dir := t.TempDir()
	p := tinySmokeParams()
	data := writeSmoke(t, dir, "train.arrow", p, 12, 1)
	test := openData(t, writeSmoke(t, dir, "test.arrow", p, 3, 2))
	for _, space := range []string{SpaceWavelet, SpacePhysical} {
		m, _ := trainTiny(t, tinySmokeConfig(dir, data, space, "control", 4))
		if m.Layout.Config().Grid == nil {
			t.Fatalf("%s: the model's layout has no grid", space)
		}
		if _, _, w := m.Settings(Request{}); w != SmokeGuidance {
			t.Errorf("%s: default guidance %v, want the reference's %v", space, w, SmokeGuidance)
		}
		rep, err := Evaluate(context.Background(), test, []Method{{Name: m.Name(), Model: m}, ZeroControl()}, EvalOptions{Task: Control, Batch: 2})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Results) != 6 {
			t.Fatalf("%d results", len(rep.Results))
		}
		for _, r := range rep.Results {
			if r.Error != "" || r.SmokeOut < 0 || r.SmokeOut > 1 || r.Leakage < 0 || r.SmokeOut+r.Leakage > 1+1e-9 || math.IsNaN(r.J) {
				t.Errorf("%s %s case %d: %+v", space, r.Method, r.Case, r)
			}
		}
	}
}

// A smoke simulation model (given d0 and the control bands) trains and is scored by the MSE of its
// generated density, velocity and share over frames 1..K-1; its generated trajectory keeps the given
// control exactly (inpainted bands decode to it).
func TestSmokeSimulationTrainsAndScores(t *testing.T) {
	dir := t.TempDir()
	p := tinySmokeParams()
	data := writeSmoke(t, dir, "train.arrow", p, 6, 1)
	test := openData(t, writeSmoke(t, dir, "test.arrow", p, 2, 2))
	c := tinySmokeConfig(dir, data, SpaceWavelet, "simulate", 2)
	c.Sample.Steps = 2
	m, _ := trainTiny(t, c)
	rep, err := Evaluate(context.Background(), test, []Method{{Name: "wdno", Model: m}}, EvalOptions{Task: Simulate})
	if err != nil {
		t.Fatal(err)
	}
	if s := rep.Summary[0]; s.Failed != 0 || !(s.MSE > 0) || s.FrontMSE != 0 {
		t.Errorf("summary %+v", s)
	}
	u, f, err := test.Fields(0, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	gen, err := m.Generate(context.Background(), Request{Cases: []Case{{U0: u[:test.Cells*smokeState], F: f}}})
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range f {
		if math.Abs(gen.F[0][i]-v) > 1e-9 {
			t.Fatalf("control value %d: generated %v, given %v", i, gen.F[0][i], v)
		}
	}
}

// Bad input is refused with a clear error: data of another grid or horizon than the model's, fields with
// NaN, and a smoke model asked to estimate.
func TestSmokeRefusesOtherDataAndNonFiniteFields(t *testing.T) {
	dir := t.TempDir()
	p := tinySmokeParams()
	data := writeSmoke(t, dir, "train.arrow", p, 4, 1)
	c := Config{Out: filepath.Join(dir, "m"), Task: "control", Data: DataConfig{Path: data}, Layout: LayoutConfig{Space: SpacePhysical},
		Objective: train.ObjectiveConfig{Process: "vp-cosine"}, Train: train.DefaultOptions()}
	c.Network = nn.Spec{Arch: "mlp", MLP: &nn.MLPConfig{Dim: 6 * 8 * 8 * 8, Hidden: []int{8}, TimeDim: 4}}
	c.Train.Steps, c.Train.Batch, c.Train.Warmup, c.Train.CheckpointEvery = 1, 2, 1, 0
	m, _ := trainTiny(t, c)
	for k, change := range []func(*smoke.Params){
		func(q *smoke.Params) { q.Save = 16 },
		func(q *smoke.Params) { q.Steps = 48 },
		func(q *smoke.Params) { q.N = 64; q.Save = 8 },
	} {
		q := p
		change(&q)
		d := openData(t, writeSmoke(t, dir, fmt.Sprintf("other%d.arrow", k), q, 1, 3))
		if _, err := Evaluate(context.Background(), d, []Method{{Name: "m", Model: m}}, EvalOptions{Task: Control}); err == nil || !strings.Contains(err.Error(), "trained on") {
			t.Errorf("a model of %+v evaluated on %+v: %v", p, q, err)
		}
	}
	est := c
	est.Task, est.Out = "estimate", filepath.Join(dir, "e")
	if _, err := Train(context.Background(), est, false, nil); err == nil || !strings.Contains(err.Error(), "estimation") {
		t.Errorf("training a smoke estimation model: %v", err)
	}
	l := m.Layout
	cfg := l.Config()
	u, f := randomSmokeFields(rand.New(rand.NewPCG(5, 6)), cfg)
	u[7*smokeState] = math.NaN()
	if err := l.Encode(Control, u, f, make([]float64, l.Dim())); err == nil || !strings.Contains(err.Error(), "non-finite") {
		t.Errorf("encoding NaN fields: %v", err)
	}
	if _, err := NewLayout(smokeConfig(SpaceWavelet, 8, 8)); err != nil {
		t.Fatal(err)
	}
	bad := smokeConfig(SpaceWavelet, 8, 8)
	bad.Cells = 60
	if _, err := NewLayout(bad); err == nil || !strings.Contains(err.Error(), "cells") {
		t.Errorf("a grid of 8 x 8 with 60 cells: %v", err)
	}
}

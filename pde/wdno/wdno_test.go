package wdno

import (
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/pde"
	"github.com/trajdiff/trajdiff/pde/advection"
	"github.com/trajdiff/trajdiff/pde/burgers"
	"github.com/trajdiff/trajdiff/train"
)

// tinyParams is a Burgers problem small enough to train on in a test: 9 frames of 12 points.
func tinyParams() burgers.Params {
	return burgers.Params{Nu: 0.01, Cells: 12, Refine: 2, T: 1, Frames: 8, StepsPerFrame: 100}
}

func writeTinyData(t *testing.T, dir, name string, n int, seed uint64) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if _, _, err := pde.WriteFields(context.Background(), path, burgers.Generator{Params: tinyParams()},
		pde.WriteConfig{Total: n, Seed: seed, Workers: 1}, datasets.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	return path
}

func tinyConfig(dir, data, space, task string, steps int) Config {
	c := Config{Out: filepath.Join(dir, space+"-"+task), Task: task, Data: DataConfig{Path: data}, Layout: LayoutConfig{Space: space},
		Objective: train.ObjectiveConfig{Process: "vp-cosine"}, Train: train.DefaultOptions()}
	dim := 9 * 8 * 8 // wavelet: bands 5 x 6 padded to 8 x 8
	if space == SpacePhysical {
		dim = 2 * 12 * 12
	}
	c.Network = nn.Spec{Arch: "mlp", MLP: &nn.MLPConfig{Dim: dim, Hidden: []int{64, 64}, TimeDim: 16}}
	c.Train.Steps, c.Train.Batch, c.Train.LR, c.Train.Warmup, c.Train.CheckpointEvery = steps, 16, 1e-3, 10, 0
	c.Train.MinLR = 1e-4
	c.Sample.Steps = 10
	return c
}

// A model trains, is read back from its checkpoint, and evaluates with every baseline; the generated
// trajectories honour the condition exactly where the layout carries it in physical space.
func TestTrainLoadEvaluate(t *testing.T) {
	dir := t.TempDir()
	data := writeTinyData(t, dir, "train.arrow", 64, 1)
	test := writeTinyData(t, dir, "test.arrow", 6, 2)
	for _, space := range []string{SpaceWavelet, SpacePhysical} {
		for _, task := range []string{"simulate", "control"} {
			m, _ := trainTiny(t, tinyConfig(dir, data, space, task, 30))
			d, err := OpenData(test)
			if err != nil {
				t.Fatal(err)
			}
			methods := []Method{{Name: m.Name(), Model: m}}
			if task == "control" {
				methods = append(methods, ZeroControl(), DatasetControl(), AdjointOptimum(tinyParams(), 30, 0))
			}
			rep, err := Evaluate(context.Background(), d, methods, EvalOptions{Task: m.Task, Batch: 4})
			d.Close()
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Results) != 6*len(methods) || len(rep.Summary) != len(methods) {
				t.Fatalf("%d results, %d summaries", len(rep.Results), len(rep.Summary))
			}
			for _, s := range rep.Summary {
				if s.Failed > 0 {
					t.Errorf("%s %s %s: %d failed cases: %+v", space, task, s.Method, s.Failed, rep.Results)
				}
				v := s.MSE
				if task == "control" {
					v = s.J
				}
				if !(v > 0) || math.IsInf(v, 0) {
					t.Errorf("%s %s %s: metric %v", space, task, s.Method, v)
				}
			}
			if task == "control" {
				// The dataset's control reaches its own final state: J is its energy term alone.
				s := rep.Summary[2]
				if s.Misfit > 1e-12 {
					t.Errorf("the dataset's control misses its own target by %g", s.Misfit)
				}
				// L-BFGS descends from zero control on the very objective reported.
				if adj, zero := rep.Summary[3], rep.Summary[1]; !(adj.J < zero.J) {
					t.Errorf("adjoint optimum J %g, zero control %g", adj.J, zero.J)
				}
				// The physical layout inpaints u* into the last frame, so the model's own final state is
				// the target to rounding; the wavelet layout gives u* as a condition channel, which a
				// 30-step model does not reproduce. Baselines generate no state.
				own := rep.Summary[0].TargetMisfit
				if space == SpacePhysical && own > 1e-20 || space == SpaceWavelet && !(own > 1e-6) {
					t.Errorf("%s: the model's own final state misses its target by %g", space, own)
				}
				for _, s := range rep.Summary[1:] {
					if s.TargetMisfit != 0 {
						t.Errorf("baseline %s reports an own-state misfit %g", s.Method, s.TargetMisfit)
					}
				}
			}
		}
	}
}

func TestEvaluateRefusesAnotherResolution(t *testing.T) {
	dir := t.TempDir()
	data := writeTinyData(t, dir, "train.arrow", 32, 1)
	m, _ := trainTiny(t, tinyConfig(dir, data, SpaceWavelet, "simulate", 2))
	p := tinyParams()
	p.Cells = 14
	other := filepath.Join(dir, "other.arrow")
	if _, _, err := pde.WriteFields(context.Background(), other, burgers.Generator{Params: p},
		pde.WriteConfig{Total: 2, Seed: 3, Workers: 1}, datasets.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	d := openData(t, other)
	_, err := Evaluate(context.Background(), d, []Method{{Name: "wdno", Model: m}}, EvalOptions{Task: Simulate})
	if err == nil || !strings.Contains(err.Error(), "trained on") {
		t.Errorf("evaluating on another resolution: %v", err)
	}
	if _, err := Evaluate(context.Background(), d, []Method{{Name: "wdno", Model: m}}, EvalOptions{Task: Control}); err == nil {
		t.Error("a simulation model was evaluated on control")
	}
}

// WDNO's guidance weight follows the beta of the reference's 1000-step cosine chain: about 3e-3 half-way
// and growing towards the end (the continuous process stops short of alpha = 0, where the discrete chain
// clips to 0.999).
func TestStepBetaIsTheCosineChainsBeta(t *testing.T) {
	c := train.ObjectiveConfig{Process: "vp-cosine"}
	_, p, err := c.Build()
	if err != nil {
		t.Fatal(err)
	}
	if b := stepBeta(p, 0.5); math.Abs(b-3.1e-3) > 0.3e-3 {
		t.Errorf("beta(0.5) = %g, want about 3.1e-3", b)
	}
	prev := 0.0
	for _, tt := range []float64{0.1, 0.5, 0.9, 0.99, p.TMax()} {
		b := stepBeta(p, tt)
		if !(b > prev) || b > 0.999 {
			t.Errorf("beta(%g) = %g after %g: want increasing, at most 0.999", tt, b, prev)
		}
		prev = b
	}
}

// Guidance pulls the model's own final state towards the target: with an untrained network the
// generated u(T) is far from u*, and a strong guidance weight brings it much closer.
func TestGuidancePullsTheFinalStateToTheTarget(t *testing.T) {
	_, _, m, cases := tinyControlModel(t)
	N := len(cases[0].U0)
	gap := func(w float64) float64 {
		g, err := m.Generate(context.Background(), Request{Cases: cases, Guidance: &w, Steps: 20})
		if err != nil {
			t.Fatal(err)
		}
		var e float64
		for j, cs := range cases {
			for x := range N {
				d := g.U[j][len(g.U[j])-N+x] - cs.Target[x]
				e += d * d
			}
		}
		return e / float64(len(cases)*N)
	}
	free, mid, strong := gap(0), gap(1e2), gap(1e4)
	t.Logf("mean (u(T) - u*)^2: unguided %.4g, weight 1e2 %.4g, weight 1e4 %.4g", free, mid, strong)
	if !(mid < free && strong < 0.1*free) {
		t.Errorf("guidance does not close the final-state gap: unguided %.4g, weight 1e2 %.4g, weight 1e4 %.4g", free, mid, strong)
	}
}

// A control that makes the solver blow up fails its own case only: the case records the solver's report
// and the other cases are scored.
func TestABlowUpFailsOnlyItsCase(t *testing.T) {
	dir := t.TempDir()
	test := writeTinyData(t, dir, "test.arrow", 4, 2)
	d := openData(t, test)
	wild := Method{Name: "wild", Baseline: func(_ context.Context, c TestCase) ([]float64, error) {
		f := make([]float64, len(c.F))
		if c.Index == 1 {
			for i := range f {
				f[i] = 1e4
			}
		}
		return f, nil
	}}
	rep, err := Evaluate(context.Background(), d, []Method{wild}, EvalOptions{Task: Control, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Results {
		if (r.Case == 1) != (r.Error != "") {
			t.Errorf("case %d: error %q", r.Case, r.Error)
		}
		if r.Case == 1 && !strings.Contains(r.Error, "blew up") {
			t.Errorf("case 1 records %q, want the solver's blow-up report", r.Error)
		}
	}
	if s := rep.Summary[0]; s.Failed != 1 || s.Cases != 4 || !(s.J > 0) {
		t.Errorf("summary %+v", s)
	}
}

// A system without control (advection) trains and evaluates in simulation; control is refused.
func TestAdvectionSimulates(t *testing.T) {
	dir := t.TempDir()
	p := advection.Params{Beta: 1, Cells: 16, T: 1, Frames: 8, CFL: 0.4}
	write := func(name string, n int, seed uint64) string {
		path := filepath.Join(dir, name)
		if _, _, err := pde.WriteFields(context.Background(), path, advection.Generator{Params: p},
			pde.WriteConfig{Total: n, Seed: seed, Workers: 1}, datasets.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		return path
	}
	data, test := write("train.arrow", 32, 1), write("test.arrow", 3, 2)
	c := tinyConfig(dir, data, SpaceWavelet, "simulate", 10)
	c.Network.MLP.Dim = 5 * 8 * 8 // 4 bands of 5 x 8 and the u0 channel, padded to 8 x 8
	if _, err := Train(context.Background(), c, false, nil); err != nil {
		t.Fatal(err)
	}
	m, err := Load(c.Out, train.DefaultWeights)
	if err != nil {
		t.Fatal(err)
	}
	d := openData(t, test)
	rep, err := Evaluate(context.Background(), d, []Method{{Name: "wdno", Model: m}}, EvalOptions{Task: Simulate})
	if err != nil {
		t.Fatal(err)
	}
	if s := rep.Summary[0]; s.Cases != 3 || s.Failed != 0 || !(s.MSE > 0) {
		t.Errorf("summary %+v", s)
	}
	c = tinyConfig(dir, data, SpaceWavelet, "control", 2)
	if _, err := Train(context.Background(), c, false, nil); err == nil || !strings.Contains(err.Error(), "Burgers") {
		t.Errorf("control on advection: %v", err)
	}
}

// trainTiny trains c and loads the result.
func trainTiny(t *testing.T, c Config) (*Model, Config) {
	t.Helper()
	if _, err := Train(context.Background(), c, false, nil); err != nil {
		t.Fatal(err)
	}
	m, err := Load(c.Out, train.DefaultWeights)
	if err != nil {
		t.Fatal(err)
	}
	return m, c
}

// openData opens a test's dataset and closes it when the test ends.
func openData(t *testing.T, path string) *Data {
	t.Helper()
	d, err := OpenData(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// tinyControlModel trains a tiny wavelet control model for one step on 16 trajectories, in a temporary
// directory, and returns the directory, the data and the control problems of its first 4 trajectories.
func tinyControlModel(t *testing.T) (dir, data string, m *Model, cases []Case) {
	t.Helper()
	dir = t.TempDir()
	data = writeTinyData(t, dir, "train.arrow", 16, 1)
	m, _ = trainTiny(t, tinyConfig(dir, data, SpaceWavelet, "control", 1))
	return dir, data, m, controlCases(t, openData(t, data), 4)
}

// controlCases are the control problems (u0, u*) of the first n trajectories of d.
func controlCases(t *testing.T, d *Data, n int) []Case {
	t.Helper()
	N := d.Cells * d.State
	cases := make([]Case, n)
	for i := range cases {
		u, _, err := d.Fields(i, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		cases[i] = Case{U0: u[:N], Target: u[len(u)-N:]}
	}
	return cases
}

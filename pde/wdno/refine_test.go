package wdno

import (
	"context"
	"testing"
)

// requireRefinementDescends checks an evaluation of the methods "model" and "refined" (the same model
// and seed, the second polished by the adjoint): every case scores, the refined J is never above the
// generated one (L-BFGS starts there and only descends), it is below in some case, and refined rows
// report no ModelMisfit.
func requireRefinementDescends(t *testing.T, rep *Report) {
	t.Helper()
	js := map[string]map[int]CaseResult{}
	for _, r := range rep.Results {
		if r.Error != "" {
			t.Fatalf("%s case %d: %s", r.Method, r.Case, r.Error)
		}
		if js[r.Method] == nil {
			js[r.Method] = map[int]CaseResult{}
		}
		js[r.Method][r.Case] = r
	}
	lower := 0
	for c, g := range js["model"] {
		r := js["refined"][c]
		t.Logf("case %d: J generated %.6g, refined %.6g", c, g.J, r.J)
		if r.J > g.J+1e-12 {
			t.Errorf("case %d: refinement raised J from %v to %v", c, g.J, r.J)
		}
		if r.J < g.J-1e-9 {
			lower++
		}
		if r.ModelMisfit != 0 {
			t.Errorf("case %d: a refined row reports the model's misfit %v", c, r.ModelMisfit)
		}
	}
	if lower == 0 {
		t.Error("refinement lowered J in no case")
	}
}

func TestRefinementNeverRaisesTheGeneratedControlsJ(t *testing.T) {
	dir := t.TempDir()
	data := writeTinyData(t, dir, "train.arrow", 64, 1)
	test := openData(t, writeTinyData(t, dir, "test.arrow", 4, 2))
	m, _ := trainTiny(t, tinyConfig(dir, data, SpaceWavelet, "control", 10))
	rep, err := Evaluate(context.Background(), test, []Method{{Name: "model", Model: m}, {Name: "refined", Model: m, Refine: 5}},
		EvalOptions{Task: Control, Request: Request{Seed: 7}})
	if err != nil {
		t.Fatal(err)
	}
	requireRefinementDescends(t, rep)
	sim, _ := trainTiny(t, tinyConfig(dir, data, SpaceWavelet, "simulate", 2))
	if _, err := Evaluate(context.Background(), test, []Method{{Name: "sim", Model: sim, Refine: 5}}, EvalOptions{Task: Simulate}); err == nil {
		t.Error("a simulation model was refined by control cost")
	}
	zero := ZeroControl()
	zero.Refine = 5
	if _, err := Evaluate(context.Background(), test, []Method{zero}, EvalOptions{Task: Control}); err == nil {
		t.Error("a baseline was refined")
	}
}

func TestSmokeRefinementNeverRaisesTheGeneratedControlsJ(t *testing.T) {
	dir := t.TempDir()
	p := tinySmokeParams()
	data := writeSmoke(t, dir, "train.arrow", p, 12, 1)
	test := openData(t, writeSmoke(t, dir, "test.arrow", p, 3, 2))
	m, _ := trainTiny(t, tinySmokeConfig(dir, data, SpaceWavelet, "control", 4))
	rep, err := Evaluate(context.Background(), test, []Method{{Name: "model", Model: m}, {Name: "refined", Model: m, Refine: 5}},
		EvalOptions{Task: Control, Request: Request{Seed: 7}, Batch: 3})
	if err != nil {
		t.Fatal(err)
	}
	requireRefinementDescends(t, rep)
}

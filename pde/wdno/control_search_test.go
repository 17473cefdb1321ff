package wdno

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/diffusion"
)

// Searching by the true control cost never loses to fewer particles: best-of-N's particle 0 is the
// one-particle search's sample (same seed, same noise), so with 4 particles every case's re-simulated J is at
// most its J with 1; and the search is refused to models and solvers it does not fit.
func TestControlSearchNeverLosesToFewerParticles(t *testing.T) {
	dir := t.TempDir()
	data := writeTinyData(t, dir, "train.arrow", 64, 1)
	test := writeTinyData(t, dir, "test.arrow", 5, 2)
	m, _ := trainTiny(t, tinyConfig(dir, data, SpaceWavelet, "control", 30))
	d := openData(t, test)
	ctx := context.Background()
	steps := 5
	search := func(k int) *diffusion.ParticleSearch {
		return &diffusion.ParticleSearch{Method: diffusion.BestOfN, Steps: steps, Budget: k * steps}
	}
	rep, err := Evaluate(ctx, d, []Method{{Name: "one", Model: m, Search: search(1)}, {Name: "four", Model: m, Search: search(4)}},
		EvalOptions{Task: Control, Request: Request{Seed: 7}})
	if err != nil {
		t.Fatal(err)
	}
	requireSearchSelects(t, rep)
	sim, _ := trainTiny(t, tinyConfig(dir, data, SpaceWavelet, "simulate", 2))
	if _, err := sim.SearchControl(ctx, Request{Cases: []Case{{U0: make([]float64, 12), F: make([]float64, 9*12)}}}, *search(1), d.Params); err == nil || !strings.Contains(err.Error(), "control model") {
		t.Errorf("a simulation model searched by control cost: %v", err)
	}
	p := d.Params
	p.Cells++
	if _, err := m.SearchControl(ctx, Request{Cases: []Case{{U0: make([]float64, 12), Target: make([]float64, 12)}}}, *search(1), p); err == nil || !strings.Contains(err.Error(), "solver") {
		t.Errorf("a solver of another grid accepted: %v", err)
	}
	if _, err := m.SearchControl(ctx, Request{Cases: []Case{{U0: make([]float64, 12), Target: make([]float64, 12)}}}, diffusion.ParticleSearch{Method: diffusion.BestOfN, Steps: steps, Budget: 7}, d.Params); err == nil {
		t.Error("a best-of-n budget that is not a multiple of the steps was accepted")
	}
}

// requireSearchSelects checks an evaluation of the methods "one" and "four" (best-of-1 and best-of-4 with
// the same seed): no case failed, four particles never give a higher J than one, and they give a lower J in
// some case.
func requireSearchSelects(t *testing.T, rep *Report) {
	t.Helper()
	j := map[string][]float64{}
	for _, r := range rep.Results {
		if r.Error != "" {
			t.Fatalf("%s case %d failed: %s", r.Method, r.Case, r.Error)
		}
		j[r.Method] = append(j[r.Method], r.J)
	}
	better := 0
	for i := range j["one"] {
		if j["four"][i] > j["one"][i]+1e-12*math.Abs(j["one"][i]) {
			t.Errorf("case %d: J %v with 4 particles, %v with 1", i, j["four"][i], j["one"][i])
		}
		if j["four"][i] < j["one"][i] {
			better++
		}
	}
	if better == 0 {
		t.Error("4 particles improved no case: the search does not select")
	}
}

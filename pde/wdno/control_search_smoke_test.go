package wdno

import (
	"context"
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/diffusion"
)

// Searching smoke controls by the re-simulated J never loses to fewer particles (best-of-N's particle 0 is
// the one-particle search's sample), selects in some case, and is refused what it cannot score.
func TestSmokeControlSearchNeverLosesToFewerParticles(t *testing.T) {
	dir := t.TempDir()
	p := tinySmokeParams()
	data := writeSmoke(t, dir, "train.arrow", p, 12, 1)
	test := openData(t, writeSmoke(t, dir, "test.arrow", p, 4, 2))
	m, _ := trainTiny(t, tinySmokeConfig(dir, data, SpaceWavelet, "control", 4))
	ctx := context.Background()
	steps := 3
	search := func(k int) *diffusion.ParticleSearch {
		return &diffusion.ParticleSearch{Method: diffusion.BestOfN, Steps: steps, Budget: k * steps}
	}
	rep, err := Evaluate(ctx, test, []Method{{Name: "one", Model: m, Search: search(1)}, {Name: "four", Model: m, Search: search(4)}},
		EvalOptions{Task: Control, Request: Request{Seed: 7}, Batch: 3})
	if err != nil {
		t.Fatal(err)
	}
	requireSearchSelects(t, rep)
	for _, r := range rep.Results {
		if r.SmokeOut < 0 || r.SmokeOut > 1 {
			t.Errorf("%s case %d: smoke_out %v", r.Method, r.Case, r.SmokeOut)
		}
	}

	u, _, err := test.Fields(0, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	req := Request{Cases: []Case{{U0: u[:test.Cells*test.State]}}}
	if _, err := m.SearchSmokeControl(ctx, req, *search(1), test, []int{0, 1}); err == nil || !strings.Contains(err.Error(), "indices") {
		t.Errorf("two indices for one case: %v", err)
	}
	if _, err := m.SearchSmokeControl(ctx, req, *search(1), test, []int{4}); err == nil || !strings.Contains(err.Error(), "outside") {
		t.Errorf("an index past the data: %v", err)
	}
	burgers := openData(t, writeTinyData(t, dir, "burgers.arrow", 2, 1))
	if _, err := m.SearchSmokeControl(ctx, req, *search(1), burgers, []int{0}); err == nil {
		t.Error("a smoke search on Burgers data was accepted")
	}
}

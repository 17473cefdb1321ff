package wdno

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/train"
)

// Searching smoke controls by the re-simulated J never loses to fewer particles (best-of-N's particle 0 is
// the one-particle search's sample), selects in some case, and is refused what it cannot score.
func TestSmokeControlSearchNeverLosesToFewerParticles(t *testing.T) {
	dir := t.TempDir()
	p := tinySmokeParams()
	data := writeSmoke(t, dir, "train.arrow", p, 12, 1)
	test := openData(t, writeSmoke(t, dir, "test.arrow", p, 4, 2))
	c := Config{Out: filepath.Join(dir, "wavelet"), Task: "control", Data: DataConfig{Path: data}, Layout: LayoutConfig{Space: SpaceWavelet},
		Objective: train.ObjectiveConfig{Process: "vp-cosine"}, Train: train.DefaultOptions()}
	c.Network = nn.Spec{Arch: "mlp", MLP: &nn.MLPConfig{Dim: 42 * 8 * 8 * 8, Hidden: []int{16}, TimeDim: 8}}
	c.Train.Steps, c.Train.Batch, c.Train.LR, c.Train.Warmup, c.Train.CheckpointEvery = 4, 4, 1e-3, 1, 0
	m, _ := trainTiny(t, c)
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
	j := map[string][]float64{}
	for _, r := range rep.Results {
		if r.Error != "" {
			t.Fatalf("%s case %d failed: %s", r.Method, r.Case, r.Error)
		}
		if r.SmokeOut < 0 || r.SmokeOut > 1 {
			t.Errorf("%s case %d: smoke_out %v", r.Method, r.Case, r.SmokeOut)
		}
		j[r.Method] = append(j[r.Method], r.J)
	}
	better := 0
	for i := range j["one"] {
		if j["four"][i] > j["one"][i]+1e-12 {
			t.Errorf("case %d: J %v with 4 particles, %v with 1", i, j["four"][i], j["one"][i])
		}
		if j["four"][i] < j["one"][i] {
			better++
		}
	}
	if better == 0 {
		t.Error("4 particles improved no case: the search does not select")
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

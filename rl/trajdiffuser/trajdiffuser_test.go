package trajdiffuser_test

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/trajdiff/trajdiff/rl"
	"github.com/trajdiff/trajdiff/rl/planeval"
	td "github.com/trajdiff/trajdiff/rl/trajdiffuser"
)

func umaze() *rl.Layout { l, _ := rl.LayoutByName("umaze"); return l }

// A decision rolls the draft out to the horizon from the current state, refines Candidates copies with
// RefineSteps guided steps from the draft (no noise added), starts every candidate at the current state,
// values each candidate's action with the critic and picks by softmax(Q): u = 0 takes the first candidate
// and u just below 1 the last; the same seed repeats the decision.
func TestDecisionRefinesTheDraftAndPicksByTheCritic(t *testing.T) {
	ms := loadModels(t)
	p, err := td.New(ms, umaze(), td.Options{Return: 30, Guidance: 1.1, Candidates: 4})
	if err != nil {
		t.Fatal(err)
	}
	o := p.Options()
	if o.RefineSteps != 5 || o.Solver != "ddpm" || math.Abs(o.RefineTime-0.04) > 1e-3 || o.Temperature != 1 || o.ReplanEvery != 1 {
		t.Errorf("defaults %+v", o)
	}
	hist := [][4]float64{{3, 1, 0, 0}, {3.01, 1, 0.5, 0}}
	rets := []float64{30, 30.3}
	a, err := p.Plan(context.Background(), hist, rets, 5, 0)
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.Plan(context.Background(), hist, rets, 5, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Draft) != 8 || a.Draft[0] != hist[1] || a.DraftCalls != 7 || len(a.Candidates) != 4 || len(a.Values) != 4 || len(a.Actions) != 4 {
		t.Fatalf("draft %d states from %v (%d calls), %d candidates, %d values", len(a.Draft), a.Draft[0], a.DraftCalls, len(a.Candidates), len(a.Values))
	}
	if a.NFE != 10 || a.Steps != 5 || a.Return != 30.3 || a.Chosen != 0 {
		t.Errorf("NFE %d, steps %d, return %v, chosen %d", a.NFE, a.Steps, a.Return, a.Chosen)
	}
	differ := false
	for i, c := range a.Candidates {
		if c[0] != hist[1] {
			t.Errorf("candidate %d starts at %v", i, c[0])
		}
		differ = differ || c[3] != a.Candidates[0][3]
		for t2 := range c {
			if c[t2] != b.Candidates[i][t2] {
				t.Fatalf("the same seed refined candidate %d differently", i)
			}
		}
	}
	if !differ {
		t.Error("the ancestral refinement gave identical candidates")
	}
	last, err := p.Plan(context.Background(), hist, rets, 5, math.Nextafter(1, 0))
	if err != nil {
		t.Fatal(err)
	}
	if last.Chosen != 3 {
		t.Errorf("u just below 1 chose %d of 4", last.Chosen)
	}
}

// In closed loop the policy makes one decision per step and reports each plan.
func TestPolicyDecidesEveryStepInClosedLoop(t *testing.T) {
	ms := loadModels(t)
	p, err := td.New(ms, umaze(), td.Options{Return: 30, Candidates: 2, RefineSteps: 1})
	if err != nil {
		t.Fatal(err)
	}
	res, err := planeval.Evaluate(context.Background(), planeval.EvalConfig{Layout: "umaze", Episodes: 1, Seed: 2}, []planeval.Agent{p.Agent("td")})
	if err != nil {
		t.Fatal(err)
	}
	if s := res.Agents[0].Summary; s.Plans != 300 || s.NFEPerPlan != 1 {
		t.Errorf("%d plans, %v NFE per plan", s.Plans, s.NFEPerPlan)
	}
}

// Models in the wrong roles, bad options and bad states are refused before planning.
func TestBadModelsOptionsAndStatesAreRefused(t *testing.T) {
	ms := loadModels(t)
	swap := func(f func(*td.Models)) td.Models { c := ms; f(&c); return c }
	for name, tc := range map[string]struct {
		ms  td.Models
		opt td.Options
	}{
		"critic as draft":          {swap(func(m *td.Models) { m.Draft = ms.Critic }), td.Options{}},
		"draft as state model":     {swap(func(m *td.Models) { m.States = ms.Draft }), td.Options{}},
		"critic as inverse":        {swap(func(m *td.Models) { m.Inverse = ms.Critic }), td.Options{}},
		"inverse as critic":        {swap(func(m *td.Models) { m.Critic = ms.Inverse }), td.Options{}},
		"no critic":                {swap(func(m *td.Models) { m.Critic = nil }), td.Options{}},
		"negative return":          {ms, td.Options{Return: -1}},
		"refinement beyond T":      {ms, td.Options{RefineTime: 3}},
		"negative candidates":      {ms, td.Options{Candidates: -2}},
		"negative refine steps":    {ms, td.Options{RefineSteps: -1}},
		"negative temperature":     {ms, td.Options{Temperature: -1}},
		"NaN guidance":             {ms, td.Options{Guidance: math.NaN()}},
		"no clip of clipped model": {ms, td.Options{NoClip: true}},
	} {
		if _, err := td.New(tc.ms, umaze(), tc.opt); !errors.Is(err, td.ErrBadInput) {
			t.Errorf("%s: %v", name, err)
		}
	}
	large, _ := rl.LayoutByName("large")
	if _, err := td.New(ms, large, td.Options{}); !errors.Is(err, td.ErrBadInput) {
		t.Errorf("U-Maze models in Large: %v", err)
	}
	p, err := td.New(ms, umaze(), td.Options{Candidates: 2})
	if err != nil {
		t.Fatal(err)
	}
	for name, h := range map[string][][4]float64{"NaN": {{math.NaN(), 1, 0, 0}}, "in a wall": {{2, 1, 0, 0}}, "outside": {{9, 1, 0, 0}}} {
		if _, err := p.Plan(context.Background(), h, []float64{1}, 1, 0); !errors.Is(err, td.ErrBadInput) {
			t.Errorf("state %s: %v", name, err)
		}
	}
	if _, err := p.Plan(context.Background(), [][4]float64{{3, 1, 0, 0}}, nil, 1, 0); !errors.Is(err, td.ErrBadInput) {
		t.Errorf("history without returns: %v", err)
	}
}

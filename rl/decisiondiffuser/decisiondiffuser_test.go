package decisiondiffuser_test

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"sync"
	"testing"

	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/rl"
	dd "github.com/trajdiff/trajdiff/rl/decisiondiffuser"
	"github.com/trajdiff/trajdiff/rl/planeval"
	"github.com/trajdiff/trajdiff/train"
)

// models trains the tiny state and inverse-dynamics models once for all tests of the package.
var models = sync.OnceValues(func() ([2]string, error) {
	dir, err := tempDir()
	if err != nil {
		return [2]string{}, err
	}
	data, err := writeMaze(dir, "umaze")
	if err != nil {
		return [2]string{}, err
	}
	states, err := trainStates(dir, data, 30)
	if err != nil {
		return [2]string{}, err
	}
	inv, err := trainInverse(dir, data, 30)
	return [2]string{states, inv}, err
})

func load(t testing.TB) (*train.Model, *train.Model) {
	t.Helper()
	runs, err := models()
	if err != nil {
		t.Fatal(err)
	}
	m, err := train.Load(runs[0], train.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	inv, err := train.Load(runs[1], train.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return m, inv
}

func umaze() *rl.Layout { l, _ := rl.LayoutByName("umaze"); return l }

// A plan starts exactly at the observed state, repeats for a seed, costs two network passes per solver
// evaluation with guidance, and guidance changes it.
func TestPlansStartAtTheObservedStateAndGuidanceCostsTwoPasses(t *testing.T) {
	m, inv := load(t)
	s0 := [4]float64{3.02, 1.13, 0.4, -0.2}
	plan := func(w float64, seed uint64) *dd.Plan {
		p, err := dd.New(m, inv, umaze(), dd.Options{Steps: 3, Guidance: w, Return: 30})
		if err != nil {
			t.Fatal(err)
		}
		pl, err := p.Plan(context.Background(), s0, nil, seed)
		if err != nil {
			t.Fatal(err)
		}
		return pl
	}
	a, b, c := plan(1.2, 7), plan(1.2, 7), plan(0, 7)
	if a.Observations[0] != s0 || len(a.Observations) != 8 || a.Warm {
		t.Errorf("plan starts at %v (want %v), %d states, warm %v", a.Observations[0], s0, len(a.Observations), a.Warm)
	}
	for i := range a.Observations {
		if a.Observations[i] != b.Observations[i] {
			t.Fatalf("the same seed gave another plan at step %d", i)
		}
	}
	if a.NFE != 6 || c.NFE != 3 {
		t.Errorf("NFE %d with guidance and %d without, want 6 and 3", a.NFE, c.NFE)
	}
	same := true
	for i := range a.Observations {
		same = same && a.Observations[i] == c.Observations[i]
	}
	if same {
		t.Error("guidance w = 1.2 gave the plan of w = 0")
	}
}

// A warm-started plan (RTI) denoises the shifted previous plan with WarmSteps solver steps, keeps the
// observed state at step 0, and stays finite.
func TestWarmStartedPlansTakeWarmStepsFromTheShiftedPlan(t *testing.T) {
	m, inv := load(t)
	p, err := dd.New(m, inv, umaze(), dd.Options{Steps: 10, Guidance: 1.2, Return: 30, WarmTime: 0.1, WarmSteps: 2})
	if err != nil {
		t.Fatal(err)
	}
	s0 := [4]float64{3, 1, 0, 0}
	first, err := p.Plan(context.Background(), s0, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	s1 := first.Observations[1]
	next, err := p.Plan(context.Background(), s1, dd.Shift(first.Observations, 1), 2)
	if err != nil {
		t.Fatal(err)
	}
	if first.NFE != 20 || next.NFE != 4 || !next.Warm || first.Warm || next.Observations[0] != s1 {
		t.Errorf("first plan %d NFE (warm %v), warm plan %d NFE (warm %v), starts at %v want %v", first.NFE, first.Warm, next.NFE, next.Warm, next.Observations[0], s1)
	}
	for _, o := range next.Observations {
		for _, v := range o {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("warm plan has %v", o)
			}
		}
	}
	if _, err := p.Plan(context.Background(), s1, first.Observations[:3], 2); !errors.Is(err, dd.ErrBadInput) {
		t.Errorf("a warm start of 3 states: %v", err)
	}
}

// Shift advances a plan and repeats its last state (RTI-DP's shift).
func TestShiftAdvancesAndRepeatsTheLastState(t *testing.T) {
	s := [][4]float64{{0}, {1}, {2}, {3}}
	got := dd.Shift(s, 2)
	want := [][4]float64{{2}, {3}, {3}, {3}}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Shift = %v, want %v", got, want)
		}
	}
}

// In closed loop the policy replans every ReplanEvery steps (DD: every step) and reports each plan; warm
// starts cut the network passes per step.
func TestPolicyReplansEveryStepInClosedLoop(t *testing.T) {
	m, inv := load(t)
	cold, err := dd.New(m, inv, umaze(), dd.Options{Steps: 3, Guidance: 1.2, Return: 30})
	if err != nil {
		t.Fatal(err)
	}
	sparse, err := dd.New(m, nil, umaze(), dd.Options{Steps: 3, Return: 30, ReplanEvery: 4})
	if err != nil {
		t.Fatal(err)
	}
	warm, err := dd.New(m, inv, umaze(), dd.Options{Steps: 3, Guidance: 1.2, Return: 30, WarmTime: 0.05, WarmSteps: 1})
	if err != nil {
		t.Fatal(err)
	}
	res, err := planeval.Evaluate(context.Background(), planeval.EvalConfig{Layout: "umaze", Episodes: 1, Seed: 3},
		[]planeval.Agent{cold.Agent("dd"), sparse.Agent("dd-pd-4"), warm.Agent("dd-rti")})
	if err != nil {
		t.Fatal(err)
	}
	c, s, w := res.Agents[0].Summary, res.Agents[1].Summary, res.Agents[2].Summary
	if c.Plans != 300 || c.NFEPerPlan != 6 || s.Plans != 75 || s.NFEPerPlan != 3 || w.Plans != 300 {
		t.Errorf("plans %d / %d / %d, NFE per plan %v / %v", c.Plans, s.Plans, w.Plans, c.NFEPerPlan, s.NFEPerPlan)
	}
	if want := (6 + 299*2) / 300.0; math.Abs(w.NFEPerStep-want) > 1e-12 {
		t.Errorf("warm-started NFE per step %v, want %v", w.NFEPerStep, want)
	}
	if sparse.Options().Controller != dd.ControllerPD || cold.Options().Controller != dd.ControllerInverse {
		t.Errorf("default controllers %s / %s", sparse.Options().Controller, cold.Options().Controller)
	}
}

// Models of another kind, layout or maze, bad options and bad states are refused before planning.
func TestBadModelsOptionsAndStatesAreRefused(t *testing.T) {
	m, inv := load(t)
	l := umaze()
	for name, tc := range map[string]struct {
		m, inv *train.Model
		opt    dd.Options
	}{
		"inverse model as state model":   {inv, inv, dd.Options{}},
		"state model as inverse model":   {m, m, dd.Options{}},
		"inverse controller, no model":   {m, nil, dd.Options{Controller: dd.ControllerInverse}},
		"unknown controller":             {m, inv, dd.Options{Controller: "mpc"}},
		"negative guidance":              {m, inv, dd.Options{Guidance: -1}},
		"NaN return":                     {m, inv, dd.Options{Return: math.NaN()}},
		"warm start without steps":       {m, inv, dd.Options{WarmTime: 0.1}},
		"warm start beyond the process":  {m, inv, dd.Options{WarmTime: 5, WarmSteps: 1}},
		"negative replanning interval":   {m, inv, dd.Options{ReplanEvery: -1}},
		"no clipping of a clipped model": {m, inv, dd.Options{NoClip: true}},
	} {
		if _, err := dd.New(tc.m, tc.inv, l, tc.opt); !errors.Is(err, dd.ErrBadInput) {
			t.Errorf("%s: %v", name, err)
		}
	}
	large, _ := rl.LayoutByName("large")
	if _, err := dd.New(m, inv, large, dd.Options{}); !errors.Is(err, dd.ErrBadInput) {
		t.Errorf("a U-Maze model in Large: %v", err)
	}
	p, err := dd.New(m, inv, l, dd.Options{Steps: 2})
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string][4]float64{"NaN": {math.NaN(), 1, 0, 0}, "in a wall": {2, 1, 0, 0}, "outside": {-3, 1, 0, 0}} {
		if _, err := p.Plan(context.Background(), s, nil, 1); !errors.Is(err, dd.ErrBadInput) {
			t.Errorf("state %s: %v", name, err)
		}
	}
}

// Guidance needs a state model trained with condition dropout.
func TestGuidanceNeedsConditionDropout(t *testing.T) {
	dir := t.TempDir()
	data, err := writeMaze(dir, "umaze")
	if err != nil {
		t.Fatal(err)
	}
	cfg := train.Config{
		Out: filepath.Join(dir, "nodrop"),
		Data: train.DataConfig{Path: data, Horizon: 8, Columns: []string{"observations"}, Normalizer: "limits", NoPadding: true,
			Condition: []string{"returns"}, ReturnsScale: 40},
		Network:   nn.Spec{Arch: "mlp", MLP: &nn.MLPConfig{Dim: 32, Hidden: []int{16}, TimeDim: 8, CondDim: 1}},
		Objective: train.ObjectiveConfig{Process: "vp-cosine"},
		Train:     train.DefaultOptions(),
	}
	r, err := run(cfg, 2)
	if err != nil {
		t.Fatal(err)
	}
	m, err := train.Load(r, train.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dd.New(m, nil, umaze(), dd.Options{Guidance: 1.2}); !errors.Is(err, dd.ErrBadInput) {
		t.Errorf("guidance without condition dropout: %v", err)
	}
	if _, err := dd.New(m, nil, umaze(), dd.Options{}); err != nil {
		t.Errorf("no guidance: %v", err)
	}
}

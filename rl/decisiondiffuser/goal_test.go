package decisiondiffuser_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/rl"
	dd "github.com/trajdiff/trajdiff/rl/decisiondiffuser"
	"github.com/trajdiff/trajdiff/rl/planeval"
	"github.com/trajdiff/trajdiff/train"
)

var goalCondition = []string{"info:goal_return:0", "info:goal:0", "info:goal:1"}

// goalModel trains, once, a tiny states-only MLP conditioned on the goal-relative return and the goal, on
// data written with goal-relative returns.
var goalModel = sync.OnceValues(func() (string, error) {
	dir, err := tempDir()
	if err != nil {
		return "", err
	}
	data := filepath.Join(dir, "umaze-goal.arrow")
	if _, err := rl.WriteDataset(context.Background(), data, rl.WriteConfig{Recipe: rl.DatasetConfig{Layout: "umaze", Steps: 4000, ChunkSteps: 4000,
		Seed: 1, Segments: rl.SegmentsGoal, GoalReturns: true}}, datasets.WriteOptions{Overwrite: true}); err != nil {
		return "", err
	}
	cfg := train.Config{
		Out: filepath.Join(dir, "goal-states"),
		Data: train.DataConfig{Path: data, Horizon: 8, Columns: []string{"observations"}, Normalizer: "limits", NoPadding: true,
			Condition: goalCondition, Inpaint: []string{"0:0", "0:1", "0:2", "0:3"}},
		Network:   nn.Spec{Arch: "mlp", MLP: &nn.MLPConfig{Dim: 8 * 4, Hidden: []int{32, 32}, TimeDim: 8, CondDim: 3}},
		Objective: train.ObjectiveConfig{Process: "vp-cosine", Prediction: "eps"},
		Train:     train.DefaultOptions(),
		Sample:    train.SampleConfig{Solver: "dpmpp-2m", Steps: 4, ClipX0: true},
	}
	cfg.Train.CondDropout = 0.25
	return run(cfg, 30)
})

func loadGoal(t testing.TB) *train.Model {
	t.Helper()
	run, err := goalModel()
	if err != nil {
		t.Fatal(err)
	}
	m, err := train.Load(run, train.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// A goal-conditioned state model plans to any goal: the request carries (return, gx, gy), a different
// goal gives a different plan from the same noise, and a goal in a wall is refused; a model conditioned
// on the layout's returns plans only to the layout's goal.
func TestGoalConditionedPlansFollowTheGoalAndReturnsModelsKeepTheLayoutsGoal(t *testing.T) {
	m := loadGoal(t)
	if lo, hi, ok := m.CondValueRange(0); !ok || lo != 0 || !(hi > 1) {
		t.Fatalf("goal-return range [%v, %v] (ok %v), want [0, > 1]", lo, hi, ok)
	}
	var reqs []train.SampleRequest
	p, err := dd.New(m, nil, umaze(), dd.Options{Steps: 3, Guidance: 1.2, Return: 20, Sample: func(ctx context.Context, mm *train.Model, req train.SampleRequest) (*train.Samples, error) {
		reqs = append(reqs, req)
		return mm.Sample(ctx, req)
	}})
	if err != nil {
		t.Fatal(err)
	}
	if !p.GoalConditioned() {
		t.Fatal("a model conditioned on the goal-relative return and the goal is not goal-conditioned")
	}
	s0 := [4]float64{3.02, 1.13, 0.4, -0.2}
	a, err := p.PlanTo(context.Background(), s0, [2]float64{1, 3}, nil, 5)
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.PlanTo(context.Background(), s0, [2]float64{3, 3}, nil, 5)
	if err != nil {
		t.Fatal(err)
	}
	if got := reqs[0].CondValues; len(got) != 1 || len(got[0]) != 3 || got[0][0] != 20 || got[0][1] != 1 || got[0][2] != 3 {
		t.Fatalf("condition values %v, want [[20 1 3]]", got)
	}
	same := true
	for i := range a.Observations {
		same = same && a.Observations[i] == b.Observations[i]
	}
	if same {
		t.Error("plans to two goals from the same noise are identical")
	}
	if _, err := p.PlanTo(context.Background(), s0, [2]float64{2, 2}, nil, 5); !errors.Is(err, dd.ErrBadInput) {
		t.Errorf("a goal in a wall gave %v, want ErrBadInput", err)
	}

	v1, _ := load(t)
	q, err := dd.New(v1, nil, umaze(), dd.Options{Steps: 3, Return: 20})
	if err != nil {
		t.Fatal(err)
	}
	if q.GoalConditioned() {
		t.Fatal("a returns model reports goal conditioning")
	}
	if _, err := q.PlanTo(context.Background(), s0, [2]float64{1, 3}, nil, 5); !errors.Is(err, dd.ErrBadInput) {
		t.Errorf("a returns model planning to another goal gave %v, want ErrBadInput", err)
	}
	l := umaze()
	if _, err := q.PlanTo(context.Background(), s0, [2]float64{float64(l.Goal.W), float64(l.Goal.H)}, nil, 5); err != nil {
		t.Errorf("a returns model planning to the layout's goal: %v", err)
	}
}

// On Multi2D (a random goal per episode) the goal-conditioned planner runs closed loop, while a model
// whose returns name the layout's goal is refused rather than sent to the wrong goal.
func TestOnlyGoalConditionedModelsRunMulti2D(t *testing.T) {
	m := loadGoal(t)
	p, err := dd.New(m, nil, umaze(), dd.Options{Steps: 2, Return: 20, ReplanEvery: 5})
	if err != nil {
		t.Fatal(err)
	}
	cfg := planeval.EvalConfig{Layout: "umaze", Multi: true, Episodes: 2, Seed: 11}
	res, err := planeval.Evaluate(context.Background(), cfg, []planeval.Agent{p.Agent("dd-goal")})
	if err != nil {
		t.Fatal(err)
	}
	if s := res.Agents[0].Summary; s.Plans != 120 {
		t.Errorf("%d plans over 2 episodes of 300 steps replanning every 5, want 120", s.Plans)
	}
	v1, _ := load(t)
	q, err := dd.New(v1, nil, umaze(), dd.Options{Steps: 2, Return: 20, ReplanEvery: 5})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := planeval.Evaluate(context.Background(), cfg, []planeval.Agent{q.Agent("dd")}); !errors.Is(err, dd.ErrBadInput) {
		t.Errorf("a returns model on Multi2D gave %v, want ErrBadInput", err)
	}
}

// The default target return is Decision Diffuser's 0.9 of the returns scale for a model of the layout's
// returns, and 0.9 of the largest goal-relative return in the data for a goal-conditioned model.
func TestDefaultReturnIsNineTenthsOfTheLargestReturn(t *testing.T) {
	states, _ := load(t)
	if got, want := dd.DefaultReturn(states), 0.9*40; got != want {
		t.Errorf("returns model: default return %v, want 0.9 x returns_scale 40 = %v", got, want)
	}
	goal := loadGoal(t)
	_, hi, _ := goal.CondValueRange(0)
	if got, want := dd.DefaultReturn(goal), 0.9*hi; got != want || !(want > 0) {
		t.Errorf("goal-conditioned model: default return %v, want 0.9 x the largest goal return %v = %v", got, hi, want)
	}
}

package trajdiffuser_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/rl"
	"github.com/trajdiff/trajdiff/rl/planeval"
	td "github.com/trajdiff/trajdiff/rl/trajdiffuser"
	"github.com/trajdiff/trajdiff/train"
)

// goalRuns trains, once, the goal-conditioned draft, state model and critic on U-Maze data with
// goal-relative returns: the goal and its return are window columns (infos/goal, infos/goal_return).
var goalRuns = sync.OnceValues(func() (map[string]string, error) {
	data := filepath.Join(sharedDir, "umaze-goal.arrow")
	if _, err := rl.WriteDataset(context.Background(), data, rl.WriteConfig{Recipe: rl.DatasetConfig{Layout: "umaze", Steps: 4000, ChunkSteps: 4000,
		Seed: 1, Segments: rl.SegmentsGoal, GoalReturns: true}}, datasets.WriteOptions{Overwrite: true}); err != nil {
		return nil, err
	}
	win := func(h int, cols ...string) train.DataConfig {
		return train.DataConfig{Path: data, Horizon: h, Columns: cols, Normalizer: "limits", NoPadding: true}
	}
	draft := win(3, "observations", "infos/goal_return", "infos/goal")
	for k := range 2 {
		for c := range 7 {
			draft.Inputs = append(draft.Inputs, fmt.Sprintf("%d:%d", k, c))
		}
	}
	draft.Targets = []string{"2:0", "2:1", "2:2", "2:3", "2:4"}
	states := win(8, "observations")
	states.Condition, states.Inpaint = []string{"info:goal_return:0", "info:goal:0", "info:goal:1"}, []string{"0:0", "0:1", "0:2", "0:3"}
	critic := win(1, "actions", "observations", "infos/goal", "infos/goal_return")
	critic.Inputs, critic.Targets = []string{"0:0", "0:1", "0:2", "0:3", "0:4", "0:5", "0:6", "0:7"}, []string{"0:8"}
	cfgs := []train.Config{
		{Out: filepath.Join(sharedDir, "goal-draft"), Data: draft, Objective: train.ObjectiveConfig{Kind: "regression"},
			Network: nn.Spec{Arch: "seq_regressor", SeqRegressor: &nn.SeqRegressorConfig{Tokens: 2, TokenDim: 7, Out: 5, Width: 8, Depth: 1, Heads: 2}}},
		{Out: filepath.Join(sharedDir, "goal-states"), Data: states, Objective: train.ObjectiveConfig{Process: "vp-cosine", Prediction: "eps"},
			Network: nn.Spec{Arch: "mlp", MLP: &nn.MLPConfig{Dim: 32, Hidden: []int{32}, TimeDim: 8, CondDim: 3}},
			Sample:  train.SampleConfig{ClipX0: true}},
		{Out: filepath.Join(sharedDir, "goal-critic"), Data: critic, Objective: train.ObjectiveConfig{Kind: "regression"},
			Network: nn.Spec{Arch: "regressor", Regressor: &nn.RegressorConfig{In: 8, Out: 1, Hidden: []int{16}}}},
	}
	return trainAll(cfgs, map[string]string{})
})

func loadGoalModels(t testing.TB) td.Models {
	t.Helper()
	r, err := goalRuns()
	if err != nil {
		t.Fatal(err)
	}
	ms := loadModels(t)
	return td.Models{Draft: loadRun(t, r, "goal-draft"), States: loadRun(t, r, "goal-states"), Inverse: ms.Inverse, Critic: loadRun(t, r, "goal-critic")}
}

// Goal-conditioned draft, state model and critic plan to any goal: the goal changes the decision made
// from the same history and noise, they run Multi2D closed loop, a goal in a wall is refused, and mixing
// them with models of the layout's returns is refused.
func TestGoalConditionedModelsPlanToAnyGoal(t *testing.T) {
	ms := loadGoalModels(t)
	p, err := td.New(ms, umaze(), td.Options{Return: 20, Candidates: 3, RefineSteps: 2, RefineTime: 0.3})
	if err != nil {
		t.Fatal(err)
	}
	if !p.GoalConditioned() {
		t.Fatal("goal-conditioned models make a planner that is not goal-conditioned")
	}
	hist, rets := [][4]float64{{3, 1.1, 0, 0}, {3.02, 1.13, 0.4, -0.2}}, []float64{20, 20}
	a, err := p.PlanTo(context.Background(), [2]float64{1, 3}, hist, rets, 5, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.PlanTo(context.Background(), [2]float64{3, 3}, hist, rets, 5, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	if a.Draft[1] == b.Draft[1] || a.Values[0] == b.Values[0] {
		t.Errorf("the goal changes neither the draft (%v, %v) nor the critic (%v, %v)", a.Draft[1], b.Draft[1], a.Values[0], b.Values[0])
	}
	if _, err := p.PlanTo(context.Background(), [2]float64{2, 2}, hist, rets, 5, 0.5); !errors.Is(err, td.ErrBadInput) {
		t.Errorf("a goal in a wall gave %v, want ErrBadInput", err)
	}
	cheap, err := td.New(ms, umaze(), td.Options{Return: 20, Candidates: 1, RefineSteps: 1, ReplanEvery: 4})
	if err != nil {
		t.Fatal(err)
	}
	res, err := planeval.Evaluate(context.Background(), planeval.EvalConfig{Layout: "umaze", Multi: true, Episodes: 1, Seed: 2},
		[]planeval.Agent{cheap.Agent("td-goal")})
	if err != nil {
		t.Fatal(err)
	}
	if s := res.Agents[0].Summary; s.Plans != 75 {
		t.Errorf("%d decisions in 300 steps replanning every 4, want 75", s.Plans)
	}
	if _, err := planeval.Evaluate(context.Background(), planeval.EvalConfig{Layout: "umaze", Multi: true, Episodes: 1, Seed: 2},
		[]planeval.Agent{mustNew(t, loadModels(t)).Agent("td")}); !errors.Is(err, td.ErrBadInput) {
		t.Errorf("models of the layout's returns on Multi2D gave %v, want ErrBadInput", err)
	}

	v1 := loadModels(t)
	for name, mixed := range map[string]td.Models{
		"v1 draft":        {Draft: v1.Draft, States: ms.States, Inverse: ms.Inverse, Critic: ms.Critic},
		"v1 state model":  {Draft: ms.Draft, States: v1.States, Inverse: ms.Inverse, Critic: ms.Critic},
		"v1 critic":       {Draft: ms.Draft, States: ms.States, Inverse: ms.Inverse, Critic: v1.Critic},
		"goal state only": {Draft: v1.Draft, States: ms.States, Inverse: v1.Inverse, Critic: v1.Critic},
	} {
		if _, err := td.New(mixed, umaze(), td.Options{Return: 20}); !errors.Is(err, td.ErrBadInput) {
			t.Errorf("%s: %v, want ErrBadInput", name, err)
		}
	}
	if _, err := mustNew(t, v1).PlanTo(context.Background(), [2]float64{1, 3}, hist, rets, 5, 0.5); !errors.Is(err, td.ErrBadInput) {
		t.Errorf("v1 models planning to another goal gave %v, want ErrBadInput", err)
	}
}

func mustNew(t testing.TB, ms td.Models) *td.Planner {
	t.Helper()
	p, err := td.New(ms, umaze(), td.Options{Return: 20, Candidates: 2, RefineSteps: 1})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

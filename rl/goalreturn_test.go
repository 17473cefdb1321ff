package rl_test

import (
	"context"
	"math"
	"path/filepath"
	"testing"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/rl"
)

// goalReturnByDefinition is G_t summed term by term from its definition.
func goalReturnByDefinition(ep *rl.Episode, t int, discount float64) float64 {
	gx, gy := ep.Goals[2*t], ep.Goals[2*t+1]
	g := 0.0
	for k := 0; t+k < ep.Len(); k++ {
		if math.Hypot(ep.Observations[4*(t+k)]-gx, ep.Observations[4*(t+k)+1]-gy) <= rl.GoalRadius {
			g += math.Pow(discount, float64(k))
		}
	}
	return g
}

// G_t counts the discounted steps near the goal held at step t, also after the controller has moved on
// to other targets; an agent that sits on its goal throughout has the geometric sum (1 - d^(T-t)) / (1 - d).
func TestGoalReturnsCountTheStepsNearTheGoalHeldAtEachStep(t *testing.T) {
	// Goals: A for steps 0-2, B for 3-4, A again for 5-6; positions visit A, B, A.
	A, B := [2]float64{1, 1}, [2]float64{3, 1}
	goals := [][2]float64{A, A, A, B, B, A, A}
	pos := [][2]float64{{2, 1}, {1.2, 1}, {1, 1.3}, {2.2, 1}, {3, 1.4}, {2.6, 1}, {1.1, 1}}
	ep := &rl.Episode{Rewards: make([]float64, len(goals))}
	for i := range goals {
		ep.Goals = append(ep.Goals, goals[i][0], goals[i][1])
		ep.Observations = append(ep.Observations, pos[i][0], pos[i][1], 0, 0)
	}
	got := rl.GoalReturns(ep, 0.9)
	for i := range got {
		if want := goalReturnByDefinition(ep, i, 0.9); math.Abs(got[i]-want) > 1e-12 {
			t.Errorf("G_%d = %v, want %v", i, got[i], want)
		}
	}
	// Step 0 (goal A): near A at steps 1, 2 and 6: 0.9 + 0.81 + 0.9^6.
	if want := 0.9 + 0.81 + math.Pow(0.9, 6); math.Abs(got[0]-want) > 1e-12 {
		t.Errorf("G_0 = %v, want %v", got[0], want)
	}
	sit := &rl.Episode{Rewards: make([]float64, 50)}
	for range 50 {
		sit.Goals = append(sit.Goals, 2, 3)
		sit.Observations = append(sit.Observations, 2.1, 3, 0, 0)
	}
	for i, g := range rl.GoalReturns(sit, 0.99) {
		if want := (1 - math.Pow(0.99, float64(50-i))) / (1 - 0.99); math.Abs(g-want) > 1e-9 {
			t.Fatalf("sitting on the goal: G_%d = %v, want %v", i, g, want)
		}
	}
}

// With GoalReturns the written file adds infos/goal_return, the goal-relative returns of each episode
// of the recipe; the other columns are those of the file written without it.
func TestWrittenGoalReturnsAreTheEpisodesGoalRelativeReturns(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	recipe := rl.DatasetConfig{Layout: "umaze", Steps: 3000, ChunkSteps: 3000, Seed: 2, Segments: rl.SegmentsGoal, GoalReturns: true}
	path := filepath.Join(dir, "goal.arrow")
	if _, err := rl.WriteDataset(ctx, path, rl.WriteConfig{Recipe: recipe}, datasets.WriteOptions{DType: datasets.Float64}); err != nil {
		t.Fatal(err)
	}
	var eps []*rl.Episode
	if err := rl.GenerateDataset(ctx, recipe, func(ep *rl.Episode) error { eps = append(eps, ep); return nil }); err != nil {
		t.Fatal(err)
	}
	d, err := datasets.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if d.Len() != len(eps) {
		t.Fatalf("%d episodes written, %d generated", d.Len(), len(eps))
	}
	largest := 0.0
	for e, ep := range eps {
		got, err := d.Episode(e)
		if err != nil {
			t.Fatal(err)
		}
		col, ok := got.Infos[rl.GoalReturnInfo]
		if !ok || col.Len() != ep.Len() {
			t.Fatalf("episode %d: infos/%s missing or of the wrong length", e, rl.GoalReturnInfo)
		}
		for i, want := range rl.GoalReturns(ep, rl.GoalReturnDiscount) {
			if col.At(i) != want {
				t.Fatalf("episode %d step %d: stored %v, want %v", e, i, col.At(i), want)
			}
			largest = max(largest, want)
		}
	}
	if largest <= 1 {
		t.Errorf("the largest goal-relative return is %v: the controller never stayed near its target", largest)
	}
}

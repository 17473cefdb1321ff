package rl

import (
	"math"
	"slices"
	"testing"
)

// Diffuser's re-cut changes only where episodes end: the same steps in the same order, every segment but a
// chunk's last ending at a step inside the goal whose successor is outside, and no such exit inside a
// segment.
func TestGoalSegmentsRecutTheSameSteps(t *testing.T) {
	base := DatasetConfig{Layout: "umaze", Steps: 30000, ChunkSteps: 10000, Seed: 3}
	goal := base
	goal.Segments = SegmentsGoal
	concat := func(eps []*Episode) (obs, act []float64) {
		for _, e := range eps {
			obs = append(obs, e.Observations...)
			act = append(act, e.Actions...)
		}
		return
	}
	l, err := LayoutByName("umaze")
	if err != nil {
		t.Fatal(err)
	}
	gx, gy := float64(l.Goal.W), float64(l.Goal.H)
	inside := func(o []float64, i int) bool { return math.Hypot(o[4*i]-gx, o[4*i+1]-gy) <= GoalRadius }
	longest := 0
	for k := range 3 {
		a, err := SimulateChunk(base, k)
		if err != nil {
			t.Fatal(err)
		}
		b, err := SimulateChunk(goal, k)
		if err != nil {
			t.Fatal(err)
		}
		oa, aa := concat(a)
		ob, ab := concat(b)
		if !slices.Equal(oa, ob) || !slices.Equal(aa, ab) {
			t.Fatalf("chunk %d: the re-cut changed the steps", k)
		}
		if len(b) < 5 {
			t.Fatalf("chunk %d: only %d goal segments in 10000 steps", k, len(b))
		}
		for j, e := range b {
			T := e.Len()
			longest = max(longest, T)
			for i := 0; i+1 < T; i++ {
				if inside(e.Observations, i) && !inside(e.Observations, i+1) {
					t.Fatalf("chunk %d segment %d: the agent leaves the goal at step %d of %d without a cut", k, j, i, T)
				}
			}
			if j == len(b)-1 {
				if e.Solved {
					t.Errorf("chunk %d: the last segment, cut by the chunk's end, is marked as leaving the goal", k)
				}
				continue
			}
			next := b[j+1]
			if !e.Solved || !inside(e.Observations, T-1) || inside(next.Observations, 0) {
				t.Errorf("chunk %d segment %d does not end by leaving the goal", k, j)
			}
		}
	}
	// The point of the re-cut: segments long enough for Diffuser's U-Maze horizon of 128.
	if longest < 128 {
		t.Errorf("longest goal segment %d steps, want >= 128", longest)
	}
	bad := base
	bad.Segments = "episodes"
	if _, err := SimulateChunk(bad, 0); err == nil {
		t.Error("an unknown segmentation was accepted")
	}
}

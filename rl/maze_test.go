package rl

import (
	"math"
	"slices"
	"testing"
)

func TestLayouts(t *testing.T) {
	want := map[string]struct {
		w, h, cells int
		goal        Cell
	}{"umaze": {5, 5, 7, Cell{1, 1}}, "medium": {8, 8, 26, Cell{6, 6}}, "large": {9, 12, 46, Cell{7, 9}}}
	for _, name := range LayoutNames() {
		l, err := LayoutByName(name)
		if err != nil {
			t.Fatal(err)
		}
		w := want[name]
		cells := l.ResetCells()
		if l.Width() != w.w || l.Height() != w.h || l.Goal != w.goal || len(cells) != w.cells || cells[len(cells)-1] != l.Goal {
			t.Errorf("%s: %dx%d, goal %v, %d reset cells ending %v", name, l.Width(), l.Height(), l.Goal, len(cells), cells[len(cells)-1])
		}
		if math.Abs(l.NormalizedScore(l.RefMinScore)) > 1e-12 || math.Abs(l.NormalizedScore(l.RefMaxScore)-100) > 1e-12 {
			t.Errorf("%s: normalisation does not map the references to 0 and 100", name)
		}
		for _, c := range cells {
			if l.Wall(c.W, c.H) {
				t.Errorf("%s: reset cell %v is a wall", name, c)
			}
		}
	}
	if _, err := LayoutByName("open"); err == nil {
		t.Error("unknown layout accepted")
	}
	if math.Abs(Mass-4.18879020478639) > 1e-12 {
		t.Errorf("mass %v", Mass)
	}
}

// TestFreeFlightMatchesClosedForm: away from walls, one step is v' = v + h (100 u - v)/(m + h),
// x' = x + h v', after clipping v to +-5; e.g. full throttle from rest converges to the velocity clip.
func TestFreeFlightMatchesClosedForm(t *testing.T) {
	m, _ := NewMaze(MazeConfig{Layout: "large", MaxEpisodeSteps: -1})
	// Cell (3, 3) to (3, 6) is an open corridor along y.
	if err := m.SetState(3, 3, 0.3, 4.9); err != nil {
		t.Fatal(err)
	}
	obs := make([]float64, 4)
	if _, err := m.Step([]float64{-0.4, 2}, obs); err != nil { // action clipped to (-0.4, 1)
		t.Fatal(err)
	}
	vx := 0.3 + 0.01*(100*-0.4-0.3)/(Mass+0.01)
	vy := 4.9 + 0.01*(100*1-4.9)/(Mass+0.01)
	want := []float64{3 + 0.01*vx, 3 + 0.01*vy, vx, vy}
	for k := range want {
		if math.Abs(obs[k]-want[k]) > 1e-15 {
			t.Errorf("component %d: %v, want %v", k, obs[k], want[k])
		}
	}
	if _, err := m.Step([]float64{0, 1}, obs); err != nil {
		t.Fatal(err)
	}
	vy2 := 5 + 0.01*(100-5)/(Mass+0.01) // v was 5.13 > 5: clipped first
	if math.Abs(obs[3]-vy2) > 1e-15 {
		t.Errorf("velocity clip: vy = %v, want %v", obs[3], vy2)
	}
}

func TestMazeEpisodeAPI(t *testing.T) {
	m, err := NewMaze(MazeConfig{Layout: "umaze"})
	if err != nil {
		t.Fatal(err)
	}
	obs := make([]float64, 4)
	if _, err := m.Step([]float64{0, 0}, obs); err == nil {
		t.Error("step before reset accepted")
	}
	if err := m.Reset(5, obs); err != nil {
		t.Fatal(err)
	}
	first := slices.Clone(obs)
	other := make([]float64, 4)
	m2, _ := NewMaze(MazeConfig{Layout: "umaze"})
	if err := m2.Reset(5, other); err != nil || !slices.Equal(first, other) {
		t.Errorf("reset is not a function of the seed: %v vs %v", first, other)
	}
	if err := m2.Reset(6, other); err != nil || slices.Equal(first, other) {
		t.Error("different seeds give the same reset")
	}
	if tx, ty := m.Target(); tx != 1 || ty != 1 {
		t.Errorf("v1 target (%v, %v), want the goal cell (1, 1)", tx, ty)
	}
	// Reset positions are a reset cell +- 0.1.
	cells := m.layout.ResetCells()
	ok := false
	for _, c := range cells {
		ok = ok || math.Abs(first[0]-float64(c.W)) <= 0.1 && math.Abs(first[1]-float64(c.H)) <= 0.1
	}
	if !ok {
		t.Errorf("reset position %v is not near a reset cell", first[:2])
	}
	var tr Transition
	for s := 0; s < 300; s++ {
		if tr, err = m.Step([]float64{0.1, -0.1}, obs); err != nil {
			t.Fatal(err)
		}
		if tr.Truncated != (s == 299) || tr.Terminated {
			t.Fatalf("step %d: %+v", s, tr)
		}
	}
	if _, err := m.Step([]float64{0, 0}, obs); err == nil {
		t.Error("step past the time limit accepted")
	}
	if err := m.Reset(1, obs); err != nil {
		t.Fatal(err)
	}
	for _, bad := range [][]float64{{math.NaN(), 0}, {0}, {0, math.Inf(1)}} {
		if _, err := m.Step(bad, obs); err == nil {
			t.Errorf("action %v accepted", bad)
		}
	}
	if _, err := m.Step([]float64{0, 0}, obs[:3]); err == nil {
		t.Error("short observation buffer accepted")
	}
	if err := m.SetState(2, 2, 0, 0); err == nil {
		t.Error("particle inside wall cell (2, 2) accepted")
	}
	if err := m.SetState(1.25, 1, 0, 0); err == nil { // 0.05 from wall (2, 1), whose face is at x = 1.3
		t.Error("overlapping particle accepted")
	}
	// Rewards at the new position: sparse within 0.5 (the particle stays put), dense exp(-d).
	for _, c := range []struct{ y, want float64 }{{1.45, 1}, {1.55, 0}} {
		if err := m.SetState(1, c.y, 0, 0); err != nil {
			t.Fatal(err)
		}
		if tr, _ := m.Step([]float64{0, 0}, obs); tr.Reward != c.want {
			t.Errorf("sparse reward %v at distance %v", tr.Reward, math.Hypot(obs[0]-1, obs[1]-1))
		}
	}
	d, _ := NewMaze(MazeConfig{Layout: "umaze", Reward: DenseReward, ResetTarget: true})
	if err := d.Reset(3, obs); err != nil {
		t.Fatal(err)
	}
	tx, ty := d.Target()
	if tx == 1 && ty == 1 {
		t.Error("ResetTarget kept the goal")
	}
	tr, _ = d.Step([]float64{0, 0}, obs)
	if want := math.Exp(-math.Hypot(obs[0]-tx, obs[1]-ty)); math.Abs(tr.Reward-want) > 1e-15 {
		t.Errorf("dense reward %v, want %v", tr.Reward, want)
	}
}

// TestVecMatchesSingleEnvironments: stepping N mazes through Vec (blocks on several goroutines) gives
// exactly the trajectories of stepping each alone.
func TestVecMatchesSingleEnvironments(t *testing.T) {
	const n, steps = 600, 50
	v, err := NewVecMaze(MazeConfig{Layout: "medium"}, n, 3)
	if err != nil {
		t.Fatal(err)
	}
	seeds := make([]uint64, n)
	for i := range seeds {
		seeds[i] = uint64(1000 + i)
	}
	obs := make([]float64, 4*n)
	if err := v.Reset(seeds, obs); err != nil {
		t.Fatal(err)
	}
	acts := make([]float64, 2*n)
	tr := make([]Transition, n)
	rng := StreamRNG(1, "vec", 0)
	all := make([][]float64, steps)
	actLog := make([][]float64, steps)
	for s := 0; s < steps; s++ {
		for i := range acts {
			acts[i] = 2*rng.Float64() - 1
		}
		if err := v.Step(acts, obs, tr); err != nil {
			t.Fatal(err)
		}
		all[s], actLog[s] = slices.Clone(obs), slices.Clone(acts)
	}
	for _, i := range []int{0, 17, 299, 599} {
		m, _ := NewMaze(MazeConfig{Layout: "medium"})
		o := make([]float64, 4)
		if err := m.Reset(seeds[i], o); err != nil {
			t.Fatal(err)
		}
		for s := 0; s < steps; s++ {
			if _, err := m.Step(actLog[s][2*i:2*i+2], o); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(o, all[s][4*i:4*i+4]) {
				t.Fatalf("env %d step %d: %v alone, %v in the vector", i, s, o, all[s][4*i:4*i+4])
			}
		}
	}
	if err := v.ResetAt(3, 7, obs); err != nil {
		t.Fatal(err)
	}
	if err := v.Step(acts[:10], obs, tr); err == nil {
		t.Error("short action slice accepted")
	}
	acts[5] = math.NaN()
	if err := v.Step(acts, obs, tr); err == nil {
		t.Error("NaN action accepted")
	}
	if _, err := NewVec(nil, 1); err == nil {
		t.Error("empty vec accepted")
	}
}

package rl

import (
	"math"
	"testing"
)

// TestWallsAreNeverCrossed is a property test: in every layout, particles driven by random actions
// (fresh uniform actions every step, actions held for many steps so the particle rams and slides
// along walls at full speed, and bang-bang actions aimed at corners) never overlap a wall: the
// distance from the centre to every wall box stays >= Radius - 1e-9 after every step. The speed is
// also checked against the clip: |v| <= sqrt 2 (MaxSpeed + h Gear/Mass) (contacts only remove
// velocity, though at a rounded corner they can move it between the axes).
func TestWallsAreNeverCrossed(t *testing.T) {
	const envs, steps = 24, 4000
	vmax := MaxSpeed + TimeStep*Gear/Mass
	for _, name := range LayoutNames() {
		minClear, contacts := math.Inf(1), 0
		for e := 0; e < envs; e++ {
			m, err := NewMaze(MazeConfig{Layout: name, MaxEpisodeSteps: -1})
			if err != nil {
				t.Fatal(err)
			}
			obs := make([]float64, 4)
			if err := m.Reset(uint64(e), obs); err != nil {
				t.Fatal(err)
			}
			rng := StreamRNG(uint64(e), "walls/"+name, 0)
			act := []float64{0, 0}
			for s := 0; s < steps; s++ {
				switch e % 3 {
				case 0: // i.i.d. uniform, slightly beyond the bounds (clipped)
					act[0], act[1] = 2.4*rng.Float64()-1.2, 2.4*rng.Float64()-1.2
				case 1: // held for 50 steps
					if s%50 == 0 {
						act[0], act[1] = 2*rng.Float64()-1, 2*rng.Float64()-1
					}
				case 2: // bang-bang diagonals, switching every 37 steps
					if s%37 == 0 {
						act[0], act[1] = float64(2*rng.IntN(2)-1), float64(2*rng.IntN(2)-1)
					}
				}
				if _, err := m.Step(act, obs); err != nil {
					t.Fatal(err)
				}
				c := m.col.clearance(obs[0], obs[1])
				minClear = math.Min(minClear, c)
				if c < 1e-6 {
					contacts++
				}
				if c < -1e-9 {
					t.Fatalf("%s env %d step %d: particle at (%v, %v) overlaps a wall by %.3g", name, e, s, obs[0], obs[1], -c)
				}
				if math.Hypot(obs[2], obs[3]) > math.Sqrt2*vmax+1e-12 {
					t.Fatalf("%s env %d step %d: velocity (%v, %v) beyond %v", name, e, s, obs[2], obs[3], vmax)
				}
			}
		}
		t.Logf("%s: %d steps, minimum clearance %.3g, %d steps in contact", name, envs*steps, minClear, contacts)
		if contacts < envs*steps/20 {
			t.Errorf("%s: only %d contact steps: the walls were not exercised", name, contacts)
		}
	}
}

// TestContactIsInelasticAndFrictionless drives the particle straight into a wall and along it: the
// normal velocity vanishes at contact, the tangential motion is unaffected by the wall.
func TestContactIsInelasticAndFrictionless(t *testing.T) {
	m, err := NewMaze(MazeConfig{Layout: "umaze", MaxEpisodeSteps: -1})
	if err != nil {
		t.Fatal(err)
	}
	// Cell (3, 2) has the wall row 4 below it in x: its face is at x = 4 - 0.7 = 3.3, so the centre
	// stops at 3.2.
	if err := m.SetState(3.0, 2.0, 0, 0); err != nil {
		t.Fatal(err)
	}
	obs := make([]float64, 4)
	for s := 0; s < 100; s++ {
		if _, err := m.Step([]float64{1, 0}, obs); err != nil {
			t.Fatal(err)
		}
	}
	if math.Abs(obs[0]-3.2) > 1e-8 || obs[2] != 0 || obs[1] != 2 {
		t.Errorf("pressed into the wall: state %v, want x = 3.2, vx = 0", obs)
	}
	free, err := NewMaze(MazeConfig{Layout: "umaze", MaxEpisodeSteps: -1})
	if err != nil {
		t.Fatal(err)
	}
	fobs := make([]float64, 4)
	if err := free.SetState(3.0, 2.0, 0, 0); err != nil {
		t.Fatal(err)
	}
	for s := 0; s < 10; s++ { // the same tangential push, no wall contact
		if _, err := m.Step([]float64{1, 0.3}, obs); err != nil {
			t.Fatal(err)
		}
		if _, err := free.Step([]float64{0, 0.3}, fobs); err != nil {
			t.Fatal(err)
		}
	}
	if math.Abs(obs[3]-fobs[3]) > 1e-12 || math.Abs((obs[1]-2)-(fobs[1]-2)) > 1e-12 {
		t.Errorf("sliding along the wall changed the tangential motion: %v vs free %v", obs, fobs)
	}
}

// InWall agrees with the wall boxes of the layout: cell (w, h) covers [w-0.7, w+0.3) x [h-0.7, h+0.3);
// points outside the grid and NaN count as walls.
func TestInWallMatchesTheWallBoxes(t *testing.T) {
	l, err := LayoutByName("umaze")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		x, y float64
		want bool
	}{
		{1, 1, false}, {1, 3, false}, {3, 1, false}, {2, 1, true}, {2, 3, false}, {0, 0, true},
		{1.29, 1, false}, {1.31, 1, true}, {-0.71, 1, true}, {10, 1, true}, {math.NaN(), 1, true},
	} {
		if got := l.InWall(tc.x, tc.y); got != tc.want {
			t.Errorf("InWall(%v, %v) = %v, want %v", tc.x, tc.y, got, tc.want)
		}
	}
	if c, ok := l.CellAt(1.29, 0.31); !ok || c != (Cell{1, 1}) {
		t.Errorf("CellAt(1.29, 0.31) = %v, %v; want (1, 1)", c, ok)
	}
}

// CheckState refuses non-finite states, positions outside the grid and positions inside a wall, and accepts
// a free cell's centre.
func TestCheckStateRefusesWallsOutsideAndNaN(t *testing.T) {
	l, _ := LayoutByName("umaze")
	if err := l.CheckState("start", []float64{3, 1, 0, 0}); err != nil {
		t.Errorf("free cell: %v", err)
	}
	for name, s := range map[string][]float64{"NaN": {3, 1, math.NaN(), 0}, "wall": {2, 1}, "outside": {-3, 1}, "no position": {3}} {
		if err := l.CheckState("start", s); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

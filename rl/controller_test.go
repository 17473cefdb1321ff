package rl

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
)

// TestControllerReachesRandomGoals: from random D4RL reset states, the waypoint controller reaches
// random D4RL targets (the centre of the target's cell within 0.1) within the layout's time limit,
// for every start/target pair tried.
func TestControllerReachesRandomGoals(t *testing.T) {
	for _, name := range LayoutNames() {
		m, err := NewMaze(MazeConfig{Layout: name, MaxEpisodeSteps: -1})
		if err != nil {
			t.Fatal(err)
		}
		limit := m.layout.MaxEpisodeSteps
		const trials = 60
		longest, total := 0, 0
		obs := make([]float64, 4)
		for i := 0; i < trials; i++ {
			rng := StreamRNG(uint64(i), "controller/"+name, 0)
			if err := m.Reset(uint64(i), obs); err != nil {
				t.Fatal(err)
			}
			tx, ty := m.SampleCellPoint(rng)
			m.SetTarget(tx, ty)
			ctrl := NewWaypointController(m.layout, rng)
			reached := -1
			for s := 0; s <= limit; s++ {
				a, solved := ctrl.Action([2]float64{obs[0], obs[1]}, [2]float64{obs[2], obs[3]}, [2]float64{tx, ty})
				if solved {
					reached = s
					break
				}
				if _, err := m.Step(a[:], obs); err != nil {
					t.Fatal(err)
				}
			}
			if reached < 0 {
				t.Errorf("%s trial %d: target (%.2f, %.2f) not reached in %d steps; stuck at %v", name, i, tx, ty, limit, obs)
				continue
			}
			cell := gridify(tx, ty)
			if d := math.Hypot(obs[0]-float64(cell.W), obs[1]-float64(cell.H)); d >= 0.1 {
				t.Errorf("%s trial %d: solved %.3f from the target cell's centre", name, i, d)
			}
			longest = max(longest, reached)
			total += reached
		}
		t.Logf("%s: %d random goals reached, mean %.1f steps, longest %d (limit %d)", name, trials, float64(total)/trials, longest, limit)
	}
}

// TestPlansReachEveryCell: 50 sweeps of Q-iteration see every free cell (the longest shortest path
// is below 50), and the greedy plan is a shortest path of adjacent free cells.
func TestPlansReachEveryCell(t *testing.T) {
	for _, name := range LayoutNames() {
		l, _ := LayoutByName(name)
		p := newGridPlanner(l)
		cells := l.ResetCells()
		for _, target := range cells {
			p.solve(target)
			dist := bfs(l, target)
			for _, start := range cells {
				path := p.greedyPath(start, target)
				want := dist[start]
				if start == target {
					want = 1 // a NOOP onto the target
				}
				if len(path) != want || path[len(path)-1] != target {
					t.Fatalf("%s %v -> %v: plan %v of %d moves, shortest %d", name, start, target, path, len(path), dist[start])
				}
				prev := start
				for _, c := range path {
					if l.Wall(c.W, c.H) || abs(c.W-prev.W)+abs(c.H-prev.H) > 1 {
						t.Fatalf("%s: plan %v leaves the free cells", name, path)
					}
					prev = c
				}
			}
		}
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func bfs(l *Layout, from Cell) map[Cell]int {
	d := map[Cell]int{from: 0}
	q := []Cell{from}
	for len(q) > 0 {
		c := q[0]
		q = q[1:]
		for a := actUp; a <= actRight; a++ {
			dw, dh := gridMove(a)
			n := Cell{c.W + dw, c.H + dh}
			if _, seen := d[n]; !seen && !l.Wall(n.W, n.H) {
				d[n] = d[c] + 1
				q = append(q, n)
			}
		}
	}
	return d
}

// TestReproducesD4RLReferenceScores checks the dynamics against D4RL's published reference returns
// (d4rl/infos.py), which were measured in MuJoCo on the v1 environments (sparse reward, fixed goal):
//
//   - REF_MIN: uniformly random actions, 100 episodes;
//   - REF_MAX: scripts/reference_scores/maze2d_controller.py, which creates one waypoint controller and
//     reuses it for all 100 episodes. Because the target never changes it never replans after the
//     first episode and later episodes steer straight at the goal, often into walls (D4RL issues #159
//     and #215), which makes this number depend strongly on how the point mass moves along walls.
//
// Both protocols are run here with 1000 episodes; each mean must agree with D4RL's within four
// standard errors of the difference (D4RL's standard error estimated from our per-episode spread
// with its 100 episodes). A correct expert (a fresh controller per episode) scores far higher; its
// returns are logged for the record (docs/benchmarks-geometry-rl.md).
func TestReproducesD4RLReferenceScores(t *testing.T) {
	const episodes = 1000
	for _, name := range LayoutNames() {
		cfg := MazeConfig{Layout: name}
		l, _ := LayoutByName(name)
		random, err := EvaluateMaze(context.Background(), cfg, episodes, 1, 0, func(m *Maze, rng *rand.Rand) Policy {
			return NewRandomPolicy(m.ActionSpec(), rng)
		})
		if err != nil {
			t.Fatal(err)
		}
		reused := reusedControllerReturns(t, name, episodes)
		expert, err := EvaluateMaze(context.Background(), cfg, 200, 1, 0, func(m *Maze, rng *rand.Rand) Policy {
			return NewControllerPolicy(m, rng)
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: random %.2f +- %.2f (D4RL %.2f), reused controller %.2f +- %.2f (D4RL %.2f), fresh controller %.2f +- %.2f (normalised %.1f)",
			name, random.Mean, random.StdErr, l.RefMinScore, reused.Mean, reused.StdErr, l.RefMaxScore, expert.Mean, expert.StdErr, expert.Normalized)
		for _, c := range []struct {
			what string
			ev   Evaluation
			ref  float64
		}{{"random", random, l.RefMinScore}, {"reused controller", reused, l.RefMaxScore}} {
			sd := c.ev.StdErr * math.Sqrt(episodes)
			se := math.Sqrt(c.ev.StdErr*c.ev.StdErr + sd*sd/100)
			if z := (c.ev.Mean - c.ref) / se; math.Abs(z) > 4 {
				t.Errorf("%s %s: mean return %.2f vs D4RL's %.2f is %.1f standard errors off", name, c.what, c.ev.Mean, c.ref, z)
			}
		}
		if expert.Normalized < 100 {
			t.Errorf("%s: a fresh controller per episode scores %.1f, below D4RL's reference expert", name, expert.Normalized)
		}
	}
}

// reusedControllerReturns runs D4RL's reference-score protocol: one controller for all episodes.
func reusedControllerReturns(t *testing.T, name string, episodes int) Evaluation {
	t.Helper()
	m, err := NewMaze(MazeConfig{Layout: name})
	if err != nil {
		t.Fatal(err)
	}
	ctrl := NewWaypointController(m.layout, StreamRNG(0, "reused", 0))
	obs := make([]float64, 4)
	var ev Evaluation
	for ep := 0; ep < episodes; ep++ {
		if err := m.Reset(seedFor(99, uint64(ep)), obs); err != nil {
			t.Fatal(err)
		}
		ret := 0.0
		for {
			tx, ty := m.Target()
			a, _ := ctrl.Action([2]float64{obs[0], obs[1]}, [2]float64{obs[2], obs[3]}, [2]float64{tx, ty})
			tr, err := m.Step(a[:], obs)
			if err != nil {
				t.Fatal(err)
			}
			ret += tr.Reward
			if tr.Truncated {
				break
			}
		}
		ev.Returns = append(ev.Returns, ret)
	}
	for _, r := range ev.Returns {
		ev.Mean += r / float64(episodes)
	}
	v := 0.0
	for _, r := range ev.Returns {
		v += (r - ev.Mean) * (r - ev.Mean) / float64(episodes-1)
	}
	ev.StdErr = math.Sqrt(v / float64(episodes))
	return ev
}

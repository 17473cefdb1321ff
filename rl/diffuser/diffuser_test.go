package diffuser_test

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"reflect"
	"testing"

	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/rl"
	"github.com/trajdiff/trajdiff/rl/diffuser"
	"github.com/trajdiff/trajdiff/rl/planeval"
	"github.com/trajdiff/trajdiff/train"
)

// straightPlan is a hand-made plan of H states from (x0, y0) to (x1, y1) in `move` steps at constant
// velocity, then at rest on the goal.
func straightPlan(H, move int, x0, y0, x1, y1 float64) *diffuser.Plan {
	pl := &diffuser.Plan{Observations: make([][4]float64, H), Actions: make([][2]float64, H)}
	vx, vy := (x1-x0)/float64(move)/rl.TimeStep, (y1-y0)/float64(move)/rl.TimeStep
	for t := range pl.Observations {
		u := min(float64(t)/float64(move), 1)
		pl.Observations[t] = [4]float64{x0 + u*(x1-x0), y0 + u*(y1-y0), vx, vy}
		if t >= move {
			pl.Observations[t][2], pl.Observations[t][3] = 0, 0
		}
	}
	return pl
}

// The controller tracks a straight plan along U-Maze's open top corridor (cells (1, 1) to (1, 3)) to
// its goal, never touches a wall on the way and stays on the goal after the plan ends.
func TestFollowerTracksAStraightPlanToTheGoal(t *testing.T) {
	m, err := rl.NewMaze(rl.MazeConfig{Layout: "umaze"})
	if err != nil {
		t.Fatal(err)
	}
	pl := straightPlan(128, 100, 1, 1, 1, 3)
	if err := m.SetState(1, 1, 0, 0); err != nil {
		t.Fatal(err)
	}
	m.SetTarget(1, 3)
	f := diffuser.NewFollower(pl)
	obs, act := []float64{1, 1, 0, 0}, make([]float64, 2)
	ret, worst := 0.0, 0.0
	for step := 0; step < 300; step++ {
		if err := f.Act(obs, act); err != nil {
			t.Fatal(err)
		}
		tr, err := m.Step(act, obs)
		if err != nil {
			t.Fatal(err)
		}
		ret += tr.Reward
		if step < 128 { // tracking error against the plan's next state
			w := pl.Observations[min(step+1, 127)]
			worst = max(worst, math.Hypot(obs[0]-w[0], obs[1]-w[1]))
		}
	}
	if d := math.Hypot(obs[0]-1, obs[1]-3); d > 0.05 {
		t.Errorf("final position (%.3f, %.3f) is %.3f from the goal", obs[0], obs[1], d)
	}
	if worst > 0.1 {
		t.Errorf("tracking error up to %.3f", worst)
	}
	// The goal (within 0.5) is reached around step 75 and kept: return ~ 225 of 300.
	if ret < 200 {
		t.Errorf("return %v, want > 200", ret)
	}
}

// A plan is measured, not clipped: points inside walls or outside the maze and segments that jump across a
// wall are counted, with the plan's step lengths.
func TestPlanWallsAreCountedNotClipped(t *testing.T) {
	l, _ := rl.LayoutByName("umaze")
	// (3, 1) -> (1, 1) straight through the wall cell (2, 1), which spans x in [1.3, 2.3), in 4 steps of 0.5:
	// the points (2, 1) and (1.5, 1) are in the wall, and every segment but the first (3 -> 2.5) enters it.
	pl := &diffuser.Plan{Observations: [][4]float64{{3, 1}, {2.5, 1}, {2, 1}, {1.5, 1}, {1, 1}}}
	pl.Measure(l)
	if pl.WallPoints != 2 || pl.WallSegments != 3 || pl.OutsidePoints != 0 || pl.MeanStep != 0.5 || pl.MaxStep != 0.5 {
		t.Errorf("through the wall: %d points, %d segments, %d outside, steps %v / %v; want 2, 3, 0, 0.5 / 0.5",
			pl.WallPoints, pl.WallSegments, pl.OutsidePoints, pl.MeanStep, pl.MaxStep)
	}
	// A jump from (3, 1) to (1, 1): both ends free, one segment across the wall.
	jump := &diffuser.Plan{Observations: [][4]float64{{3, 1}, {1, 1}}}
	jump.Measure(l)
	if jump.WallPoints != 0 || jump.WallSegments != 1 || jump.MaxStep != 2 {
		t.Errorf("jump: %d points, %d segments, largest step %v; want 0, 1, 2", jump.WallPoints, jump.WallSegments, jump.MaxStep)
	}
	// Around the wall through free cells: nothing; outside the maze counts as a wall and as outside.
	around := &diffuser.Plan{Observations: [][4]float64{{3, 1}, {3, 3}, {1, 3}, {1, 1}, {-2, 1}}}
	around.Measure(l)
	if around.WallPoints != 1 || around.OutsidePoints != 1 || around.WallSegments != 1 {
		t.Errorf("around and out: %d points, %d outside, %d segments; want 1, 1, 1", around.WallPoints, around.OutsidePoints, around.WallSegments)
	}
}

// The waypoint at step t is plan state t+1, then the last state at rest; the action is
// (w_xy - xy) + (w_v - v) without clipping (the environment clips).
func TestWaypointAndActionFollowTheReferenceController(t *testing.T) {
	pl := straightPlan(4, 3, 0, 0, 3, 0)
	pl.Observations[3] = [4]float64{3, 0, 7, 7}
	for t0, want := range [][4]float64{pl.Observations[1], pl.Observations[2], pl.Observations[3], {3, 0, 0, 0}, {3, 0, 0, 0}} {
		if got := pl.Waypoint(t0); got != want {
			t.Errorf("Waypoint(%d) = %v, want %v", t0, got, want)
		}
	}
	f := diffuser.NewFollower(pl)
	act := make([]float64, 2)
	if err := f.Act([]float64{0.5, 0.25, 1, -1}, act); err != nil {
		t.Fatal(err)
	}
	w := pl.Observations[1]
	if want := [2]float64{(w[0] - 0.5) + (w[2] - 1), (w[1] - 0.25) + (w[3] + 1)}; act[0] != want[0] || act[1] != want[1] {
		t.Errorf("action %v, want %v", act, want)
	}
	if err := f.Act([]float64{math.NaN(), 0, 0, 0}, act); err == nil {
		t.Error("a NaN observation was accepted")
	}
	if err := diffuser.NewFollower(&diffuser.Plan{}).Act([]float64{0, 0, 0, 0}, act); err == nil {
		t.Error("an empty plan was followed")
	}
}

// D4RL's normalised score: 100 (R - REF_MIN) / (REF_MAX - REF_MIN) with d4rl/infos.py's references, so
// Diffuser's published 113.9 / 121.5 / 123.0 are returns of about 181 / 334 / 336 (the reference notes).
func TestNormalizedScoreUsesD4RLReferences(t *testing.T) {
	for _, tc := range []struct {
		layout        string
		score, retain float64
	}{{"umaze", 113.9, 181.04}, {"medium", 121.5, 334.21}, {"large", 123.0, 335.45}} {
		l, err := rl.LayoutByName(tc.layout)
		if err != nil {
			t.Fatal(err)
		}
		if got := l.NormalizedScore(tc.retain); math.Abs(got-tc.score) > 0.01 {
			t.Errorf("%s: score of return %v = %.3f, want %.1f", tc.layout, tc.retain, got, tc.score)
		}
		if l.NormalizedScore(l.RefMinScore) != 0 || math.Abs(l.NormalizedScore(l.RefMaxScore)-100) > 1e-12 {
			t.Errorf("%s: REF_MIN and REF_MAX do not map to 0 and 100", tc.layout)
		}
	}
}

// A tiny model trained for a few dozen steps plans a window whose first and last observations are the
// inpainted start and goal exactly; the same seed gives the same plan.
func TestPlanStartsAndEndsAtTheInpaintedStates(t *testing.T) {
	m, l := tinyUMazeModel(t, 40)
	p, err := diffuser.New(m, l, diffuser.Options{Solver: "ddim", Steps: 5})
	if err != nil {
		t.Fatal(err)
	}
	start, goal := [4]float64{3.05, 1.02, 0.13, -0.07}, [2]float64{1, 1}
	pl, err := p.Plan(context.Background(), start, goal, 7)
	if err != nil {
		t.Fatal(err)
	}
	if len(pl.Observations) != 8 || pl.NFE != 5 || pl.Solver != "ddim" || pl.Latency <= 0 {
		t.Fatalf("plan of %d states, %d NFE with %s in %v", len(pl.Observations), pl.NFE, pl.Solver, pl.Latency)
	}
	if pl.Observations[0] != start || pl.Observations[7] != [4]float64{1, 1, 0, 0} {
		t.Errorf("plan runs from %v to %v, want %v to (1, 1, 0, 0)", pl.Observations[0], pl.Observations[7], start)
	}
	again, err := p.Plan(context.Background(), start, goal, 7)
	if err != nil || again.Observations[3] != pl.Observations[3] {
		t.Errorf("the same seed planned differently (%v)", err)
	}
	mean, most := 0.0, 0.0
	for k := 1; k < 8; k++ {
		d := math.Hypot(pl.Observations[k][0]-pl.Observations[k-1][0], pl.Observations[k][1]-pl.Observations[k-1][1])
		mean, most = mean+d/7, max(most, d)
	}
	if math.Abs(pl.MeanStep-mean) > 1e-12 || pl.MaxStep != most {
		t.Errorf("step lengths %v, %v; want %v, %v", pl.MeanStep, pl.MaxStep, mean, most)
	}
	if pl.WallPoints < pl.OutsidePoints {
		t.Errorf("%d points outside the maze but only %d in walls (outside counts as wall)", pl.OutsidePoints, pl.WallPoints)
	}
}

// Bad inputs fail with ErrBadInput before any planning (here on a cancelled context, which planning
// would report instead): a transition that is not [actions(2), observations(4)], a model trained on another
// maze, a goal in a wall or outside the maze, a NaN or walled-in start.
func TestBadInputsFailBeforePlanning(t *testing.T) {
	dir := t.TempDir()
	run, err := trainTiny(dir, []string{"observations", "actions"}, 2)
	if err != nil {
		t.Fatal(err)
	}
	swapped, err := train.Load(run, train.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	l, _ := rl.LayoutByName("umaze")
	if _, err := diffuser.New(swapped, l, diffuser.Options{}); !errors.Is(err, diffuser.ErrBadInput) {
		t.Errorf("observations before actions: %v, want ErrBadInput", err)
	} else {
		t.Log(err)
	}
	run2, err := trainTiny(t.TempDir(), nil, 2)
	if err != nil {
		t.Fatal(err)
	}
	m, err := train.Load(run2, train.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := diffuser.New(m, l, diffuser.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ok := [4]float64{1, 1, 0, 0}
	for name, tc := range map[string]struct {
		start [4]float64
		goal  [2]float64
	}{
		"goal in a wall":     {ok, [2]float64{2, 1}},
		"goal outside":       {ok, [2]float64{9, 1}},
		"NaN goal":           {ok, [2]float64{math.NaN(), 1}},
		"NaN start":          {[4]float64{1, 1, math.NaN(), 0}, [2]float64{3, 1}},
		"infinite start":     {[4]float64{math.Inf(1), 1, 0, 0}, [2]float64{3, 1}},
		"start in a wall":    {[4]float64{0, 0, 0, 0}, [2]float64{3, 1}},
		"start outside maze": {[4]float64{-3, 1, 0, 0}, [2]float64{3, 1}},
	} {
		_, err := p.Plan(ctx, tc.start, tc.goal, 1)
		if !errors.Is(err, diffuser.ErrBadInput) {
			t.Errorf("%s: %v, want ErrBadInput", name, err)
		}
	}
	if _, err := p.Plan(ctx, ok, [2]float64{3, 1}, 1); !errors.Is(err, context.Canceled) {
		t.Errorf("a valid request on a cancelled context: %v", err)
	}
	if _, err := diffuser.New(m, l, diffuser.Options{Steps: -1}); !errors.Is(err, diffuser.ErrBadInput) {
		t.Errorf("Steps -1: %v", err)
	}
	// A U-Maze model in the other mazes, a Medium model in U-Maze: another maze's data.
	for _, name := range []string{"medium", "large"} {
		other, _ := rl.LayoutByName(name)
		if _, err := diffuser.New(m, other, diffuser.Options{}); !errors.Is(err, diffuser.ErrBadInput) {
			t.Errorf("a U-Maze model in %s: %v, want ErrBadInput", name, err)
		}
	}
	runM, err := trainTinyOn(t.TempDir(), "medium", nil, 2)
	if err != nil {
		t.Fatal(err)
	}
	medium, err := train.Load(runM, train.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := diffuser.New(medium, l, diffuser.Options{}); !errors.Is(err, diffuser.ErrBadInput) {
		t.Errorf("a Medium model in U-Maze: %v, want ErrBadInput", err)
	} else {
		t.Log(err)
	}
	ml, _ := rl.LayoutByName("medium")
	if _, err := diffuser.New(medium, ml, diffuser.Options{}); err != nil {
		t.Errorf("a Medium model in Medium: %v", err)
	}
}

// Evaluate runs the planner next to the expert and random baselines on the same starts and targets; the
// results do not depend on the number of workers, and the planner's episodes report their plans.
func TestEvaluateIsDeterministicAndComparesBaselines(t *testing.T) {
	m, l := tinyUMazeModel(t, 20)
	p, err := diffuser.New(m, l, diffuser.Options{Steps: 3})
	if err != nil {
		t.Fatal(err)
	}
	agents := []planeval.Agent{p.Agent("diffuser"), planeval.ExpertAgent(), planeval.RandomAgent()}
	var last int
	cfg := planeval.EvalConfig{Layout: "umaze", Multi: true, Episodes: 3, Seed: 11, Workers: 1, Progress: func(done, total int) { last = done }}
	a, err := planeval.Evaluate(context.Background(), cfg, agents)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Workers = 3
	b, err := planeval.Evaluate(context.Background(), cfg, agents)
	if err != nil {
		t.Fatal(err)
	}
	if last != 9 || len(a.Agents) != 3 || a.Env != "multi2d-umaze" {
		t.Fatalf("progress %d/9, %d agents, env %s", last, len(a.Agents), a.Env)
	}
	for k, ar := range a.Agents {
		s := ar.Summary
		if s.Agent != agents[k].Name || s.Episodes != 3 || len(ar.Episodes) != 3 {
			t.Errorf("agent %d: %+v", k, s)
		}
		for i, ep := range ar.Episodes {
			e2 := b.Agents[k].Episodes[i]
			if ep.Return != e2.Return || ep.Path[len(ep.Path)-1] != e2.Path[len(e2.Path)-1] || ep.Steps != 300 {
				t.Errorf("%s episode %d: differs between 1 and 3 workers, or %d steps", s.Agent, i, ep.Steps)
			}
			// Every agent faces the same start and goal.
			if ep.Start != a.Agents[0].Episodes[i].Start || ep.Goal != a.Agents[0].Episodes[i].Goal {
				t.Errorf("%s episode %d: start or goal differ from the planner's", s.Agent, i)
			}
			if ep.Score != l.NormalizedScore(ep.Return) || ep.Success != (ep.Return > 0) {
				t.Errorf("%s episode %d: score %v, success %v for return %v", s.Agent, i, ep.Score, ep.Success, ep.Return)
			}
		}
	}
	// Mean +- standard error as Diffuser's read_results: np.std (population) / sqrt(n).
	for _, ar := range a.Agents {
		mean, v := 0.0, 0.0
		for _, ep := range ar.Episodes {
			mean += ep.Score / 3
		}
		for _, ep := range ar.Episodes {
			v += (ep.Score - mean) * (ep.Score - mean) / 3
		}
		if s := ar.Summary; math.Abs(s.ScoreMean-mean) > 1e-9 || math.Abs(s.ScoreSE-math.Sqrt(v/3)) > 1e-9 {
			t.Errorf("%s: score %v +- %v, want %v +- %v", s.Agent, s.ScoreMean, s.ScoreSE, mean, math.Sqrt(v/3))
		}
	}
	pl := a.Agents[0]
	if pl.Summary.NFEPerPlan != 3 || pl.Summary.Plans != 3 || pl.Summary.PlanMedian <= 0 || len(pl.Episodes[0].FirstPlan) != m.Horizon {
		t.Errorf("planner summary %+v", pl.Summary)
	}
	if ex := a.Agents[1].Summary; ex.SuccessRate < 1 || ex.Plans != 0 {
		t.Errorf("the expert reached the goal in %.0f%% of episodes", 100*ex.SuccessRate)
	}
}

// The example configurations are Maze2DConfig written out: Diffuser's maze2d setting (horizon 128 / 256,
// rows [actions, observations] with the limits normaliser and no padding, an unconditional temporal U-Net
// with dim_mults (1, 4, 8) predicting x0 on the cosine VP process with the start and end states inpainted
// in training, x0 clipped when sampling, Adam 2e-4, EMA 0.995); the small ones have dim 16, the full one 32
// (which samples with the reference's 64 DDPM steps by default); the conditional ones add the endpoint
// condition, and Medium's the tied upsampler initialisation.
func TestExampleConfigsAreMaze2DConfig(t *testing.T) {
	for file, size := range map[string]struct {
		layout     string
		dim        int
		cond, tied bool
	}{"diffuser-umaze-small.toml": {"umaze", 16, false, false}, "diffuser-umaze.toml": {"umaze", 32, false, false}, "diffuser-medium-small.toml": {"medium", 16, false, false},
		"diffuser-medium-cond-small.toml": {"medium", 16, true, true}, "diffuser-large-cond-small.toml": {"large", 16, true, false}} {
		c, err := train.LoadConfig(filepath.Join("..", "..", "configs", file))
		if err != nil {
			t.Fatal(err)
		}
		l, _ := rl.LayoutByName(size.layout)
		want, err := diffuser.Maze2DConfig(l, c.Data.Path, c.Out, size.dim)
		if err != nil {
			t.Fatal(err)
		}
		if size.cond {
			want = diffuser.WithEndpointCondition(want)
			want.Train.LR = 1e-3 // the quickstart's rate, for runs of a few thousand steps
		}
		if size.tied {
			want = diffuser.WithTiedUpsampling(want)
		}
		if !reflect.DeepEqual(c.Data, want.Data) || !reflect.DeepEqual(c.Network, want.Network) || c.Objective != want.Objective ||
			c.Train.LR != want.Train.LR || c.Train.EMADecay != want.Train.EMADecay || c.Sample.ClipX0 != want.Sample.ClipX0 || *c.Sample.EMA != *want.Sample.EMA {
			t.Errorf("%s:\n%+v\nMaze2DConfig:\n%+v", file, c, want)
		}
		if _, err := c.Network.New(tensor.Float32, 0); err != nil {
			t.Errorf("%s: the network does not build: %v", file, err)
		}
	}
	if _, err := diffuser.Maze2DHorizon("spiral"); err == nil {
		t.Error("a horizon for an unknown maze")
	}
}

package diffuser_test

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/rl"
	"github.com/trajdiff/trajdiff/rl/diffuser"
	"github.com/trajdiff/trajdiff/train"
)

// The plan reward is zero for a smooth path through free cells and charges each wall point and segment
// and each excess of a step over the step limit in units of the limit.
func TestPlanRewardChargesWallsAndJumps(t *testing.T) {
	l, _ := rl.LayoutByName("umaze")
	var r diffuser.PlanReward
	smooth := [][2]float64{{3, 1}, {3, 1.05}, {3, 1.1}}
	if got := r.Of(l, smooth); got != 0 {
		t.Errorf("smooth free path: reward %v, want 0", got)
	}
	// Through the wall cell (2, 1) in steps of 0.5: 2 wall points, 3 wall segments, 4 steps 0.4 over 0.1.
	through := [][2]float64{{3, 1}, {2.5, 1}, {2, 1}, {1.5, 1}, {1, 1}}
	if got, want := r.Of(l, through), -5.0-4*4; math.Abs(got-want) > 1e-9 {
		t.Errorf("through the wall: reward %v, want %v", got, want)
	}
	w := diffuser.PlanReward{Wall: 2, Jump: 0.5, StepLimit: 0.5}
	if got, want := w.Of(l, through), -10.0; math.Abs(got-want) > 1e-9 {
		t.Errorf("weights %+v: reward %v, want %v", w, got, want)
	}
}

// Every search method plans from the start to the goal within its budget of network evaluations, is
// deterministic for a seed, and best-of-N's plan scores at least the plain planner's first sample.
func TestSearchPlansSpendTheirBudget(t *testing.T) {
	m, l := tinyUMazeModel(t, 40)
	p, err := diffuser.New(m, l, diffuser.Options{Solver: "ddpm", Steps: 4})
	if err != nil {
		t.Fatal(err)
	}
	start, goal := [4]float64{3.05, 1.02, 0.13, -0.07}, [2]float64{1, 1}
	plain, err := p.Plan(context.Background(), start, goal, 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []diffuser.Search{
		{Method: diffusion.BestOfN, Budget: 16},
		{Method: diffusion.ParticleResample, Budget: 16, Temperature: 0.5},
		{Method: diffusion.ParticleRollover, Budget: 16, Eta: 0.8},
	} {
		q, err := p.WithSearch(s)
		if err != nil {
			t.Fatal(err)
		}
		pl, err := q.Plan(context.Background(), start, goal, 3)
		if err != nil {
			t.Fatal(err)
		}
		if pl.NFE != 16 || pl.Observations[0] != start || pl.Observations[7] != [4]float64{1, 1, 0, 0} {
			t.Errorf("%s: %d NFE, plan from %v to %v", s.Method, pl.NFE, pl.Observations[0], pl.Observations[7])
		}
		again, _ := q.Plan(context.Background(), start, goal, 3)
		if again.Observations[3] != pl.Observations[3] {
			t.Errorf("%s: the same seed planned differently", s.Method)
		}
		if s.Method == diffusion.BestOfN {
			var r diffuser.PlanReward
			if r.Of(l, pl.Positions()) < r.Of(l, plain.Positions()) {
				t.Errorf("best-of-4 scores %v below the plain plan's %v (its first particle)", r.Of(l, pl.Positions()), r.Of(l, plain.Positions()))
			}
		}
	}
	for _, bad := range []diffuser.Search{
		{Method: diffusion.BestOfN, Budget: 6},
		{Method: "beam", Budget: 8},
		{Method: diffusion.ParticleRollover, Budget: 3},
		{Method: diffusion.ParticleRollover, Budget: 8, Eta: math.NaN()},
		{Method: diffusion.BestOfN, Budget: 8, Reward: diffuser.PlanReward{Wall: 1}},
	} {
		if _, err := p.WithSearch(bad); !errors.Is(err, diffuser.ErrBadInput) {
			t.Errorf("%+v: err = %v, want ErrBadInput", bad, err)
		}
	}
}

func TestScalingCurveRefusesAnEmptyComparison(t *testing.T) {
	var p *diffuser.Planner
	for _, cfg := range []diffuser.ScalingConfig{
		{Budgets: []int{8}, Pairs: 1, Seeds: 1},
		{Methods: []diffusion.ParticleMethod{diffusion.BestOfN}, Pairs: 1, Seeds: 1},
		{Methods: []diffusion.ParticleMethod{diffusion.BestOfN}, Budgets: []int{8}, Seeds: 1},
	} {
		if _, err := p.ScalingCurve(context.Background(), cfg); !errors.Is(err, diffuser.ErrBadInput) {
			t.Errorf("%+v: err = %v, want ErrBadInput", cfg, err)
		}
	}
}

func TestPairedDifferenceIsThePlanByPlanMean(t *testing.T) {
	a := diffuser.ScalingPoint{Rewards: []float64{-1, -2, -3}}
	b := diffuser.ScalingPoint{Rewards: []float64{-2, -2, -5}}
	d, se, err := diffuser.PairedDifference(a, b)
	// Differences 1, 0, 2: mean 1, sample variance 1, standard error 1/sqrt(3).
	if err != nil || math.Abs(d-1) > 1e-12 || math.Abs(se-1/math.Sqrt(3)) > 1e-12 {
		t.Errorf("paired difference %v ± %v (%v), want 1 ± %v", d, se, err, 1/math.Sqrt(3))
	}
	if _, _, err := diffuser.PairedDifference(a, diffuser.ScalingPoint{Rewards: []float64{1}}); !errors.Is(err, diffuser.ErrBadInput) {
		t.Errorf("unequal lengths: err = %v", err)
	}
}

// Options.Network evaluates a search's network (the CLI's --device gpu passes the GPU's there): it
// is asked once per plan for the plan's request, sized by the particles, every evaluation goes through it,
// a network computing what the model computes gives the CPU search's plan exactly, and its errors reach
// the caller.
func TestSearchEvaluatesTheInjectedNetwork(t *testing.T) {
	m, l := tinyUMazeModel(t, 40)
	start, goal := [4]float64{3.05, 1.02, 0.13, -0.07}, [2]float64{1, 1}
	search := diffuser.Search{Method: diffusion.ParticleResample, Budget: 16, Temperature: 0.5}
	plan := func(net func(*train.Model, train.SampleRequest, int) (diffusion.Denoiser, error)) (*diffuser.Plan, error) {
		p, err := diffuser.New(m, l, diffuser.Options{Solver: "ddpm", Steps: 4, Network: net})
		if err != nil {
			t.Fatal(err)
		}
		q, err := p.WithSearch(search)
		if err != nil {
			t.Fatal(err)
		}
		return q.Plan(context.Background(), start, goal, 3)
	}
	own, err := plan(nil)
	if err != nil {
		t.Fatal(err)
	}
	var asked []int
	counter := &evalCounter{}
	injected, err := plan(func(mm *train.Model, req train.SampleRequest, points int) (diffusion.Denoiser, error) {
		if mm != m || len(req.Fixed) != 8 || req.Seed != 3 {
			t.Errorf("asked for model %p (want %p) with %d fixed values and seed %d", mm, m, len(req.Fixed), req.Seed)
		}
		asked = append(asked, points)
		return cpuNetwork(counter)(mm, req, points)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(asked) != 1 || asked[0] != 4 || counter.points != 16 {
		t.Errorf("asked %v points, evaluated %d; want one network for the 4 particles evaluating the budget, 16", asked, counter.points)
	}
	for i, o := range own.Observations {
		if injected.Observations[i] != o {
			t.Fatalf("state %d: %v with the injected network, %v with the model's", i, injected.Observations[i], o)
		}
	}
	boom := errors.New("device lost")
	if _, err := plan(func(*train.Model, train.SampleRequest, int) (diffusion.Denoiser, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Errorf("a failing network gave %v, want its error", err)
	}
}

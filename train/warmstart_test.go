package train

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/trajdiff/trajdiff/diffusion"
)

// A warm start's grid is the schedule's rule on [TMin, t0]: uniform-t is linspace(t0, TMin), Karras
// spaces sigma/alpha with rho = 7 between its values at t0 and TMin; below TMin one step goes to the data.
func TestWarmStartGridFollowsTheScheduleOnTheShorterRange(t *testing.T) {
	p, err := diffusion.NewProcess("vp-cosine")
	if err != nil {
		t.Fatal(err)
	}
	t0 := 0.4
	times, err := warmStartTimes(diffusion.UniformT{}, p, t0, 4)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{t0, t0 + (p.TMin()-t0)/3, t0 + 2*(p.TMin()-t0)/3, p.TMin(), 0}
	for i := range want {
		if math.Abs(times[i]-want[i]) > 1e-12 {
			t.Errorf("uniform-t grid %v, want %v", times, want)
			break
		}
	}
	for _, name := range diffusion.ScheduleNames() {
		sch, _ := diffusion.NewSchedule(name)
		times, err := warmStartTimes(sch, p, t0, 5)
		if err != nil || len(times) != 6 || times[0] > t0 || diffusion.ValidateTimes(p, times) != nil {
			t.Errorf("%s: grid %v (%v), want 5 steps from at most %v", name, times, err, t0)
		}
		if name != "leading" && name != "trailing" && name != "linspace" && times[0] != t0 {
			t.Errorf("%s: grid starts at %v, want t0 = %v", name, times[0], t0)
		}
	}
	k, err := warmStartTimes(diffusion.Karras{Rho: 7}, p, t0, 3)
	if err != nil {
		t.Fatal(err)
	}
	hat := func(t float64) float64 { return math.Pow(diffusion.SigmaHat(p, t), 1.0/7) }
	if mid := (hat(t0) + hat(p.TMin())) / 2; math.Abs(hat(k[1])-mid) > 1e-9 {
		t.Errorf("karras grid %v: middle level's sigma-hat^(1/7) %v, want %v", k, hat(k[1]), mid)
	}
	if g, err := warmStartTimes(diffusion.UniformT{}, p, p.TMin()/2, 1); err != nil || !slices.Equal(g, []float64{p.TMin() / 2, 0}) {
		t.Errorf("below TMin: %v, %v", g, err)
	}
	full, _ := diffusion.UniformT{}.Times(p, 4)
	if g, _ := warmStartTimes(diffusion.UniformT{}, p, 0, 4); !slices.Equal(g, full) {
		t.Errorf("no start time: %v, want the schedule's %v", g, full)
	}
}

// A re-noised warm start is a draw of the forward process q(x_t0 | Init): mean alpha(t0) Init and variance
// sigma(t0)^2 around it; without Renoise the state is alpha(t0) Init itself.
func TestRenoisedWarmStartHasTheForwardMarginal(t *testing.T) {
	m := goalRun(t, nil)
	p := m.Checkpoint.Process
	n, D := 200, m.Horizon*m.Transition
	init := make([]float64, n*D)
	for i := range init {
		init[i] = 0.5 + 0.1*float64(i%7) // data units, inside the data's ranges
	}
	req := SampleRequest{N: n, Seed: 3, Fixed: []Fixed{{WindowEntry{0, 1}, []float64{0.5}}}, CondValues: [][]float64{{1, 2, 3}},
		Init: init, StartTime: 0.6, Renoise: true, Steps: 3}
	sp, err := m.prepare(req)
	if err != nil {
		t.Fatal(err)
	}
	if sp.times[0] != 0.6 || len(sp.times) != 4 {
		t.Fatalf("grid %v, want 3 steps from 0.6", sp.times)
	}
	a, s := p.Alpha(0.6), p.Sigma(0.6)
	x := sp.initialState(p, req.Seed, n*D)
	var mean, sq float64
	for i, v := range x {
		z := (v - a*sp.init[i]) / s
		mean += z
		sq += z * z
	}
	mean /= float64(len(x))
	variance := sq/float64(len(x)) - mean*mean
	// 4800 standard normals: the mean's standard error is 0.014, the variance's 0.02.
	if math.Abs(mean) > 0.06 || math.Abs(variance-1) > 0.08 {
		t.Errorf("(x - alpha Init)/sigma has mean %v and variance %v, want 0 and 1", mean, variance)
	}
	req.Renoise = false
	sp, err = m.prepare(req)
	if err != nil {
		t.Fatal(err)
	}
	x = sp.initialState(p, req.Seed, n*D)
	for i, v := range x {
		if v != a*sp.init[i] {
			t.Fatalf("without Renoise: state %v at %d, want alpha Init = %v", v, i, a*sp.init[i])
		}
	}
}

// A warm start over a short range gives finite windows that keep their fixed entries exactly, and is
// deterministic for a seed.
func TestWarmStartKeepsFixedEntriesAndIsFinite(t *testing.T) {
	m := goalRun(t, nil)
	ctx := context.Background()
	fixed := []Fixed{{WindowEntry{0, 1}, []float64{0.5, 1.5}}, {WindowEntry{-1, 2}, []float64{-0.5}}}
	first, err := m.Sample(ctx, SampleRequest{N: 2, Seed: 1, Fixed: fixed, CondValues: [][]float64{{1, 2, 3}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, renoise := range []bool{false, true} {
		req := SampleRequest{N: 2, Seed: 2, Fixed: fixed, CondValues: [][]float64{{1, 2, 3}}, Guidance: 1.5,
			Init: first.X, StartTime: 0.2, Renoise: renoise, Steps: 2}
		s, err := m.Sample(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if s.Steps != 2 || s.NFE != 4 {
			t.Errorf("%d steps, %d NFE; want 2 guided ddim steps = 4 passes", s.Steps, s.NFE)
		}
		for i := 0; i < 2; i++ {
			w := s.Window(i)
			for _, row := range w {
				for _, v := range row {
					if math.IsNaN(v) || math.IsInf(v, 0) {
						t.Fatalf("renoise %v: non-finite window %d", renoise, i)
					}
				}
			}
			if math.Abs(w[0][1]-fixed[0].Values[i]) > 1e-5 || math.Abs(w[len(w)-1][2]+0.5) > 1e-5 {
				t.Errorf("renoise %v window %d: fixed entries %v, %v", renoise, i, w[0][1], w[len(w)-1][2])
			}
		}
		again, err := m.Sample(ctx, req)
		if err != nil || !slices.Equal(again.X, s.X) {
			t.Errorf("renoise %v: the same warm start sampled differently (%v)", renoise, err)
		}
	}
}

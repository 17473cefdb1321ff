package diffusion

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// scaleDenoiser is D(x, t) = c x, a cheap model for executor tests and benchmarks.
type scaleDenoiser struct {
	dim int
	c   float64
}

func (s scaleDenoiser) Dim() int { return s.dim }
func (s scaleDenoiser) Denoise(dst, x []float64, t float64) error {
	for i, v := range x {
		dst[i] = s.c * v
	}
	return nil
}

func stochasticPlan(t testing.TB, steps int) *Plan {
	p := NewEDM()
	times, err := Karras{Rho: 7}.Times(p, steps)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := DPMSolverPPSDE{Eta: 1}.Plan(p, times)
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

func TestExecutorDeterministicAcrossWorkers(t *testing.T) {
	plan := stochasticPlan(t, 8)
	const n = 1 << 17 // above parallelMin, so work is split
	base := make([]float64, n)
	NewPhilox(1).FillNormal(base, 0, 0)
	run := func(workers int, seed uint64) []float64 {
		x := append([]float64(nil), base...)
		if err := Sample(context.Background(), plan, scaleDenoiser{1, 0.5}, x, RunOptions{Seed: seed, Workers: workers}); err != nil {
			t.Fatal(err)
		}
		return x
	}
	a, b, c := run(1, 3), run(4, 3), run(3, 4)
	if d := maxAbsDiff(a, b); d != 0 {
		t.Errorf("1 vs 4 workers differ by %g", d)
	}
	if d := maxAbsDiff(a, c); d == 0 {
		t.Error("different seeds gave the same sample")
	}
}

func TestExecutorCancelAndProgress(t *testing.T) {
	plan := stochasticPlan(t, 10)
	x := make([]float64, 64)
	var calls []int
	err := Sample(context.Background(), plan, scaleDenoiser{1, 0.5}, x, RunOptions{Progress: func(done, total int) {
		if total != 10 {
			t.Errorf("total %d, want 10", total)
		}
		calls = append(calls, done)
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != 10 || calls[0] != 1 || calls[9] != 10 {
		t.Errorf("progress calls %v, want 1..10", calls)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	err = Sample(ctx, plan, scaleDenoiser{1, 0.5}, x, RunOptions{Progress: func(done, total int) {
		n++
		if done == 3 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) || n != 3 {
		t.Errorf("after cancel at step 3: err %v after %d steps", err, n)
	}
}

func TestExecutorRejectsBadInput(t *testing.T) {
	plan := stochasticPlan(t, 4)
	if err := Sample(context.Background(), plan, scaleDenoiser{3, 0.5}, make([]float64, 10), RunOptions{}); err == nil {
		t.Error("batch not a multiple of the dimension: want an error")
	}
	x := []float64{1, math.NaN()}
	if err := Sample(context.Background(), plan, scaleDenoiser{1, 0.5}, x, RunOptions{}); err == nil {
		t.Error("NaN in the initial state: want an error")
	}
	bad := scaleDenoiser{1, math.Inf(1)}
	if err := Sample(context.Background(), plan, bad, []float64{1, 2}, RunOptions{}); err == nil {
		t.Error("Inf from the denoiser: want an error")
	}
}

// A run of a plan on a reused Executor allocates nothing per step: a constant few objects per run (the
// helper goroutines and their channel), the same for 5 and for 80 steps.
func TestExecutorAllocationFree(t *testing.T) {
	const n = 1 << 16
	x := make([]float64, n)
	d := scaleDenoiser{1, 0.9}
	count := func(steps int) float64 {
		e := NewExecutor(stochasticPlan(t, steps), n)
		return testing.AllocsPerRun(20, func() { // 20 runs average away an occasional runtime allocation of the worker goroutines
			clear(x)
			if err := e.Run(context.Background(), d, x, RunOptions{Seed: 1, Workers: 2}); err != nil {
				t.Fatal(err)
			}
		})
	}
	few, many := count(5), count(80)
	if many != few || many > 8 {
		t.Errorf("allocations per run: %v for 5 steps, %v for 80 steps; want the same small constant", few, many)
	}
}

func TestInpaintClampsKnownEntries(t *testing.T) {
	r := loadRef(t)
	g := refMixture(t, r)
	p := NewEDM()
	times, _ := Karras{Rho: 7}.Times(p, 12)
	for _, name := range []string{"dpmpp-2m", "heun", "unipc-3", "ddpm"} {
		s, _ := NewSolver(name)
		plan, _ := s.Plan(p, times)
		x := g.Noise(newRand(2), p, p.TMax(), 5)
		cond := &Inpaint{Mask: []bool{true, false}, Values: []float64{0.75, 0}}
		if err := Sample(context.Background(), plan, g.Denoiser(p), x, RunOptions{Condition: cond, Seed: 1}); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 5; i++ {
			if x[2*i] != 0.75 {
				t.Errorf("%s: clamped entry %v, want 0.75", name, x[2*i])
			}
		}
	}
	if err := (&Inpaint{Mask: []bool{true, false}, Values: []float64{1, 2, 3}}).Condition(make([]float64, 4), 0, 1, 0); err == nil {
		t.Error("values of the wrong length: want an error")
	}
}

func TestGuidanceCombines(t *testing.T) {
	c, u := scaleDenoiser{2, 0.8}, scaleDenoiser{2, 0.2}
	g := &Guided{Cond: c, Uncond: u, Scale: 3}
	x := []float64{1, -2, 0.5, 4}
	dst := make([]float64, 4)
	if err := g.Denoise(dst, x, 1); err != nil {
		t.Fatal(err)
	}
	for i, v := range x {
		want := 0.2*v + 3*(0.8*v-0.2*v)
		if math.Abs(dst[i]-want) > 1e-15 {
			t.Errorf("guided[%d] = %v, want %v", i, dst[i], want)
		}
	}
	g1 := &Guided{Cond: c, Uncond: u, Scale: 1}
	g1.Denoise(dst, x, 1)
	for i, v := range x {
		if dst[i] != 0.8*v {
			t.Errorf("scale 1 must return the conditional prediction, got %v", dst[i])
		}
	}
}

func TestClipX0(t *testing.T) {
	p := NewEDM()
	times, _ := Karras{Rho: 7}.Times(p, 5)
	plan, _ := Euler{}.Plan(p, times)
	x := []float64{100, -100, 3}
	if err := Sample(context.Background(), plan, scaleDenoiser{1, 1}, x, RunOptions{CorrectX0: ClipX0(-1, 1)}); err != nil {
		t.Fatal(err)
	}
	for _, v := range x {
		if v < -1 || v > 1 {
			t.Errorf("sample %v outside the clip range", v)
		}
	}
}

// poisoned wraps a denoiser and returns NaN for one example from time below tBad on.
type poisoned struct {
	Denoiser
	example int
	tBad    float64
}

func (p poisoned) Denoise(dst, x []float64, t float64) error {
	if err := p.Denoiser.Denoise(dst, x, t); err != nil {
		return err
	}
	if t < p.tBad {
		d := p.Dim()
		dst[p.example*d+1] = math.NaN()
	}
	return nil
}

// TestNonFiniteExamplesAreIsolated: with RunOptions.NonFinite, an example whose denoiser output turns NaN
// is reported once and comes out NaN, and every other example is bit-identical to a run without the fault
// (ancestral noise included); without it the run fails.
func TestNonFiniteExamplesAreIsolated(t *testing.T) {
	r := loadRef(t)
	g := refMixture(t, r)
	p, err := NewProcess("vp-cosine")
	if err != nil {
		t.Fatal(err)
	}
	x0 := g.Noise(rand.New(rand.NewPCG(1, 2)), p, p.TMax(), 3)
	d := len(x0) / 3
	for _, name := range []string{"ddpm", "dpmpp-2m", "unipc-2", "dpmpp-2m-sde"} {
		s, err := NewSolver(name)
		if err != nil {
			t.Fatal(err)
		}
		times, err := DefaultSchedule(p).Times(p, 12)
		if err != nil {
			t.Fatal(err)
		}
		plan, err := s.Plan(p, times)
		if err != nil {
			t.Fatal(err)
		}
		clean := append([]float64(nil), x0...)
		if err := Sample(context.Background(), plan, g.Denoiser(p), clean, RunOptions{Seed: 4}); err != nil {
			t.Fatal(err)
		}
		bad := poisoned{Denoiser: g.Denoiser(p), example: 1, tBad: 0.5}
		x := append([]float64(nil), x0...)
		if err := Sample(context.Background(), plan, bad, x, RunOptions{Seed: 4}); err == nil {
			t.Fatalf("%s: a NaN output did not fail the run", name)
		}
		var reports []int
		x = append([]float64(nil), x0...)
		opt := RunOptions{Seed: 4, NonFinite: func(j int, _ float64) { reports = append(reports, j) }}
		if err := Sample(context.Background(), plan, bad, x, opt); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(reports) != 1 || reports[0] != 1 {
			t.Fatalf("%s: reports %v, want [1]", name, reports)
		}
		for i := range x {
			switch {
			case i/d == 1 && !math.IsNaN(x[i]):
				t.Fatalf("%s: value %d of the failed example is %v", name, i, x[i])
			case i/d != 1 && x[i] != clean[i]:
				t.Fatalf("%s: value %d = %v, %v without the fault", name, i, x[i], clean[i])
			}
		}
	}
}

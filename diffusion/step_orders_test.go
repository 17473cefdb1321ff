package diffusion

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// stepOrderFamilies are the StepOrderSolver variants the tests cover.
func stepOrderFamilies() []StepOrderSolver {
	return []StepOrderSolver{DPMSolverPP{Order: 1}, DPMSolverPP{Order: 2}, DPMSolverPP{Order: 3}, DPMSolverPP{Order: 3, DiffusersCompat: true},
		UniPC{Order: 1}, UniPC{Order: 2}, UniPC{Order: 3}, UniPC{Order: 3, NoCorrector: true}, UniPC{Order: 2, Variant: "bh1"}}
}

// An explicit order sequence equal to the default compiles to the default plan: the same ops, buffers and
// coefficients, bit for bit, on every process (those starting at zero signal included) and step count.
func TestDefaultStepOrdersCompileToTheDefaultPlan(t *testing.T) {
	for _, pn := range ProcessNames() {
		p, err := NewProcess(pn)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range stepOrderFamilies() {
			for _, n := range []int{1, 2, 3, 5, 10} {
				times, err := DefaultSchedule(p).Times(p, n)
				if err != nil {
					t.Fatal(err)
				}
				want, err := s.Plan(p, times)
				if err != nil {
					t.Fatal(err)
				}
				def, most, err := s.StepOrderRange(p, times)
				if err != nil {
					t.Fatal(err)
				}
				for i := range def {
					if def[i] < 1 || def[i] > most[i] {
						t.Errorf("%s on %s, %d steps: default order %v outside 1..%v", solverLabel(s), pn, n, def, most)
					}
				}
				got, err := s.WithStepOrders(def).Plan(p, times)
				if err != nil {
					t.Fatalf("%s on %s, %d steps, orders %v: %v", solverLabel(s), pn, n, def, err)
				}
				if planDigest(got) != planDigest(want) || !reflect.DeepEqual(got.Ops, want.Ops) || got.Buffers != want.Buffers {
					t.Errorf("%s on %s, %d steps: explicit default orders %v change the plan", solverLabel(s), pn, n, def)
				}
			}
		}
	}
}

// First order at every step is DDIM (DPM-Solver-1) on the same grid: DPM-Solver++ and UniP without its
// corrector reduce to the first-order data step; UniPC with its corrector is then exactly UniPC-1.
func TestFirstOrderEverywhereIsDDIM(t *testing.T) {
	g := testGaussian(t)
	for _, pn := range []string{"edm", "vp-linear", "flow"} {
		p, err := NewProcess(pn)
		if err != nil {
			t.Fatal(err)
		}
		x0 := g.Noise(newRand(3), p, p.TMax(), 8)
		times, err := DefaultSchedule(p).Times(p, 7)
		if err != nil {
			t.Fatal(err)
		}
		ones := []int{1, 1, 1, 1, 1, 1, 1}
		ddim := sampleOn(t, g, p, DDIM{}, times, x0)
		for _, s := range []StepOrderSolver{DPMSolverPP{Order: 3}, DPMSolverPP{Order: 2}, UniPC{Order: 3, NoCorrector: true}} {
			got := sampleOn(t, g, p, s.WithStepOrders(ones), times, x0)
			if d := maxAbsDiff(got, ddim); d > 1e-12 {
				t.Errorf("%s on %s with orders 1: differs from DDIM by %.3g", solverLabel(s), pn, d)
			}
		}
		// Same coefficients; only the buffer numbering differs (unipc-3 keeps a longer history).
		if d := maxAbsDiff(sampleOn(t, g, p, UniPC{Order: 3, Orders: ones}, times, x0), sampleOn(t, g, p, UniPC{Order: 1}, times, x0)); d > 1e-12 {
			t.Errorf("unipc-3 with orders 1 on %s differs from unipc-1 by %.3g", pn, d)
		}
	}
}

func sampleOn(t *testing.T, g *GaussianMixture, p Process, s Solver, times, x0 []float64) []float64 {
	t.Helper()
	plan, err := s.Plan(p, times)
	if err != nil {
		t.Fatalf("%s: %v", s.Name(), err)
	}
	x := append([]float64(nil), x0...)
	if err := Sample(context.Background(), plan, g.Denoiser(p), x, RunOptions{}); err != nil {
		t.Fatal(err)
	}
	return x
}

// A sequence that drops to order q on a fixed fraction of the steps converges at order q (each such step's
// local error is O(h^(q+1)) and there are O(1/h) of them), q + 1 for UniPC, whose corrector after a
// predictor of order q has order q + 1; on the Gaussian's closed-form flow, as TestConvergenceOrdersGaussian.
func TestStepOrdersConvergeAtTheirLowestRecurringOrder(t *testing.T) {
	g := testGaussian(t)
	p := &EDM{SigmaMin: 1e-4, SigmaMax: 80}
	rng := rand.New(rand.NewPCG(1, 2))
	x0 := make([]float64, 8*3)
	for i := range x0 {
		x0[i] = 80 * rng.NormFloat64()
	}
	want, err := g.FlowMap(p, x0, p.TMax(), 0)
	if err != nil {
		t.Fatal(err)
	}
	// every other step at order low, the others at the highest they can take.
	alternate := func(s StepOrderSolver, times []float64, low int) []int {
		_, most, err := s.StepOrderRange(p, times)
		if err != nil {
			t.Fatal(err)
		}
		for i := range most {
			if i%2 == 1 {
				most[i] = min(most[i], low)
			}
		}
		return most
	}
	cases := []struct {
		s     StepOrderSolver
		low   int
		order float64
	}{
		{DPMSolverPP{Order: 3}, 3, 3}, {DPMSolverPP{Order: 3}, 2, 2}, {DPMSolverPP{Order: 3}, 1, 1},
		{UniPC{Order: 3, NoCorrector: true}, 2, 2}, {UniPC{Order: 3, NoCorrector: true}, 1, 1},
		{UniPC{Order: 3}, 3, 4}, {UniPC{Order: 3}, 2, 3}, {UniPC{Order: 3}, 1, 2},
	}
	ns := []int{5, 10, 20, 40, 80, 160}
	for _, c := range cases {
		errs := make([]float64, len(ns))
		for i, n := range ns {
			times, err := Karras{Rho: 7}.Times(p, n)
			if err != nil {
				t.Fatal(err)
			}
			errs[i] = maxAbsDiff(sampleOn(t, g, p, c.s.WithStepOrders(alternate(c.s, times, c.low)), times, x0), want)
		}
		k := slope(ns[3:], errs[3:])
		t.Logf("%-24s every other step order %d: errors %.2e; order %.2f (theory %v)", solverLabel(c.s), c.low, errs, k, c.order)
		if math.Abs(k-c.order) > 0.3 {
			t.Errorf("%s, every other step of order %d: measured order %.2f, want %v +- 0.3", solverLabel(c.s), c.low, k, c.order)
		}
	}
}

func TestStepOrdersAreValidated(t *testing.T) {
	p := NewEDM()
	times, err := Karras{Rho: 7}.Times(p, 4)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		s    Solver
		want string
	}{
		{DPMSolverPP{Order: 3, Orders: []int{1, 2, 1}}, "3 step orders for a grid of 4 steps"},
		{DPMSolverPP{Order: 3, Orders: []int{1, 0, 1, 1}}, "step 1 (t = "},
		{DPMSolverPP{Order: 3, Orders: []int{2, 1, 1, 1}}, "has order 2, want 1..1"},
		{DPMSolverPP{Order: 2, Orders: []int{1, 2, 3, 1}}, "has order 3, want 1..2"},
		{DPMSolverPP{Order: 3, Orders: []int{1, 2, 3, 2}}, "the final step to t = 0 is first order"},
		{UniPC{Order: 3, Orders: []int{1, 2, 3, 3}}, "the final step to t = 0 is first order"},
		{UniPC{Order: 2, Orders: []int{1, 2, 3, 1}}, "has order 3, want 1..2"},
		{DPMSolverPP{Order: 2, Beta: 0.8, Orders: []int{1, 2, 2, 1}}, "heavy-ball"},
	} {
		_, err := c.s.Plan(p, times)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %v: got %v, want an error containing %q", c.s.Name(), c.s, err, c.want)
		}
	}
	if _, err := ParseStepOrders("1,2,x"); err == nil {
		t.Error("ParseStepOrders accepted 1,2,x")
	}
	if o, err := ParseStepOrders(FormatStepOrders([]int{1, 2, 3, 1})); err != nil || fmt.Sprint(o) != "[1 2 3 1]" {
		t.Errorf("round trip: %v, %v", o, err)
	}
}

// BenchmarkPlanStepOrders compiles UniPC-3 with explicit orders (validated against StepOrderRange), as the
// order search does at every loss evaluation; compare BenchmarkPlan, the default sequence.
func BenchmarkPlanStepOrders(b *testing.B) {
	p := NewEDM()
	times, _ := Karras{Rho: 7}.Times(p, 100)
	def, _, _ := UniPC{Order: 3}.StepOrderRange(p, times)
	s := UniPC{Order: 3, Orders: def}
	for b.Loop() {
		s.Plan(p, times)
	}
}

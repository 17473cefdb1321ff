package diffusion

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
)

func allSolvers(t testing.TB) []Solver {
	var ss []Solver
	for _, n := range SolverNames() {
		s, err := NewSolver(n)
		if err != nil {
			t.Fatal(err)
		}
		ss = append(ss, s)
	}
	return append(ss, DDIM{Eta: 0.5}, Heun{SChurn: 40, STMin: 0.05, STMax: 50, SNoise: 1.003},
		UniPC{Order: 3, Variant: "bh1"}, UniPC{Order: 2, NoCorrector: true}, DPMSolverPP{Order: 3, DiffusersCompat: true},
		DPMSolverPPSDE{Eta: 0.5}, Momentum{Order: 2, Beta: 0.9, Generalized: true}, DEIS{Order: 4})
}

// Every solver plans with finite coefficients and samples finite values on every process, schedule and small
// step count: no log(0) at singlestep order 3 with 3n-1 steps (diffusers 9007), no Inf from zero terminal SNR
// (diffusers 3851), no NaN at the final step.
func TestSolversFiniteEverywhere(t *testing.T) {
	r := loadRef(t)
	g := refMixture(t, r)
	rng := rand.New(rand.NewPCG(5, 6))
	for _, p := range allProcesses(t) {
		x0 := g.Noise(rng, p, p.TMax(), 4)
		for _, sch := range allSchedules(t) {
			for _, n := range []int{1, 2, 3, 4, 5, 8, 11} {
				times, err := sch.Times(p, n)
				if err != nil {
					t.Fatal(err)
				}
				for _, s := range allSolvers(t) {
					plan, err := s.Plan(p, times)
					if err != nil {
						t.Fatalf("%s/%s/%s n=%d: %v", p.Name(), sch.Name(), s.Name(), n, err)
					}
					x := append([]float64(nil), x0...)
					if err := Sample(context.Background(), plan, g.Denoiser(p), x, RunOptions{Seed: 1}); err != nil {
						t.Fatalf("%s/%s/%s n=%d: %v", p.Name(), sch.Name(), s.Name(), n, err)
					}
				}
			}
		}
	}
}

func TestSinglestepOrders(t *testing.T) {
	for nfe := 1; nfe <= 60; nfe++ {
		for k := 1; k <= 3; k++ {
			o := SinglestepOrders(nfe, k)
			sum := 0
			for _, v := range o {
				sum += v
			}
			if sum != nfe || o[len(o)-1] != 1 {
				t.Fatalf("SinglestepOrders(%d, %d) = %v", nfe, k, o)
			}
			times, _ := UniformLogSNR{}.Times(NewVPLinear(), len(o))
			plan, err := DPMSolver{Order: k, Orders: o}.Plan(NewVPLinear(), times)
			if err != nil {
				t.Fatal(err)
			}
			if plan.NFE != nfe {
				t.Errorf("nfe %d order %d: plan spends %d", nfe, k, plan.NFE)
			}
		}
	}
}

func TestNFECounts(t *testing.T) {
	p := NewEDM()
	times, _ := Karras{Rho: 7}.Times(p, 10)
	want := map[string]int{"euler": 10, "heun": 19, "ddim": 10, "dpm-solver-2": 19, "dpm-solver-3": 28, "dpmpp-2m": 10,
		"dpmpp-3m": 10, "unipc-3": 10, "deis-3": 10, "pndm": 19, "plms": 11, "ipndm": 10, "hb-pndm": 10, "ghvb-pndm": 10}
	for name, nfe := range want {
		s, _ := NewSolver(name)
		plan, err := s.Plan(p, times)
		if err != nil {
			t.Fatal(err)
		}
		if plan.NFE != nfe {
			t.Errorf("%s: %d evaluations for 10 steps, want %d", name, plan.NFE, nfe)
		}
	}
}

func TestNewSolverUnknown(t *testing.T) {
	if _, err := NewSolver("dpm-solver-4"); err == nil {
		t.Error("want an error")
	}
	if _, err := (DPMSolverPP{Order: 4}).Plan(NewEDM(), []float64{80, 0}); err == nil {
		t.Error("want an error for order 4")
	}
	if _, err := (Euler{}).Plan(NewEDM(), []float64{80, 1}); err == nil {
		t.Error("want an error for a grid not ending at 0")
	}
}

// With beta = 1 the momentum methods reduce to their base solvers.
func TestMomentumReducesToBase(t *testing.T) {
	r := loadRef(t)
	g := refMixture(t, r)
	p := NewEDM()
	times, _ := Karras{Rho: 7}.Times(p, 12)
	x0 := g.Noise(rand.New(rand.NewPCG(1, 1)), p, p.TMax(), 8)
	run := func(s Solver) []float64 {
		plan, err := s.Plan(p, times)
		if err != nil {
			t.Fatal(err)
		}
		x := append([]float64(nil), x0...)
		if err := Sample(context.Background(), plan, g.Denoiser(p), x, RunOptions{}); err != nil {
			t.Fatal(err)
		}
		return x
	}
	base := run(PNDM{Warmup: "lower-order"})
	for _, s := range []Solver{Momentum{Order: 4, Beta: 1}, Momentum{Order: 4, Beta: 1, Generalized: true}} {
		if d := maxAbsDiff(run(s), base); d > 1e-12 {
			t.Errorf("%s beta=1 differs from iPNDM by %g", s.Name(), d)
		}
	}
	if d := maxAbsDiff(run(DPMSolverPP{Order: 2, Beta: 1}), run(DPMSolverPP{Order: 2})); d > 1e-12 {
		t.Errorf("hb-dpmpp beta=1 differs from 2M by %g", d)
	}
}

// slope fits log(err) = a - k log(n) by least squares and returns k.
func slope(ns []int, errs []float64) float64 {
	var sx, sy, sxx, sxy float64
	for i, n := range ns {
		x, y := math.Log(float64(n)), math.Log(errs[i])
		sx += x
		sy += y
		sxx += x * x
		sxy += x * y
	}
	m := float64(len(ns))
	return -(m*sxy - sx*sy) / (m*sxx - sx*sx)
}

package diffusion

import (
	"context"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// searchFixture is a small search: an 8-D, 3-component mixture under EDM, DPM-Solver++(2M) at 5 NFE.
func searchFixture(t *testing.T, maxEvals int) ScheduleSearch {
	t.Helper()
	g, err := RandomMixture(3, 8, 3)
	if err != nil {
		t.Fatal(err)
	}
	p := NewEDM()
	return ScheduleSearch{Process: p, Denoiser: g.Denoiser(p), Solver: DPMSolverPP{Order: 2}, NFE: 5,
		Noise: g.Noise(newRand(11), p, p.TMax(), 32), MaxEvals: maxEvals, RefTol: 1e-9}
}

// sampleRMSE is the search's loss recomputed independently: the solver's samples on a grid against a fresh
// reference solve.
func sampleRMSE(t *testing.T, s ScheduleSearch, times []float64) float64 {
	t.Helper()
	ref := slices.Clone(s.Noise)
	if _, err := ReferenceSample(context.Background(), s.Process, s.Denoiser, ref, s.Process.TMax(), 0, s.RefTol); err != nil {
		t.Fatal(err)
	}
	plan, err := s.Solver.Plan(s.Process, times)
	if err != nil {
		t.Fatal(err)
	}
	x := slices.Clone(s.Noise)
	if err := Sample(context.Background(), plan, s.Denoiser, x, RunOptions{}); err != nil {
		t.Fatal(err)
	}
	sq := 0.0
	for i := range x {
		sq += (x[i] - ref[i]) * (x[i] - ref[i])
	}
	return math.Sqrt(sq / float64(len(x)))
}

func TestScheduleSearchImprovesOnItsStartAndReportsTheTrueLoss(t *testing.T) {
	s := searchFixture(t, 400)
	r, err := s.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !(r.Loss <= r.StartLoss) {
		t.Fatalf("searched loss %v above the starting %s loss %v", r.Loss, r.Start, r.StartLoss)
	}
	// At 5 NFE the built-in grids are far from optimal: the search should gain a clear factor.
	if !(r.Loss < 0.7*r.StartLoss) {
		t.Errorf("searched loss %v is not below 0.7 x the starting %s loss %v", r.Loss, r.Start, r.StartLoss)
	}
	if r.Steps != 5 || r.NFE != 5 || len(r.Times) != 6 || r.Times[0] != s.Process.TMax() {
		t.Errorf("grid %v: %d steps, %d NFE; want 5 steps from TMax", r.Times, r.Steps, r.NFE)
	}
	if got := sampleRMSE(t, s, r.Times); math.Abs(got-r.Loss) > 1e-12*(1+r.Loss) {
		t.Errorf("reported loss %v, recomputed %v", r.Loss, got)
	}
	// The starting loss is the loss of the named built-in schedule's exact grid.
	sch, err := NewSchedule(r.Start)
	if err != nil {
		t.Fatalf("start %q: %v", r.Start, err)
	}
	times, err := sch.Times(s.Process, 5)
	if err != nil {
		t.Fatal(err)
	}
	if got := sampleRMSE(t, s, times); math.Abs(got-r.StartLoss) > 1e-12*(1+got) {
		t.Errorf("start %s: reported loss %v, recomputed %v", r.Start, r.StartLoss, got)
	}
}

// With a check batch the result is the improvement that does best on it: never worse than the start on
// either batch.
func TestScheduleSearchWithACheckBatchIsNeverWorseOnEither(t *testing.T) {
	s := searchFixture(t, 300)
	g, _ := RandomMixture(3, 8, 3)
	s.Check = g.Noise(newRand(12), s.Process, s.Process.TMax(), 32)
	r, err := s.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !(r.Loss <= r.StartLoss) || !(r.CheckLoss <= r.StartCheck) {
		t.Errorf("loss %v (start %v), check %v (start %v)", r.Loss, r.StartLoss, r.CheckLoss, r.StartCheck)
	}
	c := s
	c.Noise = s.Check
	if got := sampleRMSE(t, c, r.Times); math.Abs(got-r.CheckLoss) > 1e-12*(1+got) {
		t.Errorf("reported check loss %v, recomputed %v", r.CheckLoss, got)
	}
	if !(r.CheckLoss < r.StartCheck) {
		t.Errorf("no improvement on the check batch: %v vs %v", r.CheckLoss, r.StartCheck)
	}
}

func TestScheduleSearchIsDeterministic(t *testing.T) {
	a, err := searchFixture(t, 120).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	b, err := searchFixture(t, 120).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Times, b.Times) || a.Loss != b.Loss || a.Evals != b.Evals {
		t.Errorf("two runs differ: %v (%v) and %v (%v)", a.Times, a.Loss, b.Times, b.Loss)
	}
}

// DDIM is exact when the data is a point: D(x, t) is then the point itself for every x and t, and the
// first-order data step integrates the PF-ODE exactly on any grid. On a Gaussian of variance 1e-18 the loss
// of every grid is at rounding level, and the search must keep it there.
func TestScheduleSearchKeepsDDIMExactOnAPoint(t *testing.T) {
	d := 4
	mean := []float64{0.3, -1, 2, 0.5}
	cov := make([][]float64, d)
	for i := range cov {
		cov[i] = make([]float64, d)
		cov[i][i] = 1e-18
	}
	g, err := NewGaussianMixture([]float64{1}, [][]float64{mean}, [][][]float64{cov})
	if err != nil {
		t.Fatal(err)
	}
	p := NewVPLinear()
	s := ScheduleSearch{Process: p, Denoiser: g.Denoiser(p), Solver: DDIM{}, NFE: 4, Noise: g.Noise(newRand(5), p, p.TMax(), 16),
		MaxEvals: 100, RefTol: 1e-10}
	r, err := s.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for name, l := range r.StartLosses {
		if l > 1e-7 {
			t.Errorf("DDIM on %s: loss %v on a point target, want ~0", name, l)
		}
	}
	if r.Loss > 1e-7 {
		t.Errorf("searched loss %v, want ~0", r.Loss)
	}
}

func TestScheduleSearchStopsOnCancellation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s := searchFixture(t, 1000)
	calls := 0
	s.Progress = func(pr SearchProgress) {
		if calls++; pr.Phase == "search" {
			cancel()
		}
	}
	if _, err := s.Run(ctx); err != context.Canceled {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

func TestScheduleParamsRoundTripAndStayMonotone(t *testing.T) {
	for _, p := range []Process{NewEDM(), NewVPLinear(), NewFlow()} {
		for _, sch := range []Schedule{Karras{Rho: 7}, UniformLogSNR{}, UniformT{}} {
			times, err := sch.Times(p, 7)
			if err != nil {
				t.Fatal(err)
			}
			par, err := newScheduleParams(p, 7)
			if err != nil {
				t.Fatal(err)
			}
			z, err := par.encode(times)
			if err != nil {
				t.Fatalf("%s %s: %v", p.Name(), sch.Name(), err)
			}
			back, ok := par.decode(z)
			if !ok {
				t.Fatalf("%s %s: decode failed", p.Name(), sch.Name())
			}
			for i := range times {
				if math.Abs(back[i]-times[i]) > 1e-9*(1+times[i]) {
					t.Errorf("%s %s: level %d: %v -> %v", p.Name(), sch.Name(), i, times[i], back[i])
				}
			}
			// Any parameter vector gives a valid grid or is rejected.
			rng := newRand(1)
			for k := 0; k < 50; k++ {
				for i := range z {
					z[i] = 3 * rng.NormFloat64()
				}
				if g, ok := par.decode(z); ok {
					if err := ValidateTimes(p, g); err != nil {
						t.Errorf("%s: decoded grid %v: %v", p.Name(), g, err)
					}
				}
			}
		}
	}
}

func TestScheduleFileRoundTripsAndRefusesOtherUses(t *testing.T) {
	s := searchFixture(t, 60)
	r, err := s.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "sched.json")
	f := NewScheduleFile(s.Process, s.Solver, s.NFE, r, "mixture", ScheduleCalib{Points: 32, Seed: 11, RefTol: s.RefTol})
	if err := f.Save(path); err != nil {
		t.Fatal(err)
	}
	sch, err := NewSchedule(path)
	if err != nil {
		t.Fatal(err)
	}
	times, err := sch.Times(s.Process, r.Steps)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(times, r.Times) {
		t.Errorf("round trip: %v, want %v", times, r.Times)
	}
	if !strings.Contains(sch.Name(), "dpmpp-2m") || !strings.Contains(sch.Name(), "5 NFE") {
		t.Errorf("name %q does not say what it was searched for", sch.Name())
	}
	plan, err := PlanForNFE(s.Solver, s.Process, sch, 5)
	if err != nil || !slices.Equal(plan.Times, r.Times) {
		t.Errorf("PlanForNFE at the searched budget: %v", err)
	}
	if _, err := PlanForNFE(s.Solver, s.Process, sch, 10); err == nil || !strings.Contains(err.Error(), "budget of 5 NFE") {
		t.Errorf("another budget: got %v, want a refusal", err)
	}
	if _, err := sch.Times(s.Process, 6); err == nil {
		t.Error("another step count was accepted")
	}
	if _, err := sch.Times(NewVPLinear(), r.Steps); err == nil || !strings.Contains(err.Error(), "searched on process edm") {
		t.Errorf("another process: got %v", err)
	}
	// Same name and range, other constants: the log-SNR record catches it.
	other := &EDM{SigmaMin: NewEDM().SigmaMin, SigmaMax: NewEDM().SigmaMax}
	if _, err := sch.Times(other, r.Steps); err != nil {
		t.Errorf("an identical process was refused: %v", err)
	}
	f.Process.LogSNR[2] += 0.1
	if err := f.CheckProcess(s.Process); err == nil {
		t.Error("a changed log-SNR record was accepted")
	}
	if _, err := NewSchedule(filepath.Join(t.TempDir(), "missing.json")); err == nil {
		t.Error("a missing file was accepted")
	}
}

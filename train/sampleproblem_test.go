package train

import (
	"context"
	"math"
	"testing"

	"github.com/trajdiff/trajdiff/diffusion"
)

// The sampling problem is the request itself: its denoiser, conditioner and noise run by the request's plan
// give Model.Sample's windows, so a schedule searched on it optimises what planning samples.
func TestSamplingProblemReproducesSample(t *testing.T) {
	cfg := windowRun(t, t.TempDir(), nil)
	m, err := Load(cfg.Out, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	req := SampleRequest{N: 3, Seed: 9, Fixed: fixedEnds(3), Solver: "dpmpp-2m", Steps: 5, ClipX0: true}
	want, err := m.Sample(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	pr, err := m.SamplingProblem(req)
	if err != nil {
		t.Fatal(err)
	}
	times, err := diffusion.DefaultSchedule(pr.Process).Times(pr.Process, 5)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := diffusion.DPMSolverPP{Order: 2}.Plan(pr.Process, times)
	if err != nil {
		t.Fatal(err)
	}
	x := append([]float64(nil), pr.Noise...)
	if err := diffusion.Sample(context.Background(), plan, pr.Denoiser, x, diffusion.RunOptions{Condition: pr.Condition}); err != nil {
		t.Fatal(err)
	}
	m.Unnormalize(x)
	for i := range x {
		if math.Abs(x[i]-want.X[i]) > 1e-9*(1+math.Abs(want.X[i])) {
			t.Fatalf("value %d: %v, Model.Sample gave %v", i, x[i], want.X[i])
		}
	}
	if _, err := m.SamplingProblem(SampleRequest{N: 1, Fixed: fixedEnds(1), StartTime: 0.5, Init: make([]float64, 24)}); err == nil {
		t.Error("a warm start was accepted")
	}
}

// The problem carries what Sample runs, for executors of their own (the GPU's): its plan with the noise,
// conditioner and denoiser gives Sample's windows, the condition rows are the fixed conditioning entries
// in training units, one row per window, and the names are the ones Samples reports.
func TestSamplingProblemCarriesTheRequestsPlanAndConditions(t *testing.T) {
	cfg := windowRun(t, t.TempDir(), nil)
	m, err := Load(cfg.Out, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	req := SampleRequest{N: 3, Seed: 4, Fixed: fixedEnds(3), Steps: 6, ClipX0: true}
	want, err := m.Sample(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	pr, err := m.SamplingProblem(req)
	if err != nil {
		t.Fatal(err)
	}
	if pr.Plan == nil || !pr.ClipX0 || pr.Solver != want.Solver || pr.Schedule != want.Schedule || pr.Steps != want.Steps || pr.Plan.NFE != want.NFE {
		t.Fatalf("problem %+v does not describe the run Sample made (%s, %s, %d steps, %d NFE)", pr, want.Solver, want.Schedule, want.Steps, want.NFE)
	}
	x := append([]float64(nil), pr.Noise...)
	if err := diffusion.Sample(context.Background(), pr.Plan, pr.Denoiser, x, diffusion.RunOptions{Seed: 4, Condition: pr.Condition}); err != nil {
		t.Fatal(err)
	}
	m.Unnormalize(x)
	for i := range x {
		if math.Abs(x[i]-want.X[i]) > 1e-9*(1+math.Abs(want.X[i])) {
			t.Fatalf("value %d: %v, Model.Sample gave %v", i, x[i], want.X[i])
		}
	}
	in, ok := pr.Condition.(*diffusion.Inpaint)
	if !ok || len(pr.Cond) != 3*2 {
		t.Fatalf("condition %T, %d condition values; want the inpainting and 3 rows of 2", pr.Condition, len(pr.Cond))
	}
	D := m.Horizon * m.Transition
	for s := 0; s < 3; s++ {
		first, last := in.Values[s*D+1], in.Values[s*D+D-m.Transition+1]
		if pr.Cond[2*s] != first || pr.Cond[2*s+1] != last {
			t.Errorf("window %d: condition row %v, fixed entries %v, %v", s, pr.Cond[2*s:2*s+2], first, last)
		}
	}
}

// echoX0 is a network whose x0-prediction is its input, scaled by 5.
type echoX0 struct{ dim int }

func (e echoX0) Dim() int { return e.dim }

func (e echoX0) Denoise(dst, x []float64, t float64) error {
	for i := range dst {
		dst[i] = 5 * x[i]
	}
	return nil
}

// SampleRequest.Network replaces the model's network and keeps the rest of the sampler: the model's own
// network given back reproduces Model.Sample's windows bit for bit, and a network predicting 5 x sees the
// fixed entries' values from the request in its input and comes out clipped to [-1, 1] in the problem's
// denoiser; a network of another dimension is refused.
func TestRequestNetworkKeepsFixedEntriesAndClipping(t *testing.T) {
	cfg := windowRun(t, t.TempDir(), nil)
	m, err := Load(cfg.Out, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	req := SampleRequest{N: 2, Seed: 5, Fixed: fixedEnds(2), Steps: 4, ClipX0: true}
	want, err := m.Sample(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	sp, err := m.prepare(req)
	if err != nil {
		t.Fatal(err)
	}
	own, _, err := m.denoiser(sp)
	if err != nil {
		t.Fatal(err)
	}
	same := req
	same.Network = own
	got, err := m.Sample(context.Background(), same)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want.X {
		if got.X[i] != want.X[i] {
			t.Fatalf("value %d: %v with the network given back, %v with the model's own", i, got.X[i], want.X[i])
		}
	}
	echo := req
	echo.Network = echoX0{dim: own.Dim()}
	pr, err := m.SamplingProblem(echo)
	if err != nil {
		t.Fatal(err)
	}
	D := own.Dim()
	x0 := make([]float64, len(pr.Noise))
	if err := pr.Denoiser.Denoise(x0, pr.Noise, 0.5); err != nil {
		t.Fatal(err)
	}
	in, ok := pr.Condition.(*diffusion.Inpaint)
	if !ok {
		t.Fatalf("the problem's condition is %T, not the fixed entries", pr.Condition)
	}
	fixed := 0
	for i, v := range x0 {
		want := max(-1, min(1, 5*pr.Noise[i]))
		if in.Mask[i%D] {
			fixed++
			want = max(-1, min(1, 5*in.Values[i%len(in.Values)]))
		}
		if v != want {
			t.Fatalf("entry %d (fixed: %v): %v, want %v", i, in.Mask[i%D], v, want)
		}
	}
	if fixed == 0 {
		t.Fatal("no fixed entries: the check sees nothing")
	}
	bad := req
	bad.Network = echoX0{dim: D + 1}
	if _, err := m.Sample(context.Background(), bad); err == nil {
		t.Error("a network of another dimension was accepted")
	}
}

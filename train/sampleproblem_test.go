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

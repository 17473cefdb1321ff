package train

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"testing"

	"github.com/trajdiff/trajdiff/diffusion"
)

// A schedule file with searched step orders samples with those orders (the request's solver must be the one
// they were searched for) and is refused, as a bad request, for another solver.
func TestSampleRunsAScheduleFilesStepOrders(t *testing.T) {
	dir := t.TempDir()
	cfg := windowRun(t, dir, nil)
	m, err := Load(cfg.Out, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p := m.Checkpoint.Process
	times, err := diffusion.UniformLogSNR{}.Times(p, 5)
	if err != nil {
		t.Fatal(err)
	}
	orders := []int{1, 1, 3, 2, 1}
	r := &diffusion.SearchResult{Times: times, Orders: orders, StartLosses: map[string]float64{}, CheckLoss: math.NaN()}
	path := filepath.Join(dir, "orders.json")
	if err := diffusion.NewScheduleFile(p, diffusion.UniPC{Order: 3}, 5, r, "test", diffusion.ScheduleCalib{}).Save(path); err != nil {
		t.Fatal(err)
	}
	req := SampleRequest{N: 2, Seed: 4, Fixed: fixedEnds(2), Solver: "unipc-3", Steps: 5, Schedule: path}
	got, err := m.Sample(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	pr, err := m.SamplingProblem(req)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := diffusion.UniPC{Order: 3, Orders: orders}.Plan(p, times)
	if err != nil {
		t.Fatal(err)
	}
	x := append([]float64(nil), pr.Noise...)
	if err := diffusion.Sample(context.Background(), plan, pr.Denoiser, x, diffusion.RunOptions{Condition: pr.Condition}); err != nil {
		t.Fatal(err)
	}
	m.Unnormalize(x)
	for i := range x {
		if math.Abs(x[i]-got.X[i]) > 1e-9*(1+math.Abs(got.X[i])) {
			t.Fatalf("value %d: %v with orders %v, Model.Sample gave %v", i, x[i], orders, got.X[i])
		}
	}
	req.Solver = "dpmpp-2m"
	if _, err := m.Sample(context.Background(), req); !errors.Is(err, ErrBadRequest) {
		t.Errorf("another solver: got %v, want a bad request", err)
	}
}

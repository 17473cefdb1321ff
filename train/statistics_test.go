package train

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/diffusion"
)

// DPM-Solver-v3 samples a checkpoint with the statistics stored beside it (as `trajdiff bench ems` writes
// them), and lands near a fine DDIM solution of the same ODE from the same noise; without statistics, or with
// statistics for a solver that takes none, the request is refused.
func TestDPMSolverV3SamplesACheckpointWithItsStatistics(t *testing.T) {
	dir := t.TempDir()
	cfg := windowRun(t, dir, func(c *Config) {
		c.Data.Condition, c.Network.MLP.CondDim = nil, 0
	})
	m, err := Load(cfg.Out, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	req := SampleRequest{N: 16, Seed: 5, Solver: "dpm-solver-v3-2", Steps: 10}
	if _, err := m.Sample(context.Background(), req); !errors.Is(err, ErrBadRequest) || !strings.Contains(err.Error(), "bench ems") {
		t.Fatalf("without statistics: %v, want a bad request naming bench ems", err)
	}
	ctx := context.Background()
	c := m.Checkpoint
	x0, err := diffusion.ModelCalibration(ctx, c.Denoiser, c.Process, 32, 20, 32, 3)
	if err != nil {
		t.Fatal(err)
	}
	ems, err := diffusion.ComputeEMS(ctx, c.Denoiser, c.Process, x0, diffusion.EMSOptions{Steps: 40, Batch: 32, Seed: 3, Step: 1e-2})
	if err != nil {
		t.Fatal(err)
	}
	if err := ems.Save(filepath.Join(c.Path, StatisticsFile)); err != nil {
		t.Fatal(err)
	}
	v3, err := m.Sample(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	fine, err := m.Sample(ctx, SampleRequest{N: 16, Seed: 5, Solver: "ddim", Steps: 200})
	if err != nil {
		t.Fatal(err)
	}
	var diff, size float64
	for i := range v3.X {
		diff += (v3.X[i] - fine.X[i]) * (v3.X[i] - fine.X[i])
		size += fine.X[i] * fine.X[i]
	}
	t.Logf("v3 vs fine DDIM: relative squared distance %.3g", diff/size)
	if math.IsNaN(diff) || diff > 1e-5*size {
		t.Errorf("v3 at 10 steps is %.3g (RMS) from DDIM at 200, samples' RMS %.3g", math.Sqrt(diff/float64(len(v3.X))), math.Sqrt(size/float64(len(v3.X))))
	}
	if _, err := m.Sample(ctx, SampleRequest{N: 1, Solver: "ddim", Statistics: "x.safetensors"}); !errors.Is(err, ErrBadRequest) {
		t.Errorf("statistics for ddim: %v, want a bad request", err)
	}
}

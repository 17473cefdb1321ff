//go:build trajdiff_cuda

package fromnn

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/gpu"
	"github.com/trajdiff/trajdiff/nn"
)

// medianTime is the median of seven stream-timed runs of f, after one untimed run.
func medianTime(t *testing.T, s *gpu.Stream, f func() error) time.Duration {
	t.Helper()
	if err := f(); err != nil {
		t.Fatal(err)
	}
	var ds []time.Duration
	for i := 0; i < 7; i++ {
		dt, err := s.Time(f)
		if err != nil {
			t.Fatal(err)
		}
		ds = append(ds, dt)
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[3]
}

// medianDenoise is the median device latency of p.Denoise on the input x (medianTime).
func medianDenoise(t *testing.T, d *gpu.Device, s *gpu.Stream, p *gpu.Predictor, x []float64) time.Duration {
	t.Helper()
	xb, yb, free := uploadedInput(t, d, s, x)
	defer free()
	return medianTime(t, s, func() error { return p.Denoise(s, yb, xb, 0.5) })
}

// networkRow is one row of a trained-network timing table at one batch: the device's forward latency
// (median), the best of three graph-replayed sampler runs of plan, and for batches up to 32 windows the CPU
// predictor's latency and the CPU sampler's plans per second ("-" above).
type networkRow struct {
	forward, sampler     time.Duration
	cpuForward, cpuPlans string
}

// timeNetworkRow measures a networkRow for the input x (n windows) of the device predictor p and its CPU
// twin cpu, an eps-predicting network of proc.
func timeNetworkRow(t *testing.T, d *gpu.Device, s *gpu.Stream, p *gpu.Predictor, cpu *nn.Predictor, proc diffusion.Process,
	plan *diffusion.Plan, x []float64, n int) networkRow {
	t.Helper()
	var r networkRow
	r.forward = medianDenoise(t, d, s, p, x)
	e, err := gpu.NewExecutor(d, plan, len(x))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if err := e.Run(context.Background(), p, to32(x), gpu.RunOptions{Seed: 1, Graph: true}); err != nil {
		t.Fatal(err)
	}
	r.sampler = time.Duration(1 << 62)
	for i := 0; i < 3; i++ {
		x32 := to32(x)
		t0 := time.Now()
		if err := e.Run(context.Background(), p, x32, gpu.RunOptions{Seed: 1, Graph: true}); err != nil {
			t.Fatal(err)
		}
		r.sampler = min(r.sampler, time.Since(t0))
	}
	r.cpuForward, r.cpuPlans = "-", "-"
	if n <= 32 {
		dst := make([]float64, len(x))
		cpu.Predict(dst, x, 0.5)
		t0 := time.Now()
		if err := cpu.Predict(dst, x, 0.5); err != nil {
			t.Fatal(err)
		}
		r.cpuForward = fmt.Sprintf("%.2f ms", time.Since(t0).Seconds()*1e3)
		xc := append([]float64(nil), x...)
		t0 = time.Now()
		if err := diffusion.Sample(context.Background(), plan, diffusion.FromPrediction(cpu, diffusion.PredEps, proc), xc, diffusion.RunOptions{Seed: 1}); err != nil {
			t.Fatal(err)
		}
		r.cpuPlans = fmt.Sprintf("%.1f", float64(n)/time.Since(t0).Seconds())
	}
	return r
}

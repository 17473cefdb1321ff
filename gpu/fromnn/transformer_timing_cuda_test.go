//go:build trajdiff_cuda

package fromnn

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/gpu"
	"github.com/trajdiff/trajdiff/nn"
)

// TestGPUTransformerTimings prints the 1-D DiT's timings for docs/benchmarks.md when TRAJDIFF_GPU_TIMINGS=1
// (gpu/check.sh sets it): the forward latency and achieved TFLOP/s of ditBenchConfig on the device, and whole
// 10-NFE DPM-Solver++(2M) runs in plans per second (CUDA graphs), at batches of 1, 32 and 1024 windows, next
// to nn's CPU predictor and diffusion.Sample (batches up to 32; BenchmarkTransformer*CPU are the same
// workloads as Go benchmarks). Nothing is asserted. TRAJDIFF_GPU_TIMINGS=smoke runs it on a small network
// (CI, on the emulator; its numbers mean nothing).
func TestGPUTransformerTimings(t *testing.T) {
	mode := os.Getenv("TRAJDIFF_GPU_TIMINGS")
	if mode != "1" && mode != "smoke" {
		t.Skip("set TRAJDIFF_GPU_TIMINGS=1 to print the transformer timings (smoke: a small network)")
	}
	cfg, batches := ditBenchConfig, benchBatches
	if mode == "smoke" {
		cfg, batches = nn.TransformerConfig{Length: 8, Channels: 2, Width: 16, Depth: 1, Heads: 2}, []int{1, 2}
	}
	d := testDevice(t)
	s, err := d.NewStream()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	net := newRandomTransformer(t, cfg, 1)
	cpuPred := nn.NewPredictor(net)
	proc, _ := diffusion.NewProcess("vp-cosine")
	pz := gpu.Parameterization{Prediction: diffusion.PredEps, Process: proc}
	p, err := NewPredictor(d, net, pz, batches[len(batches)-1], gpu.PredictorOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	sol, _ := diffusion.NewSolver("dpmpp-2m")
	plan, err := diffusion.PlanForNFE(sol, proc, diffusion.DefaultSchedule(proc), 10)
	if err != nil {
		t.Fatal(err)
	}
	median := func(f func() error) time.Duration {
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
	var out strings.Builder
	pr := func(format string, a ...any) { fmt.Fprintf(&out, format+"\n", a...) }
	flops := ditFlops(cfg)
	pr("device: %s", d.Info())
	pr("\ntransformer: length %d, channels %d, width %d, depth %d, heads %d, causal %v (%.1f MFLOP per window)", cfg.Length, cfg.Channels,
		cfg.Width, cfg.Depth, cfg.Heads, cfg.Causal, flops/1e6)
	pr("\n| transformer | batch | GPU denoise | TFLOP/s | GPU graphs: plans/s (dpmpp-2m, 10 NFE) | CPU nn.Predictor | CPU diffusion.Sample: plans/s |")
	pr("|---|---|---|---|---|---|---|")
	for _, n := range batches {
		x := randomInput(4, n*net.Dim())
		xb, err := d.Alloc(len(x))
		if err != nil {
			t.Fatal(err)
		}
		yb, err := d.Alloc(len(x))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Upload(xb, to32(x)); err != nil {
			t.Fatal(err)
		}
		lat := median(func() error { return p.Denoise(s, yb, xb, 0.5) })
		d.Free(xb)
		d.Free(yb)
		e, err := gpu.NewExecutor(d, plan, len(x))
		if err != nil {
			t.Fatal(err)
		}
		x32 := to32(x)
		if err := e.Run(context.Background(), p, x32, gpu.RunOptions{Seed: 1, Graph: true}); err != nil {
			t.Fatal(err)
		}
		best := time.Duration(1 << 62)
		for i := 0; i < 3; i++ {
			x32 = to32(x)
			t0 := time.Now()
			if err := e.Run(context.Background(), p, x32, gpu.RunOptions{Seed: 1, Graph: true}); err != nil {
				t.Fatal(err)
			}
			best = min(best, time.Since(t0))
		}
		e.Close()
		cpuLat, cpuRate := "-", "-"
		if n <= 32 {
			dst := make([]float64, len(x))
			cpuPred.Predict(dst, x, 0.5)
			t0 := time.Now()
			if err := cpuPred.Predict(dst, x, 0.5); err != nil {
				t.Fatal(err)
			}
			cpuLat = fmt.Sprintf("%.2f ms", time.Since(t0).Seconds()*1e3)
			xc := append([]float64(nil), x...)
			t0 = time.Now()
			if err := diffusion.Sample(context.Background(), plan, diffusion.FromPrediction(cpuPred, diffusion.PredEps, proc), xc, diffusion.RunOptions{Seed: 1}); err != nil {
				t.Fatal(err)
			}
			cpuRate = fmt.Sprintf("%.1f", float64(n)/time.Since(t0).Seconds())
		}
		pr("| | %d | %.1f µs | %.2f | %.0f | %s | %s |", n, lat.Seconds()*1e6, flops*float64(n)/lat.Seconds()/1e12, float64(n)/best.Seconds(), cpuLat, cpuRate)
	}
	fmt.Println(out.String())
}

//go:build trajdiff_cuda

package fromnn

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/gpu"
	"github.com/trajdiff/trajdiff/nn"
)

// TestGPUNetworkTimings prints the network timings for docs/benchmarks.md when TRAJDIFF_GPU_TIMINGS=1
// (gpu/check.sh sets it), as gpu's TestGPUTimings does: forward latency and achieved TFLOP/s of benchConfig's
// MLP on the device (FP32 and TF32) next to nn's CPU predictor, and whole 10-NFE DPM-Solver++(2M) runs in
// plans per second (launches and CUDA graphs) next to the CPU sampler, at batches of 1, 32 and 1024; then
// the same for Diffuser's maze2d TemporalUnet (the CPU only up to batch 32), with its TF32 and BF16 forward
// latencies (every convolution on the tensor cores, tile_tf32.cuh, tile_bf16.cuh) next to the FP32 one.
// Nothing is asserted. TRAJDIFF_GPU_TIMINGS=smoke runs it on a small network (CI, on the emulator; its
// numbers mean nothing).
func TestGPUNetworkTimings(t *testing.T) {
	mode := os.Getenv("TRAJDIFF_GPU_TIMINGS")
	if mode != "1" && mode != "smoke" {
		t.Skip("set TRAJDIFF_GPU_TIMINGS=1 to print the network timings (smoke: a small network)")
	}
	cfg, batches := benchConfig, benchBatches
	if mode == "smoke" {
		cfg, batches = nn.MLPConfig{Dim: 12, Hidden: []int{32, 32}, TimeDim: 8}, []int{1, 8}
	}
	d := testDevice(t)
	s, err := d.NewStream()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	net := newMLP(t, cfg, 1)
	m, err := MLP(net)
	if err != nil {
		t.Fatal(err)
	}
	cpuPred := nn.NewPredictor(net)
	proc, _ := diffusion.NewProcess("vp-cosine")
	pz := gpu.Parameterization{Prediction: diffusion.PredEps, Process: proc}
	maxB := batches[len(batches)-1]
	preds := map[gpu.Precision]*gpu.Predictor{}
	for _, prec := range []gpu.Precision{gpu.FP32, gpu.TF32} {
		if preds[prec], err = gpu.NewPredictor(d, m, pz, maxB, gpu.PredictorOptions{Precision: prec}); err != nil {
			t.Fatal(err)
		}
		defer preds[prec].Close()
	}
	var out strings.Builder
	pr := func(format string, a ...any) { fmt.Fprintf(&out, format+"\n", a...) }
	pr("device: %s", d.Info())
	flops := mlpFlops(cfg)
	pr("\nnetwork: mlp dim %d, hidden %v, time %d (%.2f MFLOP per point)", cfg.Dim, cfg.Hidden, cfg.TimeDim, flops/1e6)
	pr("\n| forward | batch | GPU FP32 | TFLOP/s | GPU TF32 | TFLOP/s | CPU nn.Predictor (%d threads) |", runtime.GOMAXPROCS(0))
	pr("|---|---|---|---|---|---|---|")
	for _, n := range batches {
		x := randomInput(2, n*cfg.Dim)
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
		var times [2]time.Duration
		for i, prec := range []gpu.Precision{gpu.FP32, gpu.TF32} {
			p := preds[prec]
			times[i] = medianTime(t, s, func() error { return p.Denoise(s, yb, xb, 0.5) })
		}
		dst := make([]float64, len(x))
		cpuPred.Predict(dst, x, 0.5)
		best := time.Duration(1 << 62)
		for i := 0; i < 5; i++ {
			t0 := time.Now()
			if err := cpuPred.Predict(dst, x, 0.5); err != nil {
				t.Fatal(err)
			}
			best = min(best, time.Since(t0))
		}
		tf := func(dt time.Duration) float64 { return flops * float64(n) / dt.Seconds() / 1e12 }
		pr("| denoise (forward + x0) | %d | %.1f µs | %.2f | %.1f µs | %.2f | %.1f µs |", n, times[0].Seconds()*1e6, tf(times[0]),
			times[1].Seconds()*1e6, tf(times[1]), best.Seconds()*1e6)
		d.Free(xb)
		d.Free(yb)
	}

	sol, _ := diffusion.NewSolver("dpmpp-2m")
	plan, err := diffusion.PlanForNFE(sol, proc, diffusion.DefaultSchedule(proc), 10)
	if err != nil {
		t.Fatal(err)
	}
	pr("\n| sampler (dpmpp-2m, 10 NFE, FP32) | batch | GPU launches: plans/s | GPU graphs: plans/s | CPU diffusion.Sample: plans/s |")
	pr("|---|---|---|---|---|")
	cpuDen := diffusion.FromPrediction(cpuPred, diffusion.PredEps, proc)
	for _, n := range batches {
		x := randomInput(3, n*cfg.Dim)
		e, err := gpu.NewExecutor(d, plan, len(x))
		if err != nil {
			t.Fatal(err)
		}
		rate := func(graph bool) float64 {
			x32 := to32(x)
			run := func() error {
				return e.Run(context.Background(), preds[gpu.FP32], x32, gpu.RunOptions{Seed: 1, Graph: graph})
			}
			if err := run(); err != nil {
				t.Fatal(err)
			}
			best := time.Duration(1 << 62)
			for i := 0; i < 5; i++ {
				t0 := time.Now()
				if err := run(); err != nil {
					t.Fatal(err)
				}
				best = min(best, time.Since(t0))
			}
			return float64(n) / best.Seconds()
		}
		direct, graphed := rate(false), rate(true)
		e.Close()
		xc := append([]float64(nil), x...)
		t0 := time.Now()
		if err := diffusion.Sample(context.Background(), plan, cpuDen, xc, diffusion.RunOptions{Seed: 1}); err != nil {
			t.Fatal(err)
		}
		cpu := float64(n) / time.Since(t0).Seconds()
		pr("| | %d | %.0f | %.0f | %.1f |", n, direct, graphed, cpu)
	}

	// Diffuser's maze2d TemporalUnet: forward latency and 10-NFE plans per second (graphs), CPU for small batches.
	ucfg, ubatches := unetBenchConfig, batches
	if mode == "smoke" {
		ucfg, ubatches = nn.TemporalUnetConfig{Horizon: 8, Transition: 2, Dim: 8, DimMults: []int{1, 2}, Groups: 4}, []int{1, 2}
	}
	unet, err := nn.NewTemporalUnet(ucfg, tensor.Float32)
	if err != nil {
		t.Fatal(err)
	}
	unet.Params().Init(1)
	uPred := nn.NewPredictor(unet)
	up, err := NewPredictor(d, unet, pz, ubatches[len(ubatches)-1], gpu.PredictorOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer up.Close()
	up32, err := NewPredictor(d, unet, pz, ubatches[len(ubatches)-1], gpu.PredictorOptions{Precision: gpu.TF32})
	if err != nil {
		t.Fatal(err)
	}
	defer up32.Close()
	upBF, err := NewPredictor(d, unet, pz, ubatches[len(ubatches)-1], gpu.PredictorOptions{Precision: gpu.BFloat16})
	if err != nil {
		t.Fatal(err)
	}
	defer upBF.Close()
	pr("\ntemporal_unet: horizon %d, transition %d, dim %d, mults %v", ucfg.Horizon, ucfg.Transition, ucfg.Dim, ucfg.DimMults)
	pr("\n| temporal_unet | batch | GPU FP32 denoise | GPU TF32 denoise | GPU BF16 denoise | GPU FP32 graphs: plans/s (dpmpp-2m, 10 NFE) | CPU nn.Predictor | CPU diffusion.Sample: plans/s |")
	pr("|---|---|---|---|---|---|---|---|")
	for _, n := range ubatches {
		x := randomInput(4, n*unet.Dim())
		r := timeNetworkRow(t, d, s, up, uPred, proc, plan, x, n)
		tf, bf := medianDenoise(t, d, s, up32, x), medianDenoise(t, d, s, upBF, x)
		pr("| | %d | %.1f µs | %.1f µs | %.1f µs | %.0f | %s | %s |", n, r.forward.Seconds()*1e6, tf.Seconds()*1e6, bf.Seconds()*1e6,
			float64(n)/r.sampler.Seconds(), r.cpuForward, r.cpuPlans)
	}
	fmt.Println(out.String())
}

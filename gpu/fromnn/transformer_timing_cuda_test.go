//go:build trajdiff_cuda

package fromnn

import (
	"fmt"
	"os"
	"strings"
	"testing"

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
	var out strings.Builder
	pr := func(format string, a ...any) { fmt.Fprintf(&out, format+"\n", a...) }
	flops := ditFlops(cfg)
	pr("device: %s", d.Info())
	pr("\ntransformer: length %d, channels %d, width %d, depth %d, heads %d, causal %v (%.1f MFLOP per window)", cfg.Length, cfg.Channels,
		cfg.Width, cfg.Depth, cfg.Heads, cfg.Causal, flops/1e6)
	pr("\n| transformer | batch | GPU denoise | TFLOP/s | GPU graphs: plans/s (dpmpp-2m, 10 NFE) | CPU nn.Predictor | CPU diffusion.Sample: plans/s |")
	pr("|---|---|---|---|---|---|---|")
	for _, n := range batches {
		r := timeNetworkRow(t, d, s, p, cpuPred, proc, plan, randomInput(4, n*net.Dim()), n)
		pr("| | %d | %.1f µs | %.2f | %.0f | %s | %s |", n, r.forward.Seconds()*1e6, flops*float64(n)/r.forward.Seconds()/1e12, float64(n)/r.sampler.Seconds(), r.cpuForward, r.cpuPlans)
	}
	fmt.Println(out.String())
}

package fromnn

import (
	"context"
	"fmt"
	"testing"

	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/nn"
)

// benchConfig is the network of the GPU timings and their CPU reference: an MLP denoiser of windows of 32
// steps of maze2d's 6-value transition (4-D observation, 2-D action), three hidden layers of 512 (1.47 MFLOP
// per point).
var benchConfig = nn.MLPConfig{Dim: 32 * 6, Hidden: []int{512, 512, 512}, TimeDim: 32}

// benchBatches are the batch sizes of the timings (points per forward pass or sampler run).
var benchBatches = []int{1, 32, 1024}

// mlpFlops is the multiply-adds of one point's forward pass, times 2.
func mlpFlops(cfg nn.MLPConfig) float64 {
	in, f := cfg.Dim+cfg.TimeDim+cfg.CondDim, 0.0
	for _, h := range append(append([]int(nil), cfg.Hidden...), cfg.Dim) {
		f += 2 * float64(in*h)
		in = h
	}
	return f
}

// BenchmarkMLPForwardCPU is nn's float32 CPU predictor on benchConfig, the reference of the GPU forward
// latency that TestGPUNetworkTimings (fromnn_timing_cuda_test.go) measures.
func BenchmarkMLPForwardCPU(b *testing.B) {
	net := newMLP(b, benchConfig, 1)
	pred := nn.NewPredictor(net)
	for _, n := range benchBatches {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			x := randomInput(2, n*benchConfig.Dim)
			dst := make([]float64, len(x))
			if err := pred.Predict(dst, x, 0.5); err != nil { // builds the graph for this batch
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := pred.Predict(dst, x, 0.5); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(mlpFlops(benchConfig)*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkMLPSampleCPU is a whole 10-NFE DPM-Solver++(2M) run with benchConfig's network (eps-prediction,
// vp-cosine) on the CPU, the reference of the GPU sampler throughput: plans (samples) per second.
func BenchmarkMLPSampleCPU(b *testing.B) {
	net := newMLP(b, benchConfig, 1)
	p, _ := diffusion.NewProcess("vp-cosine")
	den := diffusion.FromPrediction(nn.NewPredictor(net), diffusion.PredEps, p)
	sol, _ := diffusion.NewSolver("dpmpp-2m")
	plan, err := diffusion.PlanForNFE(sol, p, diffusion.DefaultSchedule(p), 10)
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range benchBatches {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			x0 := randomInput(3, n*benchConfig.Dim)
			x := append([]float64(nil), x0...)
			// One run first: the predictor builds its graph for this batch size once.
			if err := diffusion.Sample(context.Background(), plan, den, x, diffusion.RunOptions{Seed: 1}); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				copy(x, x0)
				if err := diffusion.Sample(context.Background(), plan, den, x, diffusion.RunOptions{Seed: 1}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "plans/s")
		})
	}
}

// unetBenchConfig is Diffuser's maze2d TemporalUnet (horizon 128 of maze2d's 6-value transition, dim 32,
// multipliers 1, 4, 8), the planner network of the GPU timings.
var unetBenchConfig = nn.TemporalUnetConfig{Horizon: 128, Transition: 6, Dim: 32, DimMults: []int{1, 4, 8}}

// BenchmarkTemporalUnetForwardCPU is nn's float32 CPU predictor on unetBenchConfig at batches of 1 and 32
// windows (1024 takes minutes per call on a CPU), the reference of the GPU forward latency.
func BenchmarkTemporalUnetForwardCPU(b *testing.B) {
	net, err := nn.NewTemporalUnet(unetBenchConfig, tensor.Float32)
	if err != nil {
		b.Fatal(err)
	}
	net.Params().Init(1)
	pred := nn.NewPredictor(net)
	for _, n := range []int{1, 32} {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			x := randomInput(2, n*net.Dim())
			dst := make([]float64, len(x))
			if err := pred.Predict(dst, x, 0.5); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := pred.Predict(dst, x, 0.5); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

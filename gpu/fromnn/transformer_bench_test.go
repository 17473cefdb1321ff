package fromnn

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/nn"
)

// ditBenchConfig is the 1-D DiT of the GPU timings and their CPU reference: windows of 128 steps of maze2d's
// 6-value transition (the quickstart planner's shape), width 128, four blocks of four heads (Dh = 32).
var ditBenchConfig = nn.TransformerConfig{Length: 128, Channels: 6, Width: 128, Depth: 4, Heads: 4}

// ditFlops is 2 times the multiply-adds of one window's forward pass: per block the qkv, proj, fc1 and fc2
// products (2 L D (3D + D + 2 hidden)) and attention's two L x L x D products (4 L^2 D), plus the token
// embedding and output layer (the conditioning path, one row for the batch, is left out).
func ditFlops(cfg nn.TransformerConfig) float64 {
	L, D, C := float64(cfg.Length), float64(cfg.Width), float64(cfg.Channels)
	ratio := cfg.MLPRatio
	if ratio == 0 {
		ratio = 4
	}
	hidden := math.Floor(D * ratio)
	block := 2*L*D*(4*D+2*hidden) + 4*L*L*D
	return float64(cfg.Depth)*block + 4*L*C*D
}

// newRandomTransformer builds an nn Transformer and gives every learnable parameter random values: DiT's
// adaLN-Zero initialisation zeroes the modulations and the output layer, so an initialised network predicts
// 0 and a comparison (or a timing) with it would exercise nothing past the embeddings. Weights are
// N(0, 1/in), biases and the position embedding N(0, 0.1^2); the Fourier frequencies keep their draw.
func newRandomTransformer(t testing.TB, cfg nn.TransformerConfig, seed uint64) *nn.Transformer {
	t.Helper()
	net, err := nn.NewTransformer(cfg, tensor.Float32)
	if err != nil {
		t.Fatal(err)
	}
	net.Params().Init(seed)
	rng := rand.New(rand.NewPCG(seed, 19))
	for _, p := range net.Params().All() {
		if !p.Learnable {
			continue
		}
		sd := 0.1
		if len(p.Shape) == 2 && p.Name != "pos_embed" {
			sd = 1 / math.Sqrt(float64(p.Shape[1]))
		}
		v := p.Value.Data().([]float32)
		for j := range v {
			v[j] = float32(sd * rng.NormFloat64())
		}
	}
	return net
}

// BenchmarkTransformerForwardCPU is nn's float32 CPU predictor on ditBenchConfig at batches of 1 and 32
// windows, the reference of the GPU forward latency that TestGPUTransformerTimings measures.
func BenchmarkTransformerForwardCPU(b *testing.B) {
	net := newRandomTransformer(b, ditBenchConfig, 1)
	pred := nn.NewPredictor(net)
	for _, n := range []int{1, 32} {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			x := randomInput(2, n*net.Dim())
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
			b.ReportMetric(ditFlops(ditBenchConfig)*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkTransformerSampleCPU is a whole 10-NFE DPM-Solver++(2M) run with ditBenchConfig's network
// (eps-prediction, vp-cosine) on the CPU at 1 and 32 windows: plans per second, the reference of the GPU
// sampler throughput.
func BenchmarkTransformerSampleCPU(b *testing.B) {
	net := newRandomTransformer(b, ditBenchConfig, 1)
	p, _ := diffusion.NewProcess("vp-cosine")
	den := diffusion.FromPrediction(nn.NewPredictor(net), diffusion.PredEps, p)
	sol, _ := diffusion.NewSolver("dpmpp-2m")
	plan, err := diffusion.PlanForNFE(sol, p, diffusion.DefaultSchedule(p), 10)
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{1, 32} {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			x0 := randomInput(3, n*net.Dim())
			x := append([]float64(nil), x0...)
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

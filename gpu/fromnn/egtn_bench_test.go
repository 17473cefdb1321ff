package fromnn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/gpu"
	"github.com/trajdiff/trajdiff/nn"
)

// egtnBenchConfig is GeoTDM's charged-particle forecaster at configs/geotdm-charged-small.toml's size: 5
// nodes in 3-D, 10 condition and 20 target frames, hidden width 32, three layers, the learned prior with
// one layer, a charge per node and the charges' product per edge.
var egtnBenchConfig = nn.EGTNConfig{Nodes: 5, SpatialDim: 3, CondFrames: seq(0, 10), TargetFrames: seq(10, 30), NodeFeatures: 1,
	EdgeFeatures: 1, Hidden: 32, Layers: 3, TimeScale: 100, Prior: "learned", PriorLayers: 1}

// egtnBenchBatches are the examples per forward pass of the EGTN benchmarks (GeoTDM's K = 5 samples of 8
// trajectories make a batch of 40).
var egtnBenchBatches = []int{1, 40}

func seq(lo, hi int) []int {
	out := make([]int, 0, hi-lo)
	for i := lo; i < hi; i++ {
		out = append(out, i)
	}
	return out
}

// BenchmarkEGTNForwardCPU is nn's float32 CPU predictor on egtnBenchConfig's network with per-example
// conditions, the reference of BenchmarkEGTNForwardGPU.
func BenchmarkEGTNForwardCPU(b *testing.B) {
	pz := vpCosine(b, diffusion.PredEps)
	net := newRandomEGTN(b, egtnBenchConfig, pz, 1)
	for _, n := range egtnBenchBatches {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			pred := nn.NewPredictor(net).Conditional(randomInput(3, n*net.CondDim()))
			x := randomInput(2, n*net.Dim())
			y := make([]float64, len(x))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := pred.Predict(y, x, 0.5); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "examples/s")
		})
	}
}

// newRandomEGTN builds an nn EGTN with random weights of unit-scale outputs, wired to the process's signal
// coefficient and x0 share as train wires it.
func newRandomEGTN(t testing.TB, cfg nn.EGTNConfig, pz gpu.Parameterization, seed uint64) *nn.EGTN {
	t.Helper()
	net, err := nn.NewEGTN(cfg, tensor.Float32)
	if err != nil {
		t.Fatal(err)
	}
	net.Params().Init(seed)
	rng := rand.New(rand.NewPCG(seed, 23))
	for _, p := range net.Params().All() {
		v := p.Value.Data().([]float32)
		sd := 0.3
		if len(p.Shape) == 2 {
			sd = 1 / math.Sqrt(float64(p.Shape[1]))
		}
		for j := range v {
			v[j] = float32(sd * rng.NormFloat64())
		}
	}
	if net.NeedsSignal() {
		net.UseSignal(pz.Process.Alpha)
	}
	if net.NeedsPriorOutput() {
		share, err := priorShare(pz)
		if err != nil {
			t.Fatal(err)
		}
		net.UsePriorOutput(share)
	}
	return net
}

func vpCosine(t testing.TB, pred diffusion.Prediction) gpu.Parameterization {
	t.Helper()
	p, err := diffusion.NewProcess("vp-cosine")
	if err != nil {
		t.Fatal(err)
	}
	return gpu.Parameterization{Prediction: pred, Process: p}
}

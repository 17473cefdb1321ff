//go:build trajdiff_cuda

package fromnn

import (
	"fmt"
	"testing"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/gpu"
)

// BenchmarkTransformerForwardGPU is one Denoise of ditBenchConfig's network on the device at batches of 1,
// 32 and 1024 windows (go test -tags trajdiff_cuda -bench TransformerForwardGPU ./gpu/fromnn on a GPU
// machine), the device side of BenchmarkTransformerForwardCPU; TestGPUTransformerTimings prints the same
// with the sampler's throughput.
func BenchmarkTransformerForwardGPU(b *testing.B) {
	d := testDevice(b)
	net := newRandomTransformer(b, ditBenchConfig, 1)
	proc, _ := diffusion.NewProcess("vp-cosine")
	p, err := NewPredictor(d, net, gpu.Parameterization{Prediction: diffusion.PredEps, Process: proc}, benchBatches[len(benchBatches)-1], gpu.PredictorOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	s, err := d.NewStream()
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for _, n := range benchBatches {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			timeDenoise(b, d, s, p, n*net.Dim(), false)
			b.ReportMetric(ditFlops(ditBenchConfig)*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e12, "TFLOP/s")
		})
	}
}

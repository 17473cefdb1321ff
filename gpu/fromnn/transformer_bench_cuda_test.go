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
			x, err := d.Alloc(n * net.Dim())
			if err != nil {
				b.Fatal(err)
			}
			defer d.Free(x)
			if err := s.Upload(x, to32(randomInput(2, n*net.Dim()))); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := p.Denoise(s, x, x, 0.5); err != nil {
					b.Fatal(err)
				}
			}
			if err := s.Synchronize(); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(ditFlops(ditBenchConfig)*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e12, "TFLOP/s")
		})
	}
}

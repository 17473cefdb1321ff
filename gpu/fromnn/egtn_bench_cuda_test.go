//go:build trajdiff_cuda

package fromnn

import (
	"fmt"
	"testing"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/gpu"
)

// BenchmarkEGTNForwardGPU is one Denoise of egtnBenchConfig's network on the device with per-example
// conditions (go test -tags trajdiff_cuda -bench EGTNForwardGPU ./gpu/fromnn on a GPU machine), the device
// side of BenchmarkEGTNForwardCPU.
func BenchmarkEGTNForwardGPU(b *testing.B) {
	d := testDevice(b)
	pz := vpCosine(b, diffusion.PredEps)
	net := newRandomEGTN(b, egtnBenchConfig, pz, 1)
	s, err := d.NewStream()
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for _, n := range egtnBenchBatches {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			p, err := NewPredictor(d, net, pz, n, gpu.PredictorOptions{PointConds: to32(randomInput(3, n*net.CondDim()))})
			if err != nil {
				b.Fatal(err)
			}
			defer p.Close()
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
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "examples/s")
		})
	}
}

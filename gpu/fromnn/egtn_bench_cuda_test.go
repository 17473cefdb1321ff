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
			timeDenoise(b, d, s, p, n*net.Dim(), false)
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "examples/s")
		})
	}
}

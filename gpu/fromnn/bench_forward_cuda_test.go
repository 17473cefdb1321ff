//go:build trajdiff_cuda

package fromnn

import (
	"fmt"
	"testing"

	"github.com/trajdiff/trajdiff/gpu"
	"github.com/trajdiff/trajdiff/nn"
)

// benchForwardGPU times net on the device: one forward pass (with the conversion to x0) per iteration,
// waited for, at each batch size, reported as unit (examples) per second. On gpu/cudaemu the numbers
// mean nothing.
func benchForwardGPU(b *testing.B, net nn.Net, batches []int, unit string) {
	benchForwardGPUIn(b, net, batches, unit, gpu.FP32)
}

// benchForwardGPUIn is benchForwardGPU with the predictor in precision prec.
func benchForwardGPUIn(b *testing.B, net nn.Net, batches []int, unit string, prec gpu.Precision) {
	d, err := gpu.Open(0)
	if err != nil {
		b.Skipf("no device: %v", err)
	}
	defer d.Close()
	s, err := d.NewStream()
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for _, n := range batches {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			p, err := NewPredictor(d, net, gpu.Parameterization{SigmaData: 0.5}, n, gpu.PredictorOptions{Precision: prec})
			if err != nil {
				b.Fatal(err)
			}
			defer p.Close()
			timeDenoise(b, d, s, p, n*net.Dim(), true)
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), unit+"/s")
		})
	}
}

// timeDenoise times p.Denoise at t = 0.5 on random device values, dim in all, overwritten in place; with
// syncEach every call waits for the stream (latency per call), otherwise only the last one (throughput).
func timeDenoise(b *testing.B, d *gpu.Device, s *gpu.Stream, p *gpu.Predictor, dim int, syncEach bool) {
	b.Helper()
	x, err := d.Alloc(dim)
	if err != nil {
		b.Fatal(err)
	}
	defer d.Free(x)
	if err := s.Upload(x, to32(randomInput(2, dim))); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := p.Denoise(s, x, x, 0.5); err != nil {
			b.Fatal(err)
		}
		if syncEach {
			if err := s.Synchronize(); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := s.Synchronize(); err != nil {
		b.Fatal(err)
	}
}

//go:build trajdiff_cuda

package fromnn

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkGuidedSampleGPU is BenchmarkGuidedSampleCPU's requests on the device through one Sampler (the
// device opened once; the first call uploads the weights, sizes the buffers and captures the steps, the
// timed calls of the same shape reuse them, as a planner's plans do): windows per second, including the
// host's preparation of each request. On gpu/cudaemu
// the numbers mean nothing.
func BenchmarkGuidedSampleGPU(b *testing.B) {
	m := guidedBenchModel(b)
	s, err := NewSampler(SampleOptions{})
	if err != nil {
		b.Skipf("no device: %v", err)
	}
	defer s.Close()
	for _, n := range benchBatches {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			req := guidedBenchRequest(n)
			if _, err := s.Sample(context.Background(), m, req); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := s.Sample(context.Background(), m, req); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "windows/s")
		})
	}
}

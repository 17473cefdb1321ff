//go:build cuda || trajdiff_cuda

package gpu

import (
	"fmt"
	"testing"
)

// BenchmarkGPUAttention is the fused attention kernel alone on sequences long enough that a stored score
// matrix would dominate memory traffic (16 sequences of 512 positions, 4 heads of width 32, causal and
// not); it reports the achieved TFLOP/s of attention's two products (4 B H L^2 Dh, halved when causal).
func BenchmarkGPUAttention(b *testing.B) {
	for _, causal := range []bool{false, true} {
		a := AttentionShape{Batch: 16, Length: 512, Heads: 4, HeadDim: 32, Causal: causal}
		b.Run(fmt.Sprintf("causal=%v", causal), func(b *testing.B) {
			s := testStream(b)
			D := a.Heads * a.HeadDim
			bufs := benchBuffers(b, s, a.Batch*a.Length*3*D, 1)
			o := benchBuffers(b, s, a.Batch*a.Length*D, 1)[0]
			flops := 4 * float64(a.Batch*a.Heads*a.Length*a.Length*a.HeadDim)
			if causal {
				flops /= 2
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := s.Attention(o, bufs[0], a); err != nil {
					b.Fatal(err)
				}
			}
			if err := s.Synchronize(); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e12, "TFLOP/s")
		})
	}
}

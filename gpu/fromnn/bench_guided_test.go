package fromnn

import (
	"context"
	"fmt"
	"testing"

	"github.com/trajdiff/trajdiff/train"
)

// guidedBenchRequest is a guided request with per-window conditions (Decision Diffuser's kind of call:
// two network passes per evaluation) for n windows of a conditional model trained with condition dropout.
func guidedBenchRequest(n int) train.SampleRequest {
	return train.SampleRequest{N: n, Seed: 1, Steps: 10, Fixed: ends(n, true), Guidance: 1.2}
}

// guidedBenchModel is the tiny conditional MLP of the device tests, trained with condition dropout.
func guidedBenchModel(b *testing.B) *train.Model {
	return windowModel(b, func(c *train.Config) {
		conditionalMLP(c)
		c.Train.CondDropout = 0.3
	})
}

// BenchmarkGuidedSampleCPU is Model.Sample of guidedBenchRequest on the CPU (10 steps, 20 network passes
// per window), the reference of BenchmarkGuidedSampleGPU: windows per second.
func BenchmarkGuidedSampleCPU(b *testing.B) {
	m := guidedBenchModel(b)
	for _, n := range benchBatches {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			req := guidedBenchRequest(n)
			if _, err := m.Sample(context.Background(), req); err != nil { // the predictor's graph for this batch
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := m.Sample(context.Background(), req); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "windows/s")
		})
	}
}

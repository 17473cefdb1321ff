package fromnn

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/trajdiff/trajdiff/pde/wdno"
)

// controlBenchRequest is n Burgers control cases for burgersControlModel with its default guidance (weight
// 1.2e5): DDIM, 10 steps, each x0 prediction guided through the wavelet decoder.
func controlBenchRequest(n int) wdno.Request {
	req := wdno.Request{Solver: "ddim", Steps: 10, Seed: 1}
	for j := range n {
		u0, target := make([]float64, 12), make([]float64, 12)
		for x := range u0 {
			u0[x] = 0.6 * math.Sin(2*math.Pi*float64(x)/12+float64(j))
			target[x] = 0.3 * math.Cos(2*math.Pi*float64(x)/12-float64(j))
		}
		req.Cases = append(req.Cases, wdno.Case{U0: u0, Target: target})
	}
	return req
}

// controlBenchBatches are the guided control benchmarks' batches (WDNO evaluates its test cases in batches of
// this order; the CPU's guided U-Net takes seconds per larger batch).
var controlBenchBatches = []int{1, 16}

// benchControl times Generate of controlBenchRequest(n) for each batch: cases per second.
func benchControl(b *testing.B, m *wdno.Model, device wdno.DeviceSampler) {
	for _, n := range controlBenchBatches {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			req := controlBenchRequest(n)
			req.Device = device
			if _, err := m.Generate(context.Background(), req); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := m.Generate(context.Background(), req); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "cases/s")
		})
	}
}

// BenchmarkGuidedControlCPU is WDNO's guided Burgers control (Generate) on the CPU, the reference of
// BenchmarkGuidedControlGPU.
func BenchmarkGuidedControlCPU(b *testing.B) {
	benchControl(b, burgersControlModel(b), nil)
}

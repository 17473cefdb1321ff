package diffusion

import (
	"context"
	"testing"
)

// BenchmarkREDDiffStep measures RED-Diff's own work per step (keyed noise, x_t, the data-fit gradient through
// a mask, the regulariser and Adam) on a batch of 16 maze2d-sized problems (128 steps x 6 values), with
// the cheapest denoiser D(x) = 0.5 x so that the network's cost is left out; ns/step is per step of the batch.
func BenchmarkREDDiffStep(b *testing.B) {
	const dim, n, steps = 128 * 6, 16, 50
	keep := make([]bool, dim)
	for i := range keep {
		keep[i] = i%37 == 0
	}
	H, err := NewMask(keep)
	if err != nil {
		b.Fatal(err)
	}
	y := make([]float64, n*dim)
	for i := range y {
		if keep[i%dim] {
			y[i] = 0.3
		}
	}
	p := NewVPCosine()
	opt := DefaultREDDiffOptions()
	opt.Steps = steps
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := REDDiff(context.Background(), p, scaleDenoiser{dim, 0.5}, H, y, opt); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*steps), "ns/step")
}

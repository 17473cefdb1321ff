//go:build cuda || trajdiff_cuda

package gpu

import (
	"fmt"
	"testing"

	"github.com/trajdiff/trajdiff/wavelet"
)

// BenchmarkGPUSmokeGuideGradient times SmokeControlGuide.Gradient (band blocks, inverse 3-D DWT, misfit
// gradient, adjoint, image) on the smoke benchmark's geometry (32 frames of 32 x 32 cells, bior1.3 zero, 42
// channels; pde/wdno's BenchmarkSmokeGuidanceGradient is the CPU's) for 1 and 16 cases, each iteration
// enqueueing the gradient and synchronising. On the emulator the numbers mean nothing (gpu/cudaemu/README.md).
func BenchmarkGPUSmokeGuideGradient(b *testing.B) {
	s := testStream(b)
	d := testDevice(b)
	for _, cases := range []int{1, 16} {
		c := smokeGuideConfig(cases, 32, 32, 32, "bior1.3", wavelet.ModeZero)
		c.Channels = 42
		c.Scales = make([]float64, 42)
		for i := range c.Scales {
			c.Scales[i] = 1
		}
		c.Linear = make([]float64, c.Channels*c.ImageFrames*c.Height*c.Width)
		g, err := NewSmokeControlGuide(d, c, ClipX0{Lo: -1, Hi: 1}, func(float64) float64 { return 1 })
		if err != nil {
			b.Fatal(err)
		}
		n := cases * len(c.Linear)
		x, gx := upload(b, randomF32(3, n, 0.5)), upload(b, make([]float32, n))
		b.Run(fmt.Sprintf("cases%d", cases), func(b *testing.B) {
			b.SetBytes(int64(4 * n))
			for b.Loop() {
				if err := g.Gradient(s, x, gx); err != nil {
					b.Fatal(err)
				}
				if err := s.Synchronize(); err != nil {
					b.Fatal(err)
				}
			}
		})
		if err := g.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

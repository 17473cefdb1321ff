package wdno

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkSmokeGuidanceGradient is one case's guidance gradient at the benchmark's scale (32 frames of
// 32 x 32): decode the 42 x 20^3 image, J's gradient, the decoder's adjoint. It runs once per case and
// solver step in guided control sampling, next to the network's forward pass.
func BenchmarkSmokeGuidanceGradient(b *testing.B) {
	for _, space := range []string{SpaceWavelet, SpacePhysical} {
		b.Run(space, func(b *testing.B) {
			c := smokeConfig(space, 32, 32)
			l, err := NewLayout(c)
			if err != nil {
				b.Fatal(err)
			}
			r := rand.New(rand.NewPCG(1, 1))
			x := make([]float64, l.Dim())
			for i := range x {
				x[i] = r.NormFloat64()
			}
			g := &guide{layout: l, obj: smokeObjective{d0s: [][]float64{make([]float64, c.Cells)}, cells: c.Cells, frames: c.Frames}}
			b.ResetTimer()
			for range b.N {
				if err := g.gradient(0, x); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSmokeEncode is the training source's per-example cost at the benchmark's scale.
func BenchmarkSmokeEncode(b *testing.B) {
	c := smokeConfig(SpaceWavelet, 32, 32)
	l, err := NewLayout(c)
	if err != nil {
		b.Fatal(err)
	}
	u, f := randomSmokeFields(rand.New(rand.NewPCG(2, 2)), c)
	x := make([]float64, l.Dim())
	b.ResetTimer()
	for range b.N {
		if err := l.Encode(Control, u, f, x); err != nil {
			b.Fatal(err)
		}
	}
}

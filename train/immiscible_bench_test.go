package train

import (
	"fmt"
	"testing"

	"github.com/trajdiff/trajdiff/internal/stream"
)

// BenchmarkImmiscibleNoise times one step's noise at the U-Maze planner's size (batch 32, 128 x 6 values, 8
// inpainted) and at batch 256: the cost immiscible noise adds to a training step.
func BenchmarkImmiscibleNoise(b *testing.B) {
	const d = 128 * 6
	inpaint := []int{2, 3, 4, 5, d - 4, d - 3, d - 2, d - 1}
	for _, batch := range []int{32, 256} {
		for _, kind := range []string{ImmiscibleAssign, ImmiscibleKNN} {
			b.Run(fmt.Sprintf("%s/batch=%d", kind, batch), func(b *testing.B) {
				m := immiscibleFor(b, kind, 0, batch, d, inpaint)
				x0, eps := make([]float64, batch*d), make([]float64, batch*d)
				rng := stream.RNG(1, "bench", 0, "bench")
				for i := range x0 {
					x0[i] = 2*rng.Float64() - 1
				}
				step := 0
				for b.Loop() {
					if err := m.noise(3, step, x0, eps); err != nil {
						b.Fatal(err)
					}
					step++
				}
			})
		}
	}
}

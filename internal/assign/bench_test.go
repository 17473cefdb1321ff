package assign

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkMinimize times one assignment of uniform random costs at immiscible diffusion's batch sizes.
func BenchmarkMinimize(b *testing.B) {
	for _, n := range []int{64, 256, 1024} {
		rng := rand.New(rand.NewPCG(uint64(n), 7))
		cost := make([]float64, n*n)
		for k := range cost {
			cost[k] = rng.Float64()
		}
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := Minimize(n, n, cost); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

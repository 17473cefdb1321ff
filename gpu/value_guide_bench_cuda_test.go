//go:build cuda || trajdiff_cuda

package gpu

import (
	"testing"

	"github.com/trajdiff/trajdiff/diffusion"
)

// BenchmarkGPUValueGuide times one x0 correction of the value guide (2 gradient steps) with the value MLP of
// configs/diffuser-umaze-value-small.toml (776 -> 256 -> 256 -> 1, Mish) on 1 and 64 windows, synchronised.
// Under gpu/cudaemu the numbers time the emulator, not a GPU.
func BenchmarkGPUValueGuide(b *testing.B) {
	d, s := testDevice(b), testStream(b)
	const W = 128 * 6
	for _, windows := range []int{1, 64} {
		b.Run(map[int]string{1: "windows=1", 64: "windows=64"}[windows], func(b *testing.B) {
			free := make([]bool, W)
			for i := 6; i < W; i++ {
				free[i] = true
			}
			g, err := NewValueGuide(d, ValueGuideConfig{Net: valueNet(1, W, []int{256, 256}, ActMish), Windows: windows, Free: free,
				Process: diffusion.NewVPCosine(), Scale: 1, Steps: 2}, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer g.Close()
			x, x0 := upload(b, randomF32(2, windows*W, 1)), upload(b, randomF32(3, windows*W, 0.5))
			for b.Loop() {
				if err := g.CorrectX0(s, x0, x, 0.5); err != nil {
					b.Fatal(err)
				}
				if err := s.Synchronize(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

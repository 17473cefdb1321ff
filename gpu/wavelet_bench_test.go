package gpu

import (
	"fmt"
	"testing"

	"github.com/trajdiff/trajdiff/wavelet"
)

// waveletBenchShapes are WDNO's one-level transforms: Burgers' (time, space) field with bior2.4 periodization
// (pde/wdno/layout_wavelet.go) and the smoke layout's (t, y, x) block with bior1.3 zero
// (pde/wdno/layout_smoke.go).
var waveletBenchShapes = []struct {
	name, wavelet string
	mode          wavelet.Mode
	shape         []int
}{
	{"burgers_81x120", "bior2.4", wavelet.ModePeriodization, []int{81, 120}},
	{"smoke_32x32x32", "bior1.3", wavelet.ModeZero, []int{32, 32, 32}},
}

// BenchmarkWaveletCPU is the host reference the device benchmark (BenchmarkGPUWavelet, cuda tag) is read
// against: package wavelet's level-1 Plan, as the layouts call it (float64, one field per call), for the
// analysis (Forward), the synthesis (Inverse) and the synthesis's adjoint (InverseAdjoint, what WDNO's
// guidance applies to every gradient). Run with -cpu 1: the Plan uses GOMAXPROCS workers.
func BenchmarkWaveletCPU(b *testing.B) {
	for _, c := range waveletBenchShapes {
		p, err := wavelet.NewPlan[float64](c.shape, c.wavelet, c.mode.String(), 1, nil)
		if err != nil {
			b.Fatal(err)
		}
		x := make([]float64, prodInts(c.shape))
		for i := range x {
			x[i] = float64(i%17) - 8
		}
		packed, err := p.Forward(x)
		if err != nil {
			b.Fatal(err)
		}
		g := make([]float64, prodInts(p.ReconstructionShape()))
		for i := range g {
			g[i] = float64(i%13) - 6
		}
		for _, op := range []struct {
			name string
			run  func() error
		}{
			{"analysis", func() error { _, err := p.Forward(x); return err }},
			{"synthesis", func() error { _, err := p.Inverse(packed); return err }},
			{"synthesis_adjoint", func() error { _, err := p.InverseAdjoint(g); return err }},
		} {
			b.Run(fmt.Sprintf("%s/%s", c.name, op.name), func(b *testing.B) {
				b.SetBytes(int64(8 * len(x)))
				for b.Loop() {
					if err := op.run(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

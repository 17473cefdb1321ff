package kern

import (
	"math/rand/v2"
	"testing"
)

// conv3BenchGeom is the first resolution of the smoke video U-Net (nn's unet3d-smoke-small benchmark):
// batch 4, 18 frames of 20x20, 8 channels in and out, a 3x3x3 kernel.
func conv3BenchGeom(b *testing.B) Conv3Geom {
	g := Conv3Geom{B: 4, F: 18, H: 20, W: 20, Cin: 8, Cout: 8, KT: 3, KH: 3, KW: 3, ST: 1, SH: 1, SW: 1, PT: 1, PH: 1, PW: 1}
	if err := g.Complete(); err != nil {
		b.Fatal(err)
	}
	return g
}

func randomSlice(rng *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	return v
}

// BenchmarkConv3d times the forward pass, the weight gradient and the data gradient of one 3x3x3
// convolution at the smoke U-Net's first resolution.
func BenchmarkConv3d(b *testing.B) {
	g := conv3BenchGeom(b)
	rng := rand.New(rand.NewPCG(1, 2))
	x, w, dy := randomSlice(rng, g.B*g.F*g.H*g.W*g.Cin), randomSlice(rng, g.Cout*g.K()), randomSlice(rng, g.Rows()*g.Cout)
	y, dw, dx, wf := make([]float32, g.Rows()*g.Cout), make([]float32, len(w)), make([]float32, len(x)), make([]float32, len(w))
	cols, pad := make([]float32, g.Rows()*g.K()), make([]float32, g.PadScratch(g.Rows()))
	b.Run("fwd", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			Conv3Fwd(y, x, w, nil, cols, pad, &g)
		}
	})
	b.Run("weight", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			Conv3BwdWeight(dw, dy, x, cols, pad, &g, true)
		}
	})
	b.Run("data", func(b *testing.B) {
		nc, np := g.Conv3DataScratch()
		c, p := make([]float32, nc), make([]float32, np)
		for i := 0; i < b.N; i++ {
			Conv3BwdData(dx, dy, w, wf, c, p, &g)
		}
	})
}

func BenchmarkIm2Col3(b *testing.B) {
	g := conv3BenchGeom(b)
	rng := rand.New(rand.NewPCG(1, 2))
	x := randomSlice(rng, g.B*g.F*g.H*g.W*g.Cin)
	cols := make([]float32, g.Rows()*g.K())
	for i := 0; i < b.N; i++ {
		Im2Col3(cols, x, &g, 0, g.Rows())
	}
}

package kern

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestGroupNormPrecisions runs the float32 kernels (vectorised when C is a multiple of 8) against the
// float64 ones on the same data, forward and backward, with an offset mean to exercise the centred variance.
func TestGroupNormPrecisions(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, sz := range [][4]int{{3, 17, 16, 4}, {2, 5, 24, 8}, {2, 9, 6, 3}} {
		B, S, C, G := sz[0], sz[1], sz[2], sz[3]
		n := B * S * C
		x64, dy64 := make([]float64, n), make([]float64, n)
		g64, b64 := make([]float64, C), make([]float64, C)
		for i := range x64 {
			x64[i], dy64[i] = 5+3*rng.NormFloat64(), rng.NormFloat64()
		}
		for i := range g64 {
			g64[i], b64[i] = 1+0.3*rng.NormFloat64(), 0.3*rng.NormFloat64()
		}
		to32 := func(v []float64) []float32 {
			o := make([]float32, len(v))
			for i, x := range v {
				o[i] = float32(x)
			}
			return o
		}
		for _, act := range []Act{Identity, Mish, SiLU} {
			y64, h64, r64 := make([]float64, n), make([]float64, n), make([]float64, B*G)
			GroupNormFwd(y64, h64, r64, x64, g64, b64, B, S, C, G, 1e-5, act)
			y32, h32, r32 := make([]float32, n), make([]float32, n), make([]float32, B*G)
			GroupNormFwd(y32, h32, r32, to32(x64), to32(g64), to32(b64), B, S, C, G, 1e-5, act)
			dx64, pg64, pb64 := make([]float64, n), make([]float64, B*C), make([]float64, B*C)
			GroupNormBwd(dx64, pg64, pb64, dy64, h64, r64, g64, b64, B, S, C, G, act)
			dx32, pg32, pb32 := make([]float32, n), make([]float32, B*C), make([]float32, B*C)
			GroupNormBwd(dx32, pg32, pb32, to32(dy64), h32, r32, to32(g64), to32(b64), B, S, C, G, act)
			for name, pair := range map[string][2]any{"y": {y64, y32}, "dx": {dx64, dx32}, "dgamma": {pg64, pg32}, "dbeta": {pb64, pb32}} {
				a, b := pair[0].([]float64), pair[1].([]float32)
				var scale float64
				for _, v := range a {
					scale = math.Max(scale, math.Abs(v))
				}
				for i := range a {
					if d := math.Abs(a[i] - float64(b[i])); d > 2e-5*math.Max(1, scale) {
						t.Fatalf("%v %v %s[%d]: float32 %v, float64 %v", sz, act, name, i, b[i], a[i])
					}
				}
			}
			// The normalised output has zero mean and unit variance per group.
			for b := 0; b < B; b++ {
				for g := 0; g < G; g++ {
					var s, s2 float64
					for p := 0; p < S; p++ {
						for c := g * C / G; c < (g+1)*C/G; c++ {
							h := h64[(b*S+p)*C+c]
							s += h
							s2 += h * h
						}
					}
					m := float64(S * C / G)
					if math.Abs(s/m) > 1e-12 || math.Abs(s2/m-1) > 1e-5 {
						t.Fatalf("group (%d, %d): mean %v, variance %v", b, g, s/m, s2/m)
					}
				}
			}
		}
	}
}

func TestSumSquares(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for _, n := range []int{0, 7, 1024, 5000, 300001} {
		x64 := make([]float64, n)
		x32 := make([]float32, n)
		var want float64
		for i := range x64 {
			x32[i] = float32(rng.NormFloat64())
			x64[i] = float64(x32[i])
			want += x64[i] * x64[i]
		}
		if got := SumSquares(x64); math.Abs(got-want) > 1e-12*math.Max(1, want) {
			t.Errorf("n=%d float64: %v, want %v", n, got, want)
		}
		if got := SumSquares(x32); math.Abs(got-want) > 1e-6*math.Max(1, want) {
			t.Errorf("n=%d float32: %v, want %v", n, got, want)
		}
	}
}

package datasets

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestMomentsMatchTwoPass compares the streaming statistics (chunks merged with Chan et al.'s
// update, one-pass shifted sums within float32 chunks) with a two-pass computation, on data with
// a large offset where the naive sum-of-squares formula loses all digits.
func TestMomentsMatchTwoPass(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, d := range []int{1, 3} {
		var all []float64
		m32, m64 := newMoments(d), newMoments(d)
		for chunk := 0; chunk < 17; chunk++ {
			rows := 1 + r.IntN(500)
			x32 := make([]float32, rows*d)
			x64 := make([]float64, rows*d)
			for i := range x32 {
				x32[i] = float32(1e4 + 1e4*float64(i%d) + r.NormFloat64())
				x64[i] = float64(x32[i])
			}
			all = append(all, x64...)
			m32.addFloat32(x32)
			m64.addFloat64(x64)
		}
		n := len(all) / d
		for j := 0; j < d; j++ {
			mean, m2 := 0.0, 0.0
			for i := j; i < len(all); i += d {
				mean += all[i]
			}
			mean /= float64(n)
			for i := j; i < len(all); i += d {
				m2 += (all[i] - mean) * (all[i] - mean)
			}
			std := math.Sqrt(m2 / float64(n))
			for _, s := range []ColumnStats{m32.stats(), m64.stats()} {
				if s.Count != int64(n) || math.Abs(s.Mean[j]-mean) > 1e-12*mean || math.Abs(s.Std[j]-std) > 1e-9*std {
					t.Fatalf("d=%d component %d: mean %v std %v, want %v %v", d, j, s.Mean[j], s.Std[j], mean, std)
				}
			}
		}
	}
}

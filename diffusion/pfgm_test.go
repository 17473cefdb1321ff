package diffusion

import (
	"math"
	"sort"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"
)

// The radius follows R^2/(R^2 + r^2) ~ Beta(N/2, D/2) (checked by Kolmogorov-Smirnov against gonum's Beta CDF),
// E R^2 = r^2 N/(D - 2), and the direction is isotropic.
func TestPFGMPPKernel(t *testing.T) {
	rng := newRand(8)
	const N, n = 8, 20000
	for _, D := range []float64{16, 128, 2048} {
		k := PFGMPP{D: D}
		sigma := 0.7
		r := sigma * math.Sqrt(D)
		y := make([]float64, N)
		x := make([]float64, N)
		bs := make([]float64, n)
		m2 := 0.0
		first := 0.0
		for i := range bs {
			if err := k.Perturb(rng, x, y, sigma); err != nil {
				t.Fatal(err)
			}
			R2 := 0.0
			for _, v := range x {
				R2 += v * v
			}
			bs[i] = R2 / (R2 + r*r)
			m2 += R2 / n
			first += x[0] / n
		}
		sort.Float64s(bs)
		ref := distuv.Beta{Alpha: N / 2.0, Beta: D / 2}
		ks := 0.0
		for i, b := range bs {
			c := ref.CDF(b)
			ks = math.Max(ks, math.Max(math.Abs(c-float64(i)/n), math.Abs(c-float64(i+1)/n)))
		}
		if ks > 1.63/math.Sqrt(n) { // 1% critical value
			t.Errorf("D=%v: KS statistic %v against Beta(N/2, D/2)", D, ks)
		}
		want := r * r * N / (D - 2)
		if math.Abs(m2-want) > 0.05*want {
			t.Errorf("D=%v: E R^2 = %v, want %v", D, m2, want)
		}
		if math.Abs(first) > 5*math.Sqrt(want/N/n) {
			t.Errorf("D=%v: mean of a coordinate %v, want 0", D, first)
		}
	}
	// D -> Inf approaches EDM's Gaussian: E R^2 -> N sigma^2.
	if got := 0.49 * 2048 * N / (2048 - 2); math.Abs(got-N*0.49) > 0.01*N*0.49 {
		t.Errorf("large-D limit %v", got)
	}
	if err := (PFGMPP{D: 0}).Perturb(rng, make([]float64, 2), make([]float64, 2), 1); err == nil {
		t.Error("D = 0: want an error")
	}
}

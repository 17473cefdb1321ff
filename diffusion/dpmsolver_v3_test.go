package diffusion

import (
	"math"
	"testing"
)

// diagGaussian is N(mu, diag(v)) in 4-D.
func diagGaussian(t testing.TB) (*GaussianMixture, GaussianStatistics) {
	t.Helper()
	mu, v := []float64{1, -0.5, 0.25, 2}, []float64{0.5, 0.02, 1.5, 0.2}
	cov := make([][]float64, len(mu))
	for i := range cov {
		cov[i] = make([]float64, len(mu))
		cov[i][i] = v[i]
	}
	g, err := NewGaussianMixture([]float64{1}, [][]float64{mu}, [][][]float64{cov})
	if err != nil {
		t.Fatal(err)
	}
	return g, GaussianStatistics{Mean: mu, Var: v, Lo: -20, Hi: 20}
}

// With the exact statistics of Gaussian data the remainder g is constant, so every configuration of
// DPM-Solver-v3 reproduces the exact flow map at any step count (the paper's motivating property): the
// sample equals D(FlowMap(x, T -> t_min), t_min) to float64 rounding.
func TestDPMSolverV3IsExactOnGaussians(t *testing.T) {
	g, st := diagGaussian(t)
	for _, p := range []Process{NewVPLinear(), NewVPCosine(), NewEDM()} {
		x0 := g.Noise(newPCGRand(3), p, p.TMax(), 16)
		for _, s := range []DPMSolverV3{{Stats: st, Order: 1}, {Stats: st, Order: 2}, {Stats: st, Order: 3},
			{Stats: st, Order: 3, FullOrder: true}, {Stats: st, Order: 3, NoCorrector: true}} {
			for _, n := range []int{2, 5, 12} {
				x, times := runSolver(t, g.Denoiser(p), p, UniformLogSNR{}, s, n, x0)
				want, err := g.FlowMap(p, x0, times[0], times[n-1])
				if err != nil {
					t.Fatal(err)
				}
				if err := g.Denoiser(p).Denoise(want, append([]float64(nil), want...), times[n-1]); err != nil {
					t.Fatal(err)
				}
				worst := 0.0
				for i := range x {
					worst = max(worst, math.Abs(x[i]-want[i]))
				}
				if worst > 1e-12 {
					t.Errorf("%s on %s, %d steps (full %v, corrector %v): max error %.3g", s.Name(), p.Name(), n, s.FullOrder, !s.NoCorrector, worst)
				}
			}
		}
	}
}

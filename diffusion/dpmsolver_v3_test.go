package diffusion

import (
	"context"
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

// On a Gaussian mixture (statistics estimated by ComputeEMS from the exact denoiser, so l, s and b are
// merely good, not exact), DPM-Solver-v3 converges to the reference solution at its order: with the full
// Vandermonde derivatives and no corrector, order p for predictor order p. The pseudo-order estimates
// (divided differences) are first-order accurate for g', which caps the predictor-corrector at order 2, as
// the paper's "pseudo" says; it is tested for that. The statistics are interpolated linearly between grid
// points, so g has kinks there: once steps get shorter than a few grid cells the order drops, hence the
// fine grid (480 cells) for this test.
func TestDPMSolverV3ConvergesOnMixtures(t *testing.T) {
	g := refMixture(t, loadRef(t))
	p := NewEDM()
	d := g.Denoiser(p)
	e, err := ComputeEMS(context.Background(), d, p, g.Sample(newPCGRand(5), 200), EMSOptions{Steps: 480, Seed: 6})
	if err != nil {
		t.Fatal(err)
	}
	x0 := g.Noise(newPCGRand(7), p, p.TMax(), 16)
	ref := append([]float64(nil), x0...)
	if _, err := ReferenceSample(context.Background(), p, d, ref, p.TMax(), p.TMin(), 1e-11); err != nil {
		t.Fatal(err)
	}
	ns := []int{10, 20, 40, 80, 160}
	for _, c := range []struct {
		s     DPMSolverV3
		order float64
	}{{DPMSolverV3{Stats: e, Order: 1, FullOrder: true, NoCorrector: true}, 1},
		{DPMSolverV3{Stats: e, Order: 2, FullOrder: true, NoCorrector: true}, 2},
		{DPMSolverV3{Stats: e, Order: 3, FullOrder: true, NoCorrector: true}, 3},
		{DPMSolverV3{Stats: e, Order: 2}, 2},
		{DPMSolverV3{Stats: e, Order: 3}, 2}} {
		errs := make([]float64, len(ns))
		for i, n := range ns {
			x, _ := runSolver(t, d, p, Karras{Rho: 7}, c.s, n, x0)
			errs[i] = maxAbsDiff(x, ref)
		}
		k := slope(ns[2:], errs[2:])
		t.Logf("%s full=%v corrector=%v: errors at %v steps: %.2e; order %.2f", c.s.Name(), c.s.FullOrder, !c.s.NoCorrector, ns, errs, k)
		if k < c.order-0.3 {
			t.Errorf("%s (full %v, corrector %v): order %.2f, want %v", c.s.Name(), c.s.FullOrder, !c.s.NoCorrector, k, c.order)
		}
	}
}

// skewedGaussian are exact statistics of the same Gaussian with an arbitrary s: f = -l mu does not depend on
// x, so any s with b = f' - s f keeps g constant.
type skewedGaussian struct{ GaussianStatistics }

func (g skewedGaussian) At(lambda float64, l, s, b []float64) {
	g.GaussianStatistics.At(lambda, l, s, b)
	for j, mu := range g.Mean {
		s[j] = 0.7*math.Sin(lambda+float64(j)) - 0.2
		b[j] -= s[j] * (-l[j] * mu)
	}
}

// A non-zero s exercises every integral of the update (S, B, C): still exact.
func TestDPMSolverV3IsExactWithAnyS(t *testing.T) {
	g, st := diagGaussian(t)
	p := NewVPLinear()
	x0 := g.Noise(newPCGRand(3), p, p.TMax(), 8)
	for _, s := range []DPMSolverV3{{Stats: skewedGaussian{st}, Order: 3}, {Stats: skewedGaussian{st}, Order: 2, FullOrder: true, NoCorrector: true}} {
		x, times := runSolver(t, g.Denoiser(p), p, UniformT{}, s, 6, x0)
		want, err := g.FlowMap(p, x0, times[0], times[5])
		if err != nil {
			t.Fatal(err)
		}
		if err := g.Denoiser(p).Denoise(want, append([]float64(nil), want...), times[5]); err != nil {
			t.Fatal(err)
		}
		if d := maxAbsDiff(x, want); d > 1e-12 {
			t.Errorf("%s (full %v): max error %.3g", s.Name(), s.FullOrder, d)
		}
	}
}

// dataPrediction are the statistics l = 1, s = b = 0 under which DPM-Solver-v3 is DPM-Solver++ (data
// prediction); its first order is DDIM.
type dataPrediction struct{ d int }

func (dataPrediction) Range() (float64, float64) { return -30, 30 }
func (v dataPrediction) Dim() int                { return v.d }
func (dataPrediction) Knots(a, b float64) []float64 {
	return nil
}
func (dataPrediction) At(_ float64, l, s, b []float64) {
	for j := range l {
		l[j], s[j], b[j] = 1, 0, 0
	}
}

func TestDPMSolverV3WithDataPredictionStatisticsIsDDIM(t *testing.T) {
	g := refMixture(t, loadRef(t))
	p := NewVPLinear()
	x0 := g.Noise(newPCGRand(3), p, p.TMax(), 8)
	x, _ := runSolver(t, g.Denoiser(p), p, UniformT{}, DPMSolverV3{Stats: dataPrediction{g.Dim()}, Order: 1, NoCorrector: true}, 7, x0)
	want, _ := runSolver(t, g.Denoiser(p), p, UniformT{}, DDIM{}, 7, x0)
	if d := maxAbsDiff(x, want); d > 1e-12 {
		t.Errorf("max difference from DDIM %.3g", d)
	}
}

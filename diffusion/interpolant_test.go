package diffusion

import (
	"context"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// testCoupling is a dependent 2-D Gaussian coupling with distinct, correlated ends.
func testCoupling() *GaussianCoupling {
	return &GaussianCoupling{
		M0: []float64{1, -0.5}, M1: []float64{-2, 1.5},
		S0:  []float64{0.5, 0.1, 0.1, 0.3},
		S1:  []float64{1.2, -0.4, -0.4, 0.8},
		C01: []float64{0.2, 0.05, -0.1, 0.15},
	}
}

func TestInterpolantsJoinTheirEnds(t *testing.T) {
	for _, name := range []string{"linear", "trig"} {
		p, err := NewInterpolant(name, 2)
		if err != nil {
			t.Fatal(err)
		}
		c0, c1 := p.At(0), p.At(1)
		if c0.Alpha != 1 || c0.Beta != 0 || c0.Gamma != 0 || c1.Alpha != 0 || c1.Beta != 1 || c1.Gamma != 0 {
			t.Errorf("%s: ends %+v %+v", name, c0, c1)
		}
		// Derivatives against central differences inside (0, 1).
		for _, tt := range []float64{0.1, 0.37, 0.5, 0.8} {
			const h = 1e-6
			c, lo, hi := p.At(tt), p.At(tt-h), p.At(tt+h)
			for _, pair := range [][2]float64{
				{c.DAlpha, (hi.Alpha - lo.Alpha) / (2 * h)},
				{c.DBeta, (hi.Beta - lo.Beta) / (2 * h)},
				{c.DGamma, (hi.Gamma - lo.Gamma) / (2 * h)},
				{c.GammaDGamma, (hi.Gamma*hi.Gamma - lo.Gamma*lo.Gamma) / (4 * h)},
			} {
				if math.Abs(pair[0]-pair[1]) > 1e-7 {
					t.Errorf("%s at %g: derivative %g vs difference %g", name, tt, pair[0], pair[1])
				}
			}
		}
	}
	if _, err := NewInterpolant("cubic", 1); err == nil {
		t.Error("unknown interpolant accepted")
	}
	if _, err := NewInterpolant("linear", -1); err == nil {
		t.Error("negative latent amplitude accepted")
	}
}

// TestRegressionTargetsEstimateTheExactFields checks InterpolantExample against the closed form: at a fixed
// t the Gaussian fields are affine in x_t, so the least-squares fit of the velocity and latent targets on
// (x_t, 1) over many draws of (x0, x1, z) must recover b and eta (to Monte Carlo error).
func TestRegressionTargetsEstimateTheExactFields(t *testing.T) {
	g := testCoupling()
	p := LinearInterpolant{A: 1.5}
	field, err := g.Field(p)
	if err != nil {
		t.Fatal(err)
	}
	const n, d = 200000, 2
	rng := newPCGRand(7)
	l, _ := jointCholesky(t, g)
	feat := mat.NewDense(n, d+1, nil)
	vel := mat.NewDense(n, d, nil)
	lat := mat.NewDense(n, d, nil)
	tt := 0.3
	c := p.At(tt)
	x0, x1, z, xt, v, e := make([]float64, d), make([]float64, d), make([]float64, d), make([]float64, d), make([]float64, d), make([]float64, d)
	for i := range n {
		drawCoupled(rng, g, l, d, x0, x1)
		for j := range z {
			z[j] = rng.NormFloat64()
		}
		if err := InterpolantExample(c, xt, v, e, x0, x1, z); err != nil {
			t.Fatal(err)
		}
		for j := range d {
			feat.Set(i, j, xt[j])
			vel.Set(i, j, v[j])
			lat.Set(i, j, e[j])
		}
		feat.Set(i, d, 1)
	}
	var wv, we mat.Dense
	if err := wv.Solve(feat, vel); err != nil {
		t.Fatal(err)
	}
	if err := we.Solve(feat, lat); err != nil {
		t.Fatal(err)
	}
	// Compare the fitted affine maps with the exact fields at a few points.
	for _, pt := range [][]float64{{0, 0}, {-1, 1}, {0.5, -0.7}} {
		b, eta := make([]float64, d), make([]float64, d)
		if err := field.Fields(b, eta, pt, tt); err != nil {
			t.Fatal(err)
		}
		for j := range d {
			fb := wv.At(d, j)
			fe := we.At(d, j)
			for k := range d {
				fb += pt[k] * wv.At(k, j)
				fe += pt[k] * we.At(k, j)
			}
			// Target standard deviations are O(2); 2e5 draws give ~0.01 standard errors.
			if math.Abs(fb-b[j]) > 0.04 || math.Abs(fe-eta[j]) > 0.04 {
				t.Errorf("at %v component %d: fitted b %.4f eta %.4f, exact b %.4f eta %.4f", pt, j, fb, fe, b[j], eta[j])
			}
		}
	}
}

// jointCholesky returns the lower Cholesky factor L of the coupling's joint covariance (and d): (x0, x1) =
// (m0, m1) + L u with u standard normal in R^2d.
func jointCholesky(t *testing.T, g *GaussianCoupling) (*mat.TriDense, int) {
	t.Helper()
	d := g.dim()
	joint := mat.NewSymDense(2*d, nil)
	for i := range d {
		for j := range d {
			joint.SetSym(i, j, g.S0[i*d+j])
			joint.SetSym(d+i, d+j, g.S1[i*d+j])
			joint.SetSym(i, d+j, g.c01(i, j))
		}
	}
	var ch mat.Cholesky
	if !ch.Factorize(joint) {
		t.Fatal("joint covariance not positive definite")
	}
	var l mat.TriDense
	ch.LTo(&l)
	return &l, d
}

func drawCoupled(rng interface{ NormFloat64() float64 }, g *GaussianCoupling, l *mat.TriDense, d int, x0, x1 []float64) {
	u := make([]float64, 2*d)
	for i := range u {
		u[i] = rng.NormFloat64()
	}
	for i := range 2 * d {
		s := 0.0
		for k := 0; k <= i; k++ {
			s += l.At(i, k) * u[k]
		}
		if i < d {
			x0[i] = g.M0[i] + s
		} else {
			x1[i-d] = g.M1[i-d] + s
		}
	}
}

// TestInterpolantODEMapsLawOntoLaw: for a Gaussian coupling the ODE's flow map is affine, Phi(x) = M x + v,
// and must send N(m0, S0) to N(m1, S1): Phi(m0) = m1 and M S0 M^T = S1. Heun's error must fall as h^2.
func TestInterpolantODEMapsLawOntoLaw(t *testing.T) {
	g := testCoupling()
	for _, p := range []Interpolant{LinearInterpolant{A: 1}, TrigInterpolant{A: 0.5}, LinearInterpolant{}} {
		field, err := g.Field(p)
		if err != nil {
			t.Fatal(err)
		}
		var errs []float64
		for _, steps := range []int{25, 50, 100} {
			errs = append(errs, odeMomentError(t, g, field, p, steps))
		}
		t.Logf("%s gamma(1/2)=%.3g: moment errors %.3g %.3g %.3g", p.Name(), p.At(0.5).Gamma, errs[0], errs[1], errs[2])
		if errs[2] > 1e-4 {
			t.Errorf("%s: moment error %g at 100 steps", p.Name(), errs[2])
		}
		for i := 1; i < len(errs); i++ {
			if r := errs[i-1] / errs[i]; r < 3.3 || r > 4.8 {
				t.Errorf("%s: error ratio %.2f when halving h, want ~4 (order 2)", p.Name(), r)
			}
		}
	}
}

func odeMomentError(t *testing.T, g *GaussianCoupling, f InterpolantField, p Interpolant, steps int) float64 {
	t.Helper()
	d := g.dim()
	s0 := mat.NewSymDense(d, append([]float64(nil), g.S0...))
	var ch mat.Cholesky
	if !ch.Factorize(s0) {
		t.Fatal("S0 not positive definite")
	}
	var l mat.TriDense
	ch.LTo(&l)
	// Points m0, m0 + L0 e_j.
	x := make([]float64, (d+1)*d)
	for k := 0; k <= d; k++ {
		for i := range d {
			x[k*d+i] = g.M0[i]
			if k > 0 {
				x[k*d+i] += l.At(i, k-1)
			}
		}
	}
	s := InterpolantSampler{Interpolant: p, Steps: steps}
	nfe, err := s.Sample(context.Background(), f, x)
	if err != nil {
		t.Fatal(err)
	}
	if nfe != 2*steps || nfe != s.NFE() {
		t.Fatalf("NFE %d for %d Heun steps", nfe, steps)
	}
	worst := 0.0
	for i := range d {
		worst = math.Max(worst, math.Abs(x[i]-g.M1[i]))
	}
	// Columns of M L0; covariance (M L0)(M L0)^T.
	ml := mat.NewDense(d, d, nil)
	for k := range d {
		for i := range d {
			ml.Set(i, k, x[(k+1)*d+i]-x[i])
		}
	}
	var cov mat.Dense
	cov.Mul(ml, ml.T())
	for i := range d {
		for j := range d {
			worst = math.Max(worst, math.Abs(cov.At(i, j)-g.S1[i*d+j]))
		}
	}
	return worst
}

// TestInterpolantSDEKeepsTheMarginals: with eps(t) = Eps gamma(t) > 0 the SDE has the ODE's marginals, so
// samples of x0's law must arrive with x1's mean and covariance (Monte Carlo plus Euler-Maruyama error).
// The forecast case is included: a point-like start x_c + 0.05 zeta and x1's conditional law.
func TestInterpolantSDEKeepsTheMarginals(t *testing.T) {
	cases := map[string]*GaussianCoupling{
		"coupling": testCoupling(),
		"forecast": {M0: []float64{0.3, -0.2}, M1: []float64{1, 0.5}, S0: []float64{0.0025, 0, 0, 0.0025},
			S1: []float64{0.2, 0.05, 0.05, 0.1}},
	}
	for name, g := range cases {
		p := LinearInterpolant{A: 1}
		field, err := g.Field(p)
		if err != nil {
			t.Fatal(err)
		}
		const n, d = 4000, 2
		l, _ := jointCholesky(t, g)
		rng := newPCGRand(3)
		x := make([]float64, n*d)
		x1 := make([]float64, d)
		for i := range n {
			drawCoupled(rng, g, l, d, x[i*d:(i+1)*d], x1)
		}
		s := InterpolantSampler{Interpolant: p, Steps: 200, Eps: 2, Seed: 11}
		if _, err := s.Sample(context.Background(), field, x); err != nil {
			t.Fatal(err)
		}
		mean, cov := sampleMoments(x, d)
		for i := range d {
			// Standard error of the mean sqrt(S1_ii/n) <= 0.018; of a covariance entry about 0.03.
			if math.Abs(mean[i]-g.M1[i]) > 0.06 {
				t.Errorf("%s: mean %d %.4f, want %.4f", name, i, mean[i], g.M1[i])
			}
			for j := range d {
				if math.Abs(cov[i*d+j]-g.S1[i*d+j]) > 0.08*math.Sqrt(g.S1[i*d+i]*g.S1[j*d+j])+0.01 {
					t.Errorf("%s: covariance (%d,%d) %.4f, want %.4f", name, i, j, cov[i*d+j], g.S1[i*d+j])
				}
			}
		}
	}
}

func sampleMoments(x []float64, d int) (mean, cov []float64) {
	n := len(x) / d
	mean = make([]float64, d)
	cov = make([]float64, d*d)
	for r := range n {
		for i := range d {
			mean[i] += x[r*d+i] / float64(n)
		}
	}
	for r := range n {
		for i := range d {
			for j := range d {
				cov[i*d+j] += (x[r*d+i] - mean[i]) * (x[r*d+j] - mean[j]) / float64(n-1)
			}
		}
	}
	return mean, cov
}

func TestInterpolantSDEIsDeterministicPerElement(t *testing.T) {
	g := testCoupling()
	p := TrigInterpolant{A: 1}
	field, err := g.Field(p)
	if err != nil {
		t.Fatal(err)
	}
	x := []float64{1, 0, 0.5, -0.5, 2, 1}
	a, b := append([]float64(nil), x...), append([]float64(nil), x...)
	s := InterpolantSampler{Interpolant: p, Steps: 30, Eps: 1, Seed: 5}
	if _, err := s.Sample(context.Background(), field, a); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sample(context.Background(), field, b); err != nil {
		t.Fatal(err)
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("two runs with one seed differ at %d: %v vs %v", i, a[i], b[i])
		}
	}
	s.Seed = 6
	c := append([]float64(nil), x...)
	if _, err := s.Sample(context.Background(), field, c); err != nil {
		t.Fatal(err)
	}
	if c[0] == a[0] {
		t.Error("another seed drew the same path")
	}
}

func TestInterpolantSamplerRefusesBadInput(t *testing.T) {
	g := testCoupling()
	p := LinearInterpolant{A: 1}
	field, err := g.Field(p)
	if err != nil {
		t.Fatal(err)
	}
	ok := InterpolantSampler{Interpolant: p, Steps: 4}
	cases := map[string]struct {
		s InterpolantSampler
		x []float64
	}{
		"no steps":      {InterpolantSampler{Interpolant: p}, []float64{0, 0}},
		"negative eps":  {InterpolantSampler{Interpolant: p, Steps: 2, Eps: -1}, []float64{0, 0}},
		"tstart":        {InterpolantSampler{Interpolant: p, Steps: 2, TStart: 1}, []float64{0, 0}},
		"ragged batch":  {ok, []float64{0, 0, 1}},
		"nan input":     {ok, []float64{0, math.NaN()}},
		"no interp":     {InterpolantSampler{Steps: 2}, []float64{0, 0}},
		"empty batch":   {ok, nil},
		"infinite eps":  {InterpolantSampler{Interpolant: p, Steps: 2, Eps: math.Inf(1)}, []float64{0, 0}},
		"nan t start":   {InterpolantSampler{Interpolant: p, Steps: 2, TStart: math.NaN()}, []float64{0, 0}},
		"negative time": {InterpolantSampler{Interpolant: p, Steps: 2, TStart: -0.1}, []float64{0, 0}},
	}
	for name, c := range cases {
		if _, err := c.s.Sample(context.Background(), field, c.x); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ok.Sample(ctx, field, []float64{0, 0}); err == nil {
		t.Error("cancelled context ignored")
	}
	bad := testCoupling()
	bad.S1 = []float64{1, 2, 2, 1} // eigenvalue -1
	if _, err := bad.Field(p); err == nil || !strings.Contains(err.Error(), "semi-definite") {
		t.Errorf("indefinite covariance: %v", err)
	}
	// A point mass x0 (S0 = 0) without latent noise has a singular covariance at t = 0: a clear error.
	pm := &GaussianCoupling{M0: []float64{0}, M1: []float64{1}, S0: []float64{0}, S1: []float64{1}}
	f, err := pm.Field(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (InterpolantSampler{Interpolant: p, Steps: 3}).Sample(context.Background(), f, []float64{0}); err == nil ||
		!strings.Contains(err.Error(), "singular") {
		t.Errorf("point mass at t = 0: %v", err)
	}
	if err := InterpolantExample(p.At(0), make([]float64, 1), make([]float64, 1), nil, []float64{0}, []float64{1}, []float64{0}); err == nil {
		t.Error("velocity target at t = 0 accepted")
	}
}

func BenchmarkInterpolantSDE(b *testing.B) {
	g := testCoupling()
	p := LinearInterpolant{A: 1}
	field, err := g.Field(p)
	if err != nil {
		b.Fatal(err)
	}
	x := make([]float64, 256*2)
	s := InterpolantSampler{Interpolant: p, Steps: 20, Eps: 1}
	for b.Loop() {
		for i := range x {
			x[i] = g.M0[i%2]
		}
		if _, err := s.Sample(context.Background(), field, x); err != nil {
			b.Fatal(err)
		}
	}
}

// TestInterpolantProcessRunsTheInterpolantODE: the probability-flow ODE of InterpolantProcess (through the
// exact denoiser of a Gaussian target) and the interpolant's own ODE (through the exact fields of the
// coupling base N(0, Base^2 I) -> target) are one equation, so from the same start they must arrive at the
// same point. This is the claim that lets the trainer and every solver run the interpolant.
func TestInterpolantProcessRunsTheInterpolantODE(t *testing.T) {
	p, err := NewInterpolantProcess(0.3, 0.8)
	if err != nil {
		t.Fatal(err)
	}
	p.Tmax = 1 // the interpolant's own start, alpha = 0 (the exact denoiser needs no eps conversion)
	m1 := []float64{1, -2}
	s1 := []float64{0.6, 0.2, 0.2, 0.4}
	mix, err := NewGaussianMixture([]float64{1}, [][]float64{m1}, [][][]float64{{{0.6, 0.2}, {0.2, 0.4}}})
	if err != nil {
		t.Fatal(err)
	}
	g := &GaussianCoupling{M0: []float64{0, 0}, M1: m1, S0: []float64{0.09, 0, 0, 0.09}, S1: s1}
	field, err := g.Field(LinearInterpolant{A: 0.8})
	if err != nil {
		t.Fatal(err)
	}
	start := []float64{0.1, -0.2, -0.3, 0.25, 0.05, 0.4}
	ref := append([]float64(nil), start...)
	if _, err := ReferenceSample(context.Background(), p, mix.Denoiser(p), ref, p.TMax(), 0, 1e-10); err != nil {
		t.Fatal(err)
	}
	x := append([]float64(nil), start...)
	if _, err := (InterpolantSampler{Interpolant: LinearInterpolant{A: 0.8}, Steps: 400}).Sample(context.Background(), field, x); err != nil {
		t.Fatal(err)
	}
	for i := range x {
		if math.Abs(x[i]-ref[i]) > 1e-5 {
			t.Errorf("value %d: interpolant ODE %.8f, process PF-ODE %.8f", i, x[i], ref[i])
		}
	}
	// And the process itself: alpha and sigma match the combined Gaussian terms, LogSNR is inverted.
	for _, tau := range []float64{0.01, 0.3, 0.77, 0.999} {
		c := LinearInterpolant{A: 0.8}.At(1 - tau)
		if s := math.Hypot(c.Alpha*0.3, c.Gamma); math.Abs(s-p.Sigma(tau)) > 1e-14 {
			t.Errorf("sigma(%g) %g, want %g", tau, p.Sigma(tau), s)
		}
		if back := p.TimeAtLogSNR(p.LogSNR(tau)); math.Abs(back-tau) > 1e-12 {
			t.Errorf("TimeAtLogSNR(LogSNR(%g)) = %g", tau, back)
		}
	}
	if _, err := NewInterpolantProcess(0, 1); err == nil {
		t.Error("zero base noise accepted")
	}
}

package diffusion

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// gaussianInverseProblem is a prior N(m, S) in 3 dimensions with a correlated covariance, two sensors (one
// reads x_0, one averages x_1 and x_2) and a measurement.
type gaussianInverseProblem struct {
	m      []float64
	S      *mat.Dense
	prior  *GaussianMixture
	H      *SparseOperator
	Hmat   *mat.Dense
	y      []float64
	sigmaY float64
}

func newGaussianInverseProblem(t *testing.T) *gaussianInverseProblem {
	t.Helper()
	m := []float64{0.5, -1, 2}
	S := [][]float64{{1, 0.6, 0.2}, {0.6, 2, -0.3}, {0.2, -0.3, 0.5}}
	prior, err := NewGaussianMixture([]float64{1}, [][]float64{m}, [][][]float64{S})
	if err != nil {
		t.Fatal(err)
	}
	H, err := NewSparseOperator(3, [][]SparseEntry{{{0, 1}}, {{1, 0.5}, {2, 0.5}}})
	if err != nil {
		t.Fatal(err)
	}
	return &gaussianInverseProblem{m: m, S: mat.NewDense(3, 3, []float64{1, 0.6, 0.2, 0.6, 2, -0.3, 0.2, -0.3, 0.5}),
		prior: prior, H: H, Hmat: mat.NewDense(2, 3, []float64{1, 0, 0, 0, 0.5, 0.5}), y: []float64{1.5, 0.3}, sigmaY: 0.5}
}

// effectivePrecision is RED-Diff's regulariser at a fixed time t as a Gaussian precision. For the exact
// denoiser of N(m, S), D(x_t) = m + alpha S A^-1 (x_t - alpha m) with A = alpha^2 S + sigma^2 I; with
// x_t = alpha mu + sigma eps,
//
//	E[eps_hat - eps] = (alpha/sigma) (mu - E D) = (alpha/sigma) sigma^2 A^-1 (mu - m) = alpha sigma A^-1 (mu - m),
//
// so the expected gradient w_t E[eps_hat - eps] with w_t = lambda sigma/alpha is P (mu - m),
// P = lambda sigma^2 A^-1: the gradient of the Gaussian log-prior of precision P. Its noise is
// -lambda (D - E D) = -lambda alpha sigma S A^-1 eps, of covariance (lambda alpha sigma)^2 (S A^-1)(S A^-1)^T.
func (g *gaussianInverseProblem) effectivePrecision(p Process, t, lambda float64) (P, noiseCov *mat.Dense) {
	a, s := p.Alpha(t), p.Sigma(t)
	A := mat.NewDense(3, 3, nil)
	A.Scale(a*a, g.S)
	for i := 0; i < 3; i++ {
		A.Set(i, i, A.At(i, i)+s*s)
	}
	var Ainv mat.Dense
	if err := Ainv.Inverse(A); err != nil {
		panic(err)
	}
	P = mat.NewDense(3, 3, nil)
	P.Scale(lambda*s*s, &Ainv)
	var SA mat.Dense
	SA.Mul(g.S, &Ainv)
	noiseCov = mat.NewDense(3, 3, nil)
	noiseCov.Mul(&SA, SA.T())
	noiseCov.Scale(math.Pow(lambda*a*s, 2), noiseCov)
	return P, noiseCov
}

// mapEstimate solves (H^T H/sy^2 + P) mu = H^T y/sy^2 + P m, the MAP of the prior of precision P, and returns
// mu and J = H^T H/sy^2 + P (the expected gradient's Jacobian).
func (g *gaussianInverseProblem) mapEstimate(P *mat.Dense) (*mat.VecDense, *mat.Dense) {
	iv := 1 / (g.sigmaY * g.sigmaY)
	J := mat.NewDense(3, 3, nil)
	J.Mul(g.Hmat.T(), g.Hmat)
	J.Scale(iv, J)
	J.Add(J, P)
	var b, pm mat.VecDense
	b.MulVec(g.Hmat.T(), mat.NewVecDense(2, g.y))
	b.ScaleVec(iv, &b)
	pm.MulVec(P, mat.NewVecDense(3, g.m))
	b.AddVec(&b, &pm)
	var mu mat.VecDense
	if err := mu.SolveVec(J, &b); err != nil {
		panic(err)
	}
	return &mu, J
}

// TestREDDiffExpectedGradientIsGaussianPrecision checks the derivation of effectivePrecision by Monte Carlo:
// the mean of w_t (eps_hat - eps) over 40000 draws at a fixed mu is P (mu - m) within 5 standard errors.
func TestREDDiffExpectedGradientIsGaussianPrecision(t *testing.T) {
	g := newGaussianInverseProblem(t)
	p := NewVPCosine()
	const tt, lambda, n = 0.4, 0.7, 40000
	a, s := p.Alpha(tt), p.Sigma(tt)
	mu := []float64{1, 0.2, -0.5}
	rng := rand.New(rand.NewPCG(3, 4))
	eps, xt := make([]float64, 3*n), make([]float64, 3*n)
	for i := range eps {
		eps[i] = rng.NormFloat64()
		xt[i] = a*mu[i%3] + s*eps[i]
	}
	x0 := make([]float64, 3*n)
	if err := g.prior.Denoiser(p).Denoise(x0, xt, tt); err != nil {
		t.Fatal(err)
	}
	mean := make([]float64, 3)
	for i := range eps {
		epsHat := (xt[i] - a*x0[i]) / s
		mean[i%3] += lambda * s / a * (epsHat - eps[i]) / n
	}
	P, cov := g.effectivePrecision(p, tt, lambda)
	for i := 0; i < 3; i++ {
		want := 0.0
		for j := 0; j < 3; j++ {
			want += P.At(i, j) * (mu[j] - g.m[j])
		}
		se := math.Sqrt(cov.At(i, i) / n)
		if math.Abs(mean[i]-want) > 5*se {
			t.Errorf("component %d: Monte Carlo gradient %.5f, closed form %.5f (standard error %.1e)", i, mean[i], want, se)
		}
	}
}

// TestREDDiffConvergesToTheEffectiveMAP: at a fixed time t the expected RED-Diff gradient is that of the MAP
// objective with the Gaussian prior of precision P (effectivePrecision), so Adam with a decaying rate and
// Polyak-Ruppert averaging converges to that MAP. Tolerance: the averaged iterate of a stochastic
// approximation with Jacobian J and gradient noise covariance C has covariance J^-1 C J^-T / N (Polyak &
// Juditsky 1992); every component must be within 5 of its standard deviations, with several seeds.
func TestREDDiffConvergesToTheEffectiveMAP(t *testing.T) {
	g := newGaussianInverseProblem(t)
	p := NewVPCosine()
	const tt, lambda, steps, average = 0.4, 0.7, 24000, 20000
	P, C := g.effectivePrecision(p, tt, lambda)
	want, J := g.mapEstimate(P)
	var Jinv, cov mat.Dense
	if err := Jinv.Inverse(J); err != nil {
		t.Fatal(err)
	}
	cov.Mul(&Jinv, C)
	cov.Mul(&cov, Jinv.T())
	// The test separates the effective prior from the true one: the Bayes MAP (prior precision S^-1) is
	// more than 20 standard deviations away.
	var Sinv mat.Dense
	if err := Sinv.Inverse(g.S); err != nil {
		t.Fatal(err)
	}
	bayes, _ := g.mapEstimate(&Sinv)
	far := 0.0
	for i := 0; i < 3; i++ {
		far = math.Max(far, math.Abs(bayes.AtVec(i)-want.AtVec(i))/math.Sqrt(cov.At(i, i)/average))
	}
	if far < 20 {
		t.Fatalf("the Bayes MAP is only %.1f standard deviations from RED-Diff's: the test cannot tell them apart", far)
	}
	times := make([]float64, steps)
	for i := range times {
		times[i] = tt
	}
	for seed := uint64(1); seed <= 3; seed++ {
		opt := DefaultREDDiffOptions()
		opt.Times, opt.Lambda, opt.SigmaY, opt.Seed, opt.Average = times, lambda, g.sigmaY, seed, average
		opt.LRDecay = func(k, _ int) float64 { return math.Pow(1+float64(k)/100, -0.7) }
		res, err := REDDiff(context.Background(), p, g.prior.Denoiser(p), g.H, g.y, opt)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3; i++ {
			sd := math.Sqrt(cov.At(i, i) / average)
			d := math.Abs(res.X[i] - want.AtVec(i))
			if d > 5*sd {
				t.Errorf("seed %d component %d: RED-Diff %.5f, MAP %.5f: off by %.2e = %.1f standard deviations (%.1e)",
					seed, i, res.X[i], want.AtVec(i), d, d/sd, sd)
			}
		}
	}
}

// TestREDDiffWithoutPriorReturnsTheMeasurement: with H = I and lambda = 0, RED-Diff is Adam on
// ||y - mu||^2/2, whose minimiser is y; from zero it gets there, and from H^T y = y it never moves.
func TestREDDiffWithoutPriorReturnsTheMeasurement(t *testing.T) {
	const d = 4
	p := NewVPLinear()
	prior, err := NewGaussianMixture([]float64{1}, [][]float64{make([]float64, d)}, [][][]float64{identity(d)})
	if err != nil {
		t.Fatal(err)
	}
	H, err := NewSelection(d, []int{0, 1, 2, 3})
	if err != nil {
		t.Fatal(err)
	}
	y := []float64{0.3, -1.2, 2.5, 0.01, 1, 2, 3, -4} // two problems
	opt := DefaultREDDiffOptions()
	opt.Lambda, opt.Steps = 0, 200
	res, err := REDDiff(context.Background(), p, prior.Denoiser(p), H, y, opt)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range res.X {
		if v != y[i] {
			t.Fatalf("from H^T y = y, entry %d moved to %v", i, v)
		}
	}
	opt.Init, opt.Steps = make([]float64, len(y)), 500
	opt.LRDecay = func(k, _ int) float64 { return 1 / math.Sqrt(1+float64(k)/50) }
	if res, err = REDDiff(context.Background(), p, prior.Denoiser(p), H, y, opt); err != nil {
		t.Fatal(err)
	}
	for i, v := range res.X {
		if math.Abs(v-y[i]) > 1e-6 {
			t.Errorf("from zero, entry %d is %v, want %v", i, v, y[i])
		}
	}
}

func identity(d int) [][]float64 {
	c := make([][]float64, d)
	for i := range c {
		c[i] = make([]float64, d)
		c[i][i] = 1
	}
	return c
}

// TestOperatorsPassTheDotProductTest: <H x, y> = <x, H^T y> for the mask, a selection and interpolating
// sparse sensors, on random vectors.
func TestOperatorsPassTheDotProductTest(t *testing.T) {
	const d = 17
	keep := make([]bool, d)
	for i := range keep {
		keep[i] = i%3 != 1
	}
	mask, err := NewMask(keep)
	if err != nil {
		t.Fatal(err)
	}
	sel, err := NewSelection(d, []int{16, 0, 5, 5, 9})
	if err != nil {
		t.Fatal(err)
	}
	interp, err := NewSparseOperator(d, [][]SparseEntry{{{2, 0.25}, {3, 0.75}}, {{10, 0.6}, {11, 0.4}}, {{16, -1.5}}})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for _, op := range []Operator{mask, sel, interp} {
		for trial := 0; trial < 5; trial++ {
			x, y := make([]float64, op.InDim()), make([]float64, op.OutDim())
			for i := range x {
				x[i] = rng.NormFloat64()
			}
			for i := range y {
				y[i] = rng.NormFloat64()
			}
			hx, hty := make([]float64, op.OutDim()), make([]float64, op.InDim())
			if err := op.Apply(hx, x); err != nil {
				t.Fatal(err)
			}
			if err := op.Adjoint(hty, y); err != nil {
				t.Fatal(err)
			}
			lhs, rhs := dot(hx, y), dot(x, hty)
			if math.Abs(lhs-rhs) > 1e-12*(1+math.Abs(lhs)) {
				t.Errorf("%T: <Hx, y> = %v, <x, H^T y> = %v", op, lhs, rhs)
			}
		}
	}
	// The mask keeps exactly the measured entries.
	x := make([]float64, d)
	for i := range x {
		x[i] = float64(i + 1)
	}
	hx := make([]float64, d)
	if err := mask.Apply(hx, x); err != nil {
		t.Fatal(err)
	}
	for i, k := range keep {
		if (k && hx[i] != x[i]) || (!k && hx[i] != 0) {
			t.Fatalf("mask entry %d (keep %v): %v", i, k, hx[i])
		}
	}
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// TestREDDiffIsDeterministicPerProblem: the same seed gives the same result, and a problem's result does not
// depend on the problems after it in the batch (its noise is keyed by its index).
func TestREDDiffIsDeterministicPerProblem(t *testing.T) {
	g := newGaussianInverseProblem(t)
	p := NewVPCosine()
	opt := DefaultREDDiffOptions()
	opt.Steps, opt.Seed = 50, 9
	y2 := append(append([]float64(nil), g.y...), 0.7, -0.2)
	a, err := REDDiff(context.Background(), p, g.prior.Denoiser(p), g.H, y2, opt)
	if err != nil {
		t.Fatal(err)
	}
	b, err := REDDiff(context.Background(), p, g.prior.Denoiser(p), g.H, y2, opt)
	if err != nil {
		t.Fatal(err)
	}
	one, err := REDDiff(context.Background(), p, g.prior.Denoiser(p), g.H, g.y, opt)
	if err != nil {
		t.Fatal(err)
	}
	for i := range a.X {
		if a.X[i] != b.X[i] {
			t.Fatalf("two runs differ at %d: %v vs %v", i, a.X[i], b.X[i])
		}
	}
	for i := range one.X {
		if one.X[i] != a.X[i] {
			t.Fatalf("problem 0 alone differs from problem 0 in a batch at %d: %v vs %v", i, one.X[i], a.X[i])
		}
	}
	if a.NFE != 50 || a.Steps != 50 {
		t.Errorf("NFE %d, steps %d; want 50 each", a.NFE, a.Steps)
	}
}

// TestREDDiffProgressAndCancellation: Progress sees every step, and cancelling stops the run with ctx's error.
func TestREDDiffProgressAndCancellation(t *testing.T) {
	g := newGaussianInverseProblem(t)
	p := NewVPCosine()
	opt := DefaultREDDiffOptions()
	opt.Steps = 20
	calls := 0
	opt.Progress = func(done, total int) {
		calls++
		if done != calls || total != 20 {
			t.Errorf("progress (%d, %d) at call %d", done, total, calls)
		}
	}
	if _, err := REDDiff(context.Background(), p, g.prior.Denoiser(p), g.H, g.y, opt); err != nil {
		t.Fatal(err)
	}
	if calls != 20 {
		t.Errorf("progress called %d times, want 20", calls)
	}
	ctx, cancel := context.WithCancel(context.Background())
	opt.Progress = func(done, _ int) {
		if done == 5 {
			cancel()
		}
	}
	if _, err := REDDiff(ctx, p, g.prior.Denoiser(p), g.H, g.y, opt); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled run returned %v, want context.Canceled", err)
	}
}

// TestREDDiffRejectsBadInput: every malformed problem or option fails with an error naming the problem.
func TestREDDiffRejectsBadInput(t *testing.T) {
	g := newGaussianInverseProblem(t)
	p := NewVPCosine()
	den := g.prior.Denoiser(p)
	wrongDim, _ := NewSelection(4, []int{0})
	cases := []struct {
		name string
		H    Operator
		y    []float64
		edit func(*REDDiffOptions)
		want string
	}{
		{"operator dimension", wrongDim, []float64{1}, nil, "operator takes 4"},
		{"measurement length", g.H, []float64{1, 2, 3}, nil, "not a positive multiple"},
		{"no measurements", g.H, nil, nil, "not a positive multiple"},
		{"NaN measurement", g.H, []float64{1, math.NaN()}, nil, "non-finite"},
		{"zero steps", g.H, g.y, func(o *REDDiffOptions) { o.Steps = 0 }, "at least 1 step"},
		{"empty times", g.H, g.y, func(o *REDDiffOptions) { o.Times = []float64{} }, "at least 1 step"},
		{"increasing times", g.H, g.y, func(o *REDDiffOptions) { o.Times = []float64{0.2, 0.5} }, "must not increase"},
		{"time zero", g.H, g.y, func(o *REDDiffOptions) { o.Times = []float64{0.5, 0} }, "want it in (0"},
		{"time beyond TMax", g.H, g.y, func(o *REDDiffOptions) { o.Times = []float64{2} }, "want it in (0"},
		{"negative lambda", g.H, g.y, func(o *REDDiffOptions) { o.Lambda = -1 }, "lambda"},
		{"zero lr", g.H, g.y, func(o *REDDiffOptions) { o.LR = 0 }, "learning rate"},
		{"zero sigma_y", g.H, g.y, func(o *REDDiffOptions) { o.SigmaY = 0 }, "sigma_y"},
		{"beta 1", g.H, g.y, func(o *REDDiffOptions) { o.Beta2 = 1 }, "betas"},
		{"average too long", g.H, g.y, func(o *REDDiffOptions) { o.Steps, o.Average = 10, 11 }, "averages"},
		{"init length", g.H, g.y, func(o *REDDiffOptions) { o.Init = []float64{1} }, "Init has 1"},
		{"init NaN", g.H, g.y, func(o *REDDiffOptions) { o.Init = []float64{1, math.Inf(1), 0} }, "non-finite"},
		{"decay to zero", g.H, g.y, func(o *REDDiffOptions) { o.LRDecay = func(int, int) float64 { return 0 } }, "decayed learning rate"},
	}
	for _, c := range cases {
		opt := DefaultREDDiffOptions()
		opt.Steps = 10
		if c.edit != nil {
			c.edit(&opt)
		}
		_, err := REDDiff(context.Background(), p, den, c.H, c.y, opt)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", c.name, err, c.want)
		}
	}
	if _, err := NewMask([]bool{false, false}); err == nil {
		t.Error("a mask measuring nothing was accepted")
	}
	if _, err := NewSelection(3, []int{3}); err == nil {
		t.Error("a selection outside the point was accepted")
	}
	if _, err := NewSparseOperator(3, [][]SparseEntry{{{0, math.NaN()}}}); err == nil {
		t.Error("a NaN sensor weight was accepted")
	}
}

// spyDenoiser records every input it is given and denoises to zero.
type spyDenoiser struct {
	dim    int
	inputs [][]float64
}

func (s *spyDenoiser) Dim() int { return s.dim }
func (s *spyDenoiser) Denoise(dst, x []float64, _ float64) error {
	s.inputs = append(s.inputs, append([]float64(nil), x...))
	clear(dst)
	return nil
}

// TestREDDiffHoldsFixedEntriesAndShowsThemClean: with Fixed, the masked entries of every mean stay at their
// values (one row per problem), the network sees them clean in every noisy copy, as an inpainting-trained
// model was shown them, and the free entries still fit the measurements (lambda = 0: least squares).
func TestREDDiffHoldsFixedEntriesAndShowsThemClean(t *testing.T) {
	const d = 4
	mask := []bool{false, true, false, true}
	values := []float64{0, 7, 0, -3, 0, 0.5, 0, 2} // two problems
	H, err := NewSelection(d, []int{0, 2})
	if err != nil {
		t.Fatal(err)
	}
	y := []float64{0.3, -1.2, 2.5, 0.01}
	spy := &spyDenoiser{dim: d}
	opt := DefaultREDDiffOptions()
	opt.Lambda, opt.Steps, opt.Fixed = 0, 300, &Inpaint{Mask: mask, Values: values}
	opt.LRDecay = func(k, _ int) float64 { return 1 / math.Sqrt(1+float64(k)/50) }
	opt.Init = make([]float64, 2*d)
	res, err := REDDiff(context.Background(), NewVPCosine(), spy, H, y, opt)
	if err != nil {
		t.Fatal(err)
	}
	for k, in := range spy.inputs {
		for i, m := range mask {
			for j := 0; j < 2 && m; j++ {
				if in[j*d+i] != values[j*d+i] {
					t.Fatalf("step %d: the network saw fixed entry %d of problem %d as %v, want %v", k, i, j, in[j*d+i], values[j*d+i])
				}
			}
		}
	}
	for j := 0; j < 2; j++ {
		for i, m := range mask {
			got := res.X[j*d+i]
			switch {
			case m && got != values[j*d+i]:
				t.Errorf("problem %d: fixed entry %d is %v, want %v", j, i, got, values[j*d+i])
			case !m && math.Abs(got-y[j*2+i/2]) > 1e-6:
				t.Errorf("problem %d: free entry %d is %v, want the measurement %v", j, i, got, y[j*2+i/2])
			}
		}
	}
	opt.Fixed = &Inpaint{Mask: mask, Values: values[:3]}
	if _, err := REDDiff(context.Background(), NewVPCosine(), spy, H, y, opt); err == nil || !strings.Contains(err.Error(), "Fixed") {
		t.Errorf("Fixed with 3 values for 4 dimensions: got %v, want an error naming Fixed", err)
	}
}

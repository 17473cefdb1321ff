package wdno

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// smokeGuideFixture is a tiny smoke control model, one test case encoded, a noisy state of it at t and
// the denoiser's x0 prediction there.
type smokeGuideFixture struct {
	m        *Model
	enc      *encoded
	req      Request
	x, x0    []float64
	t        float64
	guidance float64
}

func newSmokeGuideFixture(t *testing.T) *smokeGuideFixture {
	t.Helper()
	dir := t.TempDir()
	m := tinySmokeModel(t, dir, "control")
	d := openData(t, writeSmoke(t, dir, "test.arrow", tinySmokeParams(), 1, 2))
	u, _, err := d.Fields(0, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	req := Request{Cases: []Case{{U0: u[:d.Cells*d.State]}}}
	enc, err := m.encode(req)
	if err != nil {
		t.Fatal(err)
	}
	D := m.Layout.Dim()
	ts := 0.6
	p := m.Checkpoint.Process
	rng := rand.New(rand.NewPCG(1, 2))
	x := make([]float64, D)
	for i := range x {
		x[i] = p.Alpha(ts)*enc.values[i] + p.Sigma(ts)*rng.NormFloat64()
	}
	x0 := make([]float64, D)
	if err := m.Checkpoint.Denoiser.Denoise(x0, x, ts); err != nil {
		t.Fatal(err)
	}
	return &smokeGuideFixture{m: m, enc: enc, req: req, x: x, x0: x0, t: ts, guidance: SmokeGuidance}
}

// corrected is the fixture's x0 after one guide correction (pull nil: at x0), decoded to (u, f).
func (fx *smokeGuideFixture) corrected(t *testing.T, weight float64, pull *pullback) (u, f []float64) {
	t.Helper()
	l := fx.m.Layout
	g := &guide{layout: l, known: l.Known(Control), values: fx.enc.values, clip: true, weight: weight, obj: fx.enc.objective(fx.m, fx.req),
		p: fx.m.Checkpoint.Process, pull: pull}
	row := slices.Clone(fx.x0)
	if err := g.correct(row, fx.x, fx.t); err != nil {
		t.Fatal(err)
	}
	nu, nf := l.Config().sizes()
	u, f = make([]float64, nu), make([]float64, nf)
	if err := l.Decode(row, u, f); err != nil {
		t.Fatal(err)
	}
	return u, f
}

// Smoke's J reads only the s channel and d(0), so its gradient at x0 is zero in the control bands and
// guidance at x0 leaves the decoded controls exactly where the unguided prediction has them; pulled back
// through the denoiser, the same gradient moves them.
func TestGuidanceThroughTheDenoiserReachesTheControls(t *testing.T) {
	fx := newSmokeGuideFixture(t)
	_, f0 := fx.corrected(t, 0, nil)
	_, fX0 := fx.corrected(t, fx.guidance, nil)
	if !slices.Equal(f0, fX0) {
		t.Errorf("guidance at x0 moved the controls")
	}
	pull, err := fx.m.newPullback()
	if err != nil {
		t.Fatal(err)
	}
	_, fDen := fx.corrected(t, fx.guidance, pull)
	var moved float64
	for i := range f0 {
		moved = max(moved, math.Abs(fDen[i]-f0[i]))
	}
	if moved == 0 || math.IsNaN(moved) {
		t.Errorf("guidance through the denoiser left the controls where they were (largest change %v)", moved)
	}
}

// The pullback is alpha times the directional derivative of g . x0(x): for a random direction d,
// d . pullback(g) / alpha equals central differences of g . D(x + h d, t) to the float32 network's accuracy.
func TestDenoiserPullbackIsTheDirectionalDerivative(t *testing.T) {
	fx := newSmokeGuideFixture(t)
	pull, err := fx.m.newPullback()
	if err != nil {
		t.Fatal(err)
	}
	D := len(fx.x)
	rng := rand.New(rand.NewPCG(3, 4))
	g, d := make([]float64, D), make([]float64, D)
	for i := range g {
		g[i], d[i] = rng.NormFloat64(), rng.NormFloat64()
	}
	r := slices.Clone(g)
	if err := pull.apply(r, fx.x, fx.t); err != nil {
		t.Fatal(err)
	}
	phi := func(h float64) float64 {
		xh, x0 := make([]float64, D), make([]float64, D)
		for i := range xh {
			xh[i] = fx.x[i] + h*d[i]
		}
		if err := fx.m.Checkpoint.Denoiser.Denoise(x0, xh, fx.t); err != nil {
			t.Fatal(err)
		}
		var s float64
		for i := range x0 {
			s += g[i] * x0[i]
		}
		return s
	}
	const h = 1e-2
	fd := (phi(h) - phi(-h)) / (2 * h)
	var got float64
	for i := range d {
		got += d[i] * r[i]
	}
	got /= fx.m.Checkpoint.Process.Alpha(fx.t)
	t.Logf("d . pullback / alpha = %.8g, central difference %.8g", got, fd)
	if math.Abs(got-fd) > 1e-5*math.Abs(fd) {
		t.Errorf("d . pullback / alpha = %.6g, central difference %.6g", got, fd)
	}
}

// Generate takes the guidance through the denoiser on request (controls differ from the guidance at x0
// with the same noise) and refuses an unknown place to take it.
func TestGenerateGuidesThroughTheDenoiserOnRequest(t *testing.T) {
	fx := newSmokeGuideFixture(t)
	ctx := context.Background()
	req := fx.req
	req.Seed = 5
	atX0, err := fx.m.Generate(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	req.GuideThrough = GuideDenoiser
	through, err := fx.m.Generate(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if len(through.Failed) != 0 || slices.Equal(atX0.F[0], through.F[0]) {
		t.Errorf("guidance through the denoiser: failed %v, controls equal to the guidance at x0's: %v", through.Failed, slices.Equal(atX0.F[0], through.F[0]))
	}
	req.GuideThrough = "x_t"
	if _, err := fx.m.Generate(ctx, req); err == nil || !strings.Contains(err.Error(), "guide through") {
		t.Errorf("GuideThrough %q: %v", req.GuideThrough, err)
	}
}

// The pullback runs a batch in chunks of pullbackChunk examples (memory); a batch across chunk boundaries
// gets each example's own pullback, to float32 rounding of the network.
func TestPullbackOfABatchIsThePullbackOfEachExample(t *testing.T) {
	fx := newSmokeGuideFixture(t)
	pull, err := fx.m.newPullback()
	if err != nil {
		t.Fatal(err)
	}
	D, n := len(fx.x), pullbackChunk+2
	rng := rand.New(rand.NewPCG(5, 6))
	x, g := make([]float64, n*D), make([]float64, n*D)
	for i := range x {
		x[i] = fx.x[i%D] + 0.1*rng.NormFloat64()
		g[i] = rng.NormFloat64()
	}
	batch := slices.Clone(g)
	if err := pull.apply(batch, x, fx.t); err != nil {
		t.Fatal(err)
	}
	for j := range n {
		one := slices.Clone(g[j*D : (j+1)*D])
		if err := pull.apply(one, x[j*D:(j+1)*D], fx.t); err != nil {
			t.Fatal(err)
		}
		for i, v := range one {
			if w := batch[j*D+i]; math.Abs(v-w) > 1e-5*(1+math.Abs(v)) {
				t.Fatalf("example %d entry %d: %v in the batch, %v alone", j, i, w, v)
			}
		}
	}
}

// An example whose gradient is not finite (its prediction diverged) neither fails the pullback of the batch
// nor changes the others': it keeps its gradient, for the sampler to isolate.
func TestPullbackLeavesADivergedExampleToTheSampler(t *testing.T) {
	fx := newSmokeGuideFixture(t)
	pull, err := fx.m.newPullback()
	if err != nil {
		t.Fatal(err)
	}
	D := len(fx.x)
	rng := rand.New(rand.NewPCG(7, 8))
	x, g := make([]float64, 2*D), make([]float64, 2*D)
	for i := range x {
		x[i], g[i] = fx.x[i%D], rng.NormFloat64()
	}
	want := slices.Clone(g[D:])
	if err := pull.apply(want, x[D:], fx.t); err != nil {
		t.Fatal(err)
	}
	g[3] = math.NaN()
	if err := pull.apply(g, x, fx.t); err != nil {
		t.Fatalf("a diverged example failed the batch: %v", err)
	}
	if !math.IsNaN(g[3]) {
		t.Errorf("the diverged example's gradient became %v", g[3])
	}
	for i, v := range want {
		if math.Abs(g[D+i]-v) > 1e-5*(1+math.Abs(v)) {
			t.Fatalf("entry %d of the finite example: %v beside a diverged one, %v alone", i, g[D+i], v)
		}
	}
}

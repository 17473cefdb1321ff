package diffuser

import (
	"context"
	"math"
	"testing"

	"github.com/trajdiff/trajdiff/diffusion"
)

// gaussianData is the exact denoiser of data x0 ~ N(m, s^2 I): D(x, t) = m + alpha s^2/(alpha^2 s^2 + sigma^2) (x - alpha m).
type gaussianData struct {
	p diffusion.Process
	m []float64
	s float64
}

func (g gaussianData) Dim() int { return len(g.m) }

func (g gaussianData) Denoise(dst, x []float64, t float64) error {
	a, sg := g.p.Alpha(t), g.p.Sigma(t)
	k := a * g.s * g.s / (a*a*g.s*g.s + sg*sg)
	for i := range dst {
		m := g.m[i%len(g.m)]
		dst[i] = m + k*(x[i]-a*m)
	}
	return nil
}

// tiltValue is the value J(x, t) = k(t) c.x, k = alpha s^2/(alpha^2 s^2 + sigma^2), whose tilt exp(beta J) of
// the Gaussian data's marginal p_t is exactly the marginal of the data tilted by exp(beta c.x0), N(m + beta s^2 c, s^2).
type tiltValue struct {
	g gaussianData
	c []float64
}

func (v tiltValue) ValueGradient(values, grad, x []float64, t float64) error {
	a, sg := v.g.p.Alpha(t), v.g.p.Sigma(t)
	k := a * v.g.s * v.g.s / (a*a*v.g.s*v.g.s + sg*sg)
	D := len(v.c)
	for b := range values {
		values[b] = 0
		for i := 0; i < D; i++ {
			values[b] += k * v.c[i] * x[b*D+i]
			grad[b*D+i] = k * v.c[i]
		}
	}
	return nil
}

// sampleGaussian draws n samples of the Gaussian data with DDIM at nfe steps, x0-corrected by correct.
func sampleGaussian(t *testing.T, g gaussianData, n, nfe int, correct func(x0, x []float64, t float64) error) []float64 {
	t.Helper()
	solver, err := diffusion.NewSolver("ddim")
	if err != nil {
		t.Fatal(err)
	}
	sch, err := diffusion.NewSchedule("logsnr")
	if err != nil {
		t.Fatal(err)
	}
	plan, err := diffusion.PlanForNFE(solver, g.p, sch, nfe)
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float64, n*len(g.m))
	for i := range x { // a fixed pseudo-normal start, identical for both runs
		u1, u2 := (float64(i%97)+0.5)/97, (float64((i*31)%89)+0.5)/89
		x[i] = math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
	}
	if err := diffusion.Sample(context.Background(), plan, g, x, diffusion.RunOptions{Seed: 1, CorrectX0: correct}); err != nil {
		t.Fatal(err)
	}
	return x
}

// Guidance by the exact value of a tilted Gaussian turns the exact denoiser into the tilted data's
// denoiser, so the probability-flow samples move by the predicted amount: with the same starting noise,
// every guided sample is the unguided one shifted by Steps * Scale * s^2 * c (the mean of N(m, s^2)
// tilted by exp(Steps * Scale * c.x0)), to the ODE solver's accuracy.
func TestValueGuidanceShiftsGaussianSamplesByTheTiltedMean(t *testing.T) {
	p, err := diffusion.NewProcess("vp-cosine")
	if err != nil {
		t.Fatal(err)
	}
	g := gaussianData{p: p, m: []float64{0.2, -0.1, 0.3, 0}, s: 0.5}
	c := []float64{1, -2, 0.5, 0}
	const n, beta = 64, 0.8
	base := sampleGaussian(t, g, n, 200, nil)
	for _, steps := range []int{1, 2} {
		vg := &valueGuide{value: tiltValue{g: g, c: c}, process: p, scale: beta, steps: steps, window: len(c), fixed: make([]bool, len(c))}
		guided := sampleGaussian(t, g, n, 200, vg.correct)
		for i := range guided {
			want := float64(steps) * beta * g.s * g.s * c[i%len(c)]
			if got := guided[i] - base[i]; math.Abs(got-want) > 0.01*math.Abs(want)+1e-3 {
				t.Fatalf("steps %d, sample %d entry %d: guidance moved it by %v, want %v", steps, i/len(c), i%len(c), got, want)
			}
		}
	}
}

// Inpainted entries are never moved by guidance, and below StopGradBelow nothing is.
func TestValueGuidanceLeavesFixedEntriesAndLateTimesAlone(t *testing.T) {
	p, err := diffusion.NewProcess("vp-cosine")
	if err != nil {
		t.Fatal(err)
	}
	g := gaussianData{p: p, m: []float64{0, 0, 0}, s: 1}
	vg := &valueGuide{value: tiltValue{g: g, c: []float64{1, 1, 1}}, process: p, scale: 1, steps: 1, window: 3, fixed: []bool{false, true, false}, stop: 0.3}
	x, x0 := []float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.6}, make([]float64, 6)
	if err := vg.correct(x0, x, 0.5); err != nil {
		t.Fatal(err)
	}
	for i, v := range x0 {
		if moved := v != 0; moved == vg.fixed[i%3] {
			t.Fatalf("entry %d: x0 %v (fixed %v)", i, v, vg.fixed[i%3])
		}
	}
	clear(x0)
	if err := vg.correct(x0, x, 0.2); err != nil {
		t.Fatal(err)
	}
	for i, v := range x0 {
		if v != 0 {
			t.Fatalf("entry %d moved to %v below the stop time", i, v)
		}
	}
}

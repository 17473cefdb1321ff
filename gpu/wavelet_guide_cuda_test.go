//go:build cuda || trajdiff_cuda

package gpu

import (
	"context"
	"testing"

	"github.com/trajdiff/trajdiff/diffusion"

	"github.com/trajdiff/trajdiff/wavelet"
)

// guideHost is the float64 reference of WaveletControlGuide.Gradient, written after pde/wdno's wavelet layout
// (Decode, controlObjective.grad, DecodeAdjoint) on package wavelet's Plan: for each case and field, the band
// blocks times their scales packed into the Plan's array, Inverse, the first Frames x Cells values as the
// field; the objective's gradient; InverseAdjoint of the gradient zero-padded to the reconstruction; the
// bands times their scales into the image.
func guideHost(t *testing.T, c WaveletControlConfig, x []float64) []float64 {
	t.Helper()
	p, err := wavelet.NewPlan[float64]([]int{c.Frames, c.Cells}, c.Wavelet, c.Mode.String(), 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	lay := p.Layout()
	blocks := []wavelet.Block{lay.Approx, lay.Details[0]["da"], lay.Details[0]["ad"], lay.Details[0]["dd"]}
	ps := lay.Shape
	nf := c.State + c.Control
	img := c.Channels * c.Height * c.Width
	fv := c.Frames * c.Cells
	N := c.Cells * c.State
	gx := make([]float64, c.Cases*img)
	for cs := range c.Cases {
		// Decode every field, then the gradient of each (the state's needs only its own field).
		for k := range nf {
			packed := make([]float64, ps[0]*ps[1])
			for b, blk := range blocks {
				ch := 4*k + b
				for r := range c.BandH {
					for q := range c.BandW {
						packed[(blk.Start[0]+r)*ps[1]+blk.Start[1]+q] = x[cs*img+(ch*c.Height+r)*c.Width+q] * c.Scales[ch]
					}
				}
			}
			rec, err := p.Inverse(packed)
			if err != nil {
				t.Fatal(err)
			}
			grec := make([]float64, len(rec))
			for i := range fv {
				switch {
				case k >= c.State:
					grec[i] = 2 * c.Energy * rec[i]
				case i/c.Cells == c.Frames-1:
					grec[i] = 2 * (rec[i] - c.Targets[cs][(i%c.Cells)*c.State+k]) / float64(N)
				case i/c.Cells == 0:
					grec[i] = 2 * (rec[i] - c.U0s[cs][(i%c.Cells)*c.State+k]) / float64(N)
				}
			}
			gp, err := p.InverseAdjoint(grec)
			if err != nil {
				t.Fatal(err)
			}
			for b, blk := range blocks {
				ch := 4*k + b
				for r := range c.BandH {
					for q := range c.BandW {
						gx[cs*img+(ch*c.Height+r)*c.Width+q] = gp[(blk.Start[0]+r)*ps[1]+blk.Start[1]+q] * c.Scales[ch]
					}
				}
			}
		}
	}
	return gx
}

func guideConfig(cases, state, frames, cells int, wav string, mode wavelet.Mode) WaveletControlConfig {
	bank, _ := NewWaveletBank(wav)
	wn := WaveletN{Batch: 1, Shape: []int{frames, cells}, Taps: bank.Taps, Mode: mode}
	bs := wn.BandShape()
	nf := state + 1
	c := WaveletControlConfig{Wavelet: wav, Mode: mode, Cases: cases, State: state, Control: 1, Frames: frames, Cells: cells,
		Channels: 4*nf + state, Height: (bs[0] + 3) / 4 * 4, Width: (bs[1] + 7) / 8 * 8, BandH: bs[0], BandW: bs[1], Energy: 2e-5}
	rng := newRand(uint64(31 * frames))
	for range c.Channels {
		c.Scales = append(c.Scales, 0.5+rng.Float64())
	}
	for range cases {
		u0, tg := make([]float64, cells*state), make([]float64, cells*state)
		for i := range u0 {
			u0[i], tg[i] = rng.NormFloat64(), rng.NormFloat64()
		}
		c.U0s, c.Targets = append(c.U0s, u0), append(c.Targets, tg)
	}
	return c
}

// TestGPUWaveletGuideGradientMatchesLayout: the device gradient of WDNO's control objective through the
// wavelet decoder equals the float64 reference of the layout's Decode, objective gradient and DecodeAdjoint,
// for Burgers' layout (81 x 120, bior2.4 periodization, one state and one control channel) and a smaller one
// with two state channels and bior1.3 zero, several cases. The energy weight is raised to 0.3 in the second so
// that the control's gradient is not negligible next to the state's.
func TestGPUWaveletGuideGradientMatchesLayout(t *testing.T) {
	s := testStream(t)
	d := testDevice(t)
	c2 := guideConfig(3, 2, 9, 14, "bior1.3", wavelet.ModeZero)
	c2.Energy = 0.3
	for i, c := range []WaveletControlConfig{guideConfig(2, 1, 81, 120, "bior2.4", wavelet.ModePeriodization), c2} {
		g, err := NewWaveletControlGuide(d, c, ClipX0{Lo: -1, Hi: 1}, func(float64) float64 { return 1 })
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { g.Close() })
		n := c.Cases * c.Channels * c.Height * c.Width
		x32 := randomF32(uint64(900+i), n, 0.5)
		gx := upload(t, make([]float32, n))
		if err := g.Gradient(s, upload(t, x32), gx); err != nil {
			t.Fatal(err)
		}
		got, want := download(t, gx), guideHost(t, c, to64(x32))
		a := compare(got, want)
		// Two float32 transforms (synthesis and its adjoint, each within its bound relative to the largest
		// gradient entry) between exact scalings: 1e-5 of the largest entry of the reference is 100 times the
		// worst the transform tests allow per axis at these sizes.
		scale := maxAbs(want)
		tol := 1e-5 * scale
		if !(a.MaxAbs <= tol) || scale == 0 {
			t.Errorf("%s %v %d x %d: max |device - host| %.3g > %.3g (largest gradient %.3g)", c.Wavelet, c.Mode, c.Frames, c.Cells, a.MaxAbs, tol, scale)
		}
		t.Logf("%s %v %d cases of %d x %d: max |device - host| %.3g, %.2g of the largest gradient entry %.3g (relative RMS %.2g)",
			c.Wavelet, c.Mode, c.Cases, c.Frames, c.Cells, a.MaxAbs, a.MaxAbs/scale, scale, a.RelRMS)
	}
}

// TestGPUWaveletGuideCorrectsLikeTheCPU: CorrectX0 is fix, x0 -= step dJ/dx0, fix (pde/wdno's guide.correct):
// with a clamp as the fix, the result equals that sequence on the host from the device's own gradient.
func TestGPUWaveletGuideCorrectsLikeTheCPU(t *testing.T) {
	s := testStream(t)
	d := testDevice(t)
	c := guideConfig(2, 1, 17, 24, "bior2.4", wavelet.ModePeriodization)
	const step = 3.5
	g, err := NewWaveletControlGuide(d, c, ClipX0{Lo: -1, Hi: 1}, func(float64) float64 { return step })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	n := c.Cases * c.Channels * c.Height * c.Width
	x32 := randomF32(77, n, 0.8) // some beyond [-1, 1]
	clamped := make([]float32, n)
	for i, v := range x32 {
		clamped[i] = min(1, max(-1, v))
	}
	gx := upload(t, make([]float32, n))
	if err := g.Gradient(s, upload(t, clamped), gx); err != nil {
		t.Fatal(err)
	}
	grad := download(t, gx)
	x0 := upload(t, x32)
	if err := g.CorrectX0(s, x0, x0, 0.5); err != nil {
		t.Fatal(err)
	}
	got := download(t, x0)
	moved := 0
	for i, v := range clamped {
		want := min(1, max(-1, float32(float64(v)-step*float64(grad[i]))))
		if got[i] != want {
			t.Fatalf("entry %d: %v, want %v", i, got[i], want)
		}
		if want != v {
			moved++
		}
	}
	if moved == 0 {
		t.Fatal("the guidance moved nothing")
	}
	bad := c
	bad.Scales = bad.Scales[1:]
	if _, err := NewWaveletControlGuide(d, bad, ClipX0{Lo: -1, Hi: 1}, func(float64) float64 { return 1 }); err == nil {
		t.Error("a scale per channel short was accepted")
	}
	bad = c
	bad.BandW++
	if _, err := NewWaveletControlGuide(d, bad, ClipX0{Lo: -1, Hi: 1}, func(float64) float64 { return 1 }); err == nil {
		t.Error("bands of the wrong width were accepted")
	}
}

// shrinkDenoiser predicts x0 = c x (on the device; shrinkHost on the CPU): a denoiser simple enough that
// the guided run's differences come from the guidance and float32 alone.
type shrinkDenoiser struct {
	dim int
	c   float64
}

func (n shrinkDenoiser) Dim() int { return n.dim }
func (n shrinkDenoiser) Denoise(s *Stream, dst, x Buffer, t float64) error {
	if err := s.Fill(dst, 0); err != nil {
		return err
	}
	return s.Axpby(dst, n.c, x, 0)
}

type shrinkHost struct {
	dim int
	c   float64
}

func (n shrinkHost) Dim() int { return n.dim }
func (n shrinkHost) Denoise(dst, x []float64, t float64) error {
	for i, v := range x {
		dst[i] = n.c * v
	}
	return nil
}

// ddimPlan is the guided sampling tests' plan: DDIM over p's default schedule of steps steps, and its times.
func ddimPlan(t *testing.T, p diffusion.Process, steps int) (*diffusion.Plan, []float64) {
	t.Helper()
	solver, err := diffusion.NewSolver("ddim")
	if err != nil {
		t.Fatal(err)
	}
	times, err := diffusion.DefaultSchedule(p).Times(p, steps)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := solver.Plan(p, times)
	if err != nil {
		t.Fatal(err)
	}
	return plan, times
}

// TestGPUGuidedSamplingMatchesTheCPU: a whole guided DDIM run on the device, with the guide as the executor's
// x0 correction replayed from CUDA graphs, ends where the same run on the CPU ends (diffusion.Sample with
// clamp, x0 -= step dJ/dx0 from the float64 layout recipe, clamp) to float32 rounding, and the guidance moved
// it far more than that.
func TestGPUGuidedSamplingMatchesTheCPU(t *testing.T) {
	d := testDevice(t)
	c := guideConfig(2, 1, 17, 24, "bior2.4", wavelet.ModePeriodization)
	dim := c.Channels * c.Height * c.Width
	p := diffusion.NewVPCosine()
	plan, times := ddimPlan(t, p, 10)
	step := func(t float64) float64 { return 2 * p.Sigma(t) / p.Alpha(t) }
	g, err := NewWaveletControlGuide(d, c, ClipX0{Lo: -1, Hi: 1}, step)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	x0 := to64(randomF32(1234, c.Cases*dim, p.Sigma(times[0])))
	clamp := func(v []float64) {
		for i := range v {
			v[i] = min(1, max(-1, v[i]))
		}
	}
	run := func(guided bool) []float64 {
		x := append([]float64(nil), x0...)
		correct := func(z, _ []float64, tt float64) error {
			clamp(z)
			if !guided {
				return nil
			}
			gx := guideHost(t, c, z)
			for i := range z {
				z[i] -= step(tt) * gx[i]
			}
			clamp(z)
			return nil
		}
		if err := diffusion.Sample(context.Background(), plan, shrinkHost{dim, 0.7}, x, diffusion.RunOptions{Seed: 5, CorrectX0: correct}); err != nil {
			t.Fatal(err)
		}
		return x
	}
	want, unguided := run(true), run(false)
	e, err := NewExecutor(d, plan, len(x0))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	x := make([]float32, len(x0))
	for i, v := range x0 {
		x[i] = float32(v)
	}
	if err := e.Run(context.Background(), shrinkDenoiser{dim, 0.7}, x, RunOptions{Seed: 5, CorrectX0: g, Graph: true}); err != nil {
		t.Fatal(err)
	}
	a, moved := compare(x, want), compare(to32(unguided), want)
	// The emulator reaches relative RMS 7e-8 and max 1.4e-7 (float32 rounding of states in [-1, 1] through
	// ten steps); the tolerances are about ten times that.
	if !(a.RelRMS <= 1e-6 && a.MaxAbs <= 2e-6) {
		t.Errorf("guided device run vs CPU: relative RMS %.3g (tolerance 1e-6), max %.3g (2e-6)", a.RelRMS, a.MaxAbs)
	}
	if !(moved.MaxAbs > 100*a.MaxAbs) {
		t.Errorf("the guidance moved the sample by at most %.3g, not far beyond the device's error %.3g", moved.MaxAbs, a.MaxAbs)
	}
	t.Logf("guided device run vs CPU: relative RMS %.3g, max %.3g; guided vs unguided on the CPU: max %.3g", a.RelRMS, a.MaxAbs, moved.MaxAbs)
}

func to32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

//go:build cuda || trajdiff_cuda

package gpu

import (
	"math"
	"testing"

	"github.com/trajdiff/trajdiff/wavelet"
)

// guideHost is the float64 reference of WaveletControlGuide.Gradient, written after pde/wdno's wavelet layout
// (Decode, controlObjective.grad, DecodeAdjoint) on package wavelet's Plan: for each case and field, the band
// blocks times their scales packed into the Plan's array, Inverse, the first Frames x Cells values as the
// field; the objective's gradient; InverseAdjoint of the gradient zero-padded to the reconstruction; the
// bands times their scales into the image.
func guideHost(t *testing.T, c WaveletControlConfig, x []float32) []float64 {
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
						packed[(blk.Start[0]+r)*ps[1]+blk.Start[1]+q] = float64(x[cs*img+(ch*c.Height+r)*c.Width+q]) * c.Scales[ch]
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
		got, want := download(t, gx), guideHost(t, c, x32)
		a := compare(got, want)
		// Two float32 transforms (synthesis and its adjoint, each within its bound relative to the largest
		// gradient entry) between exact scalings: 1e-5 of the largest entry of the reference is 100 times the
		// worst the transform tests allow per axis at these sizes.
		scale := 0.0
		for _, v := range want {
			scale = math.Max(scale, math.Abs(v))
		}
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

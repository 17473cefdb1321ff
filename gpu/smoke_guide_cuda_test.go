//go:build cuda || trajdiff_cuda

package gpu

import (
	"math"
	"testing"

	"github.com/trajdiff/trajdiff/wavelet"
)

// smokeGuideHost is the float64 reference of SmokeControlGuide.Gradient, written after pde/wdno's smoke
// wavelet layout (Decode of the density, smokeObjective.grad, DecodeAdjoint) on package wavelet's Plan: the
// density's band blocks times their scales packed into the 3-D Plan's array (pywt's band order, the Plan's
// keys), Inverse, frame 0's cells; the misfit's gradient there; InverseAdjoint; the bands times their scales
// into the image, plus the linear part.
func smokeGuideHost(t *testing.T, c SmokeControlConfig, x []float64) []float64 {
	t.Helper()
	p, err := wavelet.NewPlan[float64]([]int{c.Frames, c.GridX, c.GridY}, c.Wavelet, c.Mode.String(), 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	lay := p.Layout()
	blocks := []wavelet.Block{lay.Approx}
	for _, k := range []string{"aad", "ada", "add", "daa", "dad", "dda", "ddd"} {
		blocks = append(blocks, lay.Details[0][k])
	}
	ps, rs := lay.Shape, p.ReconstructionShape()
	img := c.Channels * c.ImageFrames * c.Height * c.Width
	at := func(cs, ch, t, r, q int) int { return cs*img + ((ch*c.ImageFrames+t)*c.Height+r)*c.Width + q }
	gx := make([]float64, c.Cases*img)
	cells := float64(c.GridX * c.GridY)
	for cs := range c.Cases {
		packed := make([]float64, ps[0]*ps[1]*ps[2])
		for b, blk := range blocks {
			for t := range c.BandT {
				for r := range c.BandX {
					for q := range c.BandY {
						packed[((blk.Start[0]+t)*ps[1]+blk.Start[1]+r)*ps[2]+blk.Start[2]+q] = x[at(cs, b, t, r, q)] * c.Scales[b]
					}
				}
			}
		}
		rec, err := p.Inverse(packed)
		if err != nil {
			t.Fatal(err)
		}
		grec := make([]float64, len(rec))
		for r := range c.GridX {
			for q := range c.GridY {
				i := r*rs[2] + q
				grec[i] = 2 * c.D0Weight * (rec[i] - c.D0s[cs][r*c.GridY+q]) / cells
			}
		}
		gp, err := p.InverseAdjoint(grec)
		if err != nil {
			t.Fatal(err)
		}
		for i := range img {
			gx[cs*img+i] = c.Linear[i]
		}
		for b, blk := range blocks {
			for t := range c.BandT {
				for r := range c.BandX {
					for q := range c.BandY {
						gx[at(cs, b, t, r, q)] += gp[((blk.Start[0]+t)*ps[1]+blk.Start[1]+r)*ps[2]+blk.Start[2]+q] * c.Scales[b]
					}
				}
			}
		}
	}
	return gx
}

// smokeGuideConfig is a random smoke guide of the given sizes: scales in [0.5, 1.5), the initial densities
// normal, a linear part of 1e-3 normal entries and the misfit weight raised to 1, so that the misfit's
// gradient (the part through the transforms) dominates.
func smokeGuideConfig(cases, frames, gx, gy int, wav string, mode wavelet.Mode) SmokeControlConfig {
	bank, _ := NewWaveletBank(wav)
	bs := WaveletN{Batch: 1, Shape: []int{frames, gx, gy}, Taps: bank.Taps, Mode: mode}.BandShape()
	c := SmokeControlConfig{Wavelet: wav, Mode: mode, Cases: cases, Frames: frames, GridX: gx, GridY: gy, Channels: 10,
		ImageFrames: (bs[0] + 3) / 4 * 4, Height: (bs[1] + 3) / 4 * 4, Width: (bs[2] + 3) / 4 * 4, BandT: bs[0], BandX: bs[1], BandY: bs[2],
		D0Weight: 1}
	rng := newRand(uint64(17 * frames))
	for range c.Channels {
		c.Scales = append(c.Scales, 0.5+rng.Float64())
	}
	for range c.Channels * c.ImageFrames * c.Height * c.Width {
		c.Linear = append(c.Linear, 1e-3*rng.NormFloat64())
	}
	for range cases {
		d0 := make([]float64, gx*gy)
		for i := range d0 {
			d0[i] = rng.NormFloat64()
		}
		c.D0s = append(c.D0s, d0)
	}
	return c
}

// TestGPUSmokeGuideGradientMatchesLayout: the device gradient of WDNO's smoke objective through the density's
// 3-D wavelet decoder equals the float64 reference of the layout's Decode, objective gradient and
// DecodeAdjoint, for the smoke layout's wavelet (bior1.3, zero; 8 frames of 8 x 8 cells and an unequal 7 x 9
// x 6) with several cases, the band order (pywt's in the image, the transforms' on the device) included.
func TestGPUSmokeGuideGradientMatchesLayout(t *testing.T) {
	s := testStream(t)
	d := testDevice(t)
	for i, c := range []SmokeControlConfig{smokeGuideConfig(2, 8, 8, 8, "bior1.3", wavelet.ModeZero),
		smokeGuideConfig(3, 7, 9, 6, "bior1.3", wavelet.ModeZero)} {
		g, err := NewSmokeControlGuide(d, c, ClipX0{Lo: -1, Hi: 1}, func(float64) float64 { return 1 })
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { g.Close() })
		n := c.Cases * c.Channels * c.ImageFrames * c.Height * c.Width
		x32 := randomF32(uint64(700+i), n, 0.5)
		gx := upload(t, make([]float32, n))
		if err := g.Gradient(s, upload(t, x32), gx); err != nil {
			t.Fatal(err)
		}
		got, want := download(t, gx), smokeGuideHost(t, c, to64(x32))
		a := compare(got, want)
		// Two float32 3-D transforms (synthesis and its adjoint) between exact scalings: 1e-5 of the largest
		// gradient entry, as for the 1-D layout's guide.
		scale := maxAbs(want)
		if tol := 1e-5 * scale; !(a.MaxAbs <= tol) || scale == 0 {
			t.Errorf("%d x %d x %d: max |device - host| %.3g > %.3g (largest gradient %.3g)", c.Frames, c.GridX, c.GridY, a.MaxAbs, tol, scale)
		}
		t.Logf("%d cases of %d x %d x %d: max |device - host| %.3g, %.2g of the largest gradient entry %.3g (relative RMS %.2g)",
			c.Cases, c.Frames, c.GridX, c.GridY, a.MaxAbs, a.MaxAbs/scale, scale, a.RelRMS)
	}
}

// TestGPUSmokeGuideCorrectsLikeTheCPU: CorrectX0 is fix, x0 -= step dJ/dx0, fix: with a clamp as the fix, the
// result equals that sequence on the host from the host reference's gradient of the clamped x0.
func TestGPUSmokeGuideCorrectsLikeTheCPU(t *testing.T) {
	s := testStream(t)
	d := testDevice(t)
	c := smokeGuideConfig(2, 8, 8, 8, "bior1.3", wavelet.ModeZero)
	const step = 3.0
	g, err := NewSmokeControlGuide(d, c, ClipX0{Lo: -1, Hi: 1}, func(float64) float64 { return step })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	n := c.Cases * c.Channels * c.ImageFrames * c.Height * c.Width
	x32 := randomF32(77, n, 1.5)
	x0 := upload(t, x32)
	if err := g.CorrectX0(s, x0, x0, 0.5); err != nil {
		t.Fatal(err)
	}
	got := download(t, x0)
	want := to64(x32)
	for i, v := range want {
		want[i] = math.Min(1, math.Max(-1, v))
	}
	gx := smokeGuideHost(t, c, want)
	for i := range want {
		want[i] = math.Min(1, math.Max(-1, want[i]-step*gx[i]))
	}
	if a := compare(got, want); !(a.MaxAbs <= 1e-5) {
		t.Errorf("CorrectX0: max |device - host| %.3g > 1e-5", a.MaxAbs)
	}
}

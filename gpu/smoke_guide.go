//go:build cuda || trajdiff_cuda

package gpu

import (
	"fmt"
	"math"
)

// SmokeControlGuide is pde/wdno's smoke guide on the device: an X0Corrector that fixes each x0 prediction
// (Fix: known entries, clamping), moves it by -Step(t) dJ/dx0 and fixes it again, as guide.correct does on
// the CPU. dJ/dx0 is the constant gradient of J's linear part plus the misfit's gradient through the
// layout's decoder: the density's band blocks unscaled, the inverse 3-D DWT, the misfit's gradient on frame
// 0, the inverse 3-D DWT's adjoint and the blocks scaled back. Step is the host's sigma/alpha lambda beta(t).
type SmokeControlGuide struct {
	Fix  X0Corrector
	Step func(t float64) float64

	cfg      SmokeControlConfig
	d        *Device
	wn       WaveletN
	filters  Buffer
	scales   Buffer
	linear   Buffer
	d0       Buffer
	bands    Buffer // the density's 8 band tensors, in the layout's (pywt's) order
	gbands   Buffer
	y, g     Buffer // the synthesised densities and their gradient
	gx       Buffer
	scratch  Buffer
	toDevice [8]int // the layout's band of the transforms' band b (WaveletBandKey's order)
}

// pywtBand is the index in pywt.dwtn's order (itertools.product("ad"), the last axis fastest) of the band
// whose key is k.
func pywtBand(k string) int {
	b := 0
	for _, c := range k {
		b <<= 1
		if c == 'd' {
			b |= 1
		}
	}
	return b
}

// NewSmokeControlGuide validates c and allocates the guide's device memory (Close frees it).
func NewSmokeControlGuide(d *Device, c SmokeControlConfig, fix X0Corrector, step func(t float64) float64) (*SmokeControlGuide, error) {
	bank, err := NewWaveletBank(c.Wavelet)
	if err != nil {
		return nil, err
	}
	if c.Cases < 1 || c.Frames < 1 || c.GridX < 1 || c.GridY < 1 {
		return nil, fmt.Errorf("gpu: smoke guide: %d cases of %d frames of %d x %d cells", c.Cases, c.Frames, c.GridX, c.GridY)
	}
	wn := WaveletN{Batch: c.Cases, Shape: []int{c.Frames, c.GridX, c.GridY}, Taps: bank.Taps, Mode: c.Mode}
	if err := wn.Validate(); err != nil {
		return nil, fmt.Errorf("gpu: smoke guide: %w", err)
	}
	if bs := wn.BandShape(); bs[0] != c.BandT || bs[1] != c.BandX || bs[2] != c.BandY {
		return nil, fmt.Errorf("gpu: smoke guide: bands of %v, the layout says %d x %d x %d", bs, c.BandT, c.BandX, c.BandY)
	}
	if c.Channels < 8 || c.ImageFrames < c.BandT || c.Height < c.BandX || c.Width < c.BandY {
		return nil, fmt.Errorf("gpu: smoke guide: an image of %d x %d x %d x %d cannot hold the density's %d x %d x %d bands",
			c.Channels, c.ImageFrames, c.Height, c.Width, c.BandT, c.BandX, c.BandY)
	}
	img := c.Channels * c.ImageFrames * c.Height * c.Width
	if len(c.Scales) != c.Channels || len(c.Linear) != img {
		return nil, fmt.Errorf("gpu: smoke guide: %d scales and a linear part of %d values for %d channels and images of %d", len(c.Scales), len(c.Linear), c.Channels, img)
	}
	if len(c.D0s) != c.Cases {
		return nil, fmt.Errorf("gpu: smoke guide: %d initial densities for %d cases", len(c.D0s), c.Cases)
	}
	cells := c.GridX * c.GridY
	d0 := make([]float32, 0, c.Cases*cells)
	for j, v := range c.D0s {
		if len(v) != cells {
			return nil, fmt.Errorf("gpu: smoke guide: case %d: an initial density of %d values, want %d", j, len(v), cells)
		}
		d0 = appendF32(d0, v)
	}
	if fix == nil || step == nil {
		return nil, fmt.Errorf("gpu: smoke guide without its x0 fix or step size")
	}
	if math.IsNaN(c.D0Weight) || c.D0Weight < 0 {
		return nil, fmt.Errorf("gpu: smoke guide: misfit weight %v", c.D0Weight)
	}
	g := &SmokeControlGuide{Fix: fix, Step: step, cfg: c, d: d, wn: wn}
	for b := range g.toDevice {
		g.toDevice[b] = pywtBand(WaveletBandKey(b, 3))
	}
	nb := c.Cases * prodInts(wn.BandShape())
	ny := c.Cases * prodInts(wn.SynthesisShape())
	if err := allocGuide(d, []guideBuffer{{&g.filters, 4 * bank.Taps, bank.Filters}, {&g.scales, c.Channels, appendF32(nil, c.Scales)},
		{&g.linear, img, appendF32(nil, c.Linear)}, {&g.d0, len(d0), d0}, {&g.bands, 8 * nb, nil},
		{&g.gbands, 8 * nb, nil}, {&g.y, ny, nil}, {&g.g, ny, nil}, {&g.gx, c.Cases * img, nil},
		{&g.scratch, max(1, wn.ScratchLen()), nil}}); err != nil {
		g.Close()
		return nil, fmt.Errorf("gpu: smoke guide: %w", err)
	}
	return g, nil
}

// Close frees the guide's device memory.
func (g *SmokeControlGuide) Close() error {
	return g.d.freeAll(&g.filters, &g.scales, &g.linear, &g.d0, &g.bands, &g.gbands, &g.y, &g.g, &g.gx, &g.scratch)
}

// split cuts b into its 8 band tensors in the transforms' order (the kernels keep the layout's).
func (g *SmokeControlGuide) split(b Buffer) []Buffer {
	n := b.n / 8
	out := make([]Buffer, 8)
	for i, lb := range g.toDevice {
		out[i] = b.Slice(lb*n, (lb+1)*n)
	}
	return out
}

// Gradient enqueues gx = dJ/dx0 of the images x0 [Cases, Channels, ImageFrames, Height, Width]: the
// layout's Decode, J's gradient and the layout's DecodeAdjoint.
func (g *SmokeControlGuide) Gradient(s *Stream, x0, gx Buffer) error {
	c := g.cfg
	if n := c.Cases * c.Channels * c.ImageFrames * c.Height * c.Width; x0.n != n || gx.n != n {
		return fmt.Errorf("gpu: smoke guide: images of %d and %d values, want %d", x0.n, gx.n, n)
	}
	geom := []arg{iArg(int64(c.Cases)), iArg(int64(c.Channels)), iArg(int64(c.ImageFrames)), iArg(int64(c.Height)),
		iArg(int64(c.Width)), iArg(int64(c.BandT)), iArg(int64(c.BandX)), iArg(int64(c.BandY))}
	if err := s.d.do(func() error {
		return s.grid1(kSmokeBandsFromImage, int64(g.bands.n), append([]arg{pArg(g.bands.ptr), pArg(x0.ptr), pArg(g.scales.ptr)}, geom...)...)
	}); err != nil {
		return err
	}
	if err := s.IDWTN(g.y, g.split(g.bands), g.filters, g.scratch, g.wn); err != nil {
		return err
	}
	rec := g.wn.SynthesisShape()
	if err := s.d.do(func() error {
		return s.grid1(kSmokeD0Gradient, int64(g.y.n), pArg(g.g.ptr), pArg(g.y.ptr), pArg(g.d0.ptr), iArg(int64(c.Cases)),
			iArg(int64(rec[0])), iArg(int64(rec[1])), iArg(int64(rec[2])), iArg(int64(c.GridX)), iArg(int64(c.GridY)), fArg(c.D0Weight))
	}); err != nil {
		return err
	}
	if err := s.IDWTNAdjoint(g.split(g.gbands), g.g, g.filters, g.scratch, g.wn); err != nil {
		return err
	}
	return s.d.do(func() error {
		return s.grid1(kSmokeImageFromBands, int64(gx.n), append([]arg{pArg(gx.ptr), pArg(g.gbands.ptr), pArg(g.scales.ptr), pArg(g.linear.ptr)}, geom...)...)
	})
}

// CorrectX0 implements X0Corrector: fix, x0 -= Step(t) dJ/dx0, fix.
func (g *SmokeControlGuide) CorrectX0(s *Stream, x0, x Buffer, t float64) error {
	return fixedGradientStep(s, g.Fix, g.Gradient, g.Step(t), g.gx, x0, x, t)
}

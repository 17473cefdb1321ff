//go:build cuda || trajdiff_cuda

package gpu

import (
	"fmt"
	"math"
)

// WaveletControlGuide is pde/wdno's guide on the device: an X0Corrector that fixes each x0 prediction (Fix:
// known entries, clamping), moves it by -Step(t) dJ/dx0 (the gradient through the layout's decoder: the band
// blocks unscaled, the inverse DWT, J's gradient, the inverse DWT's adjoint, the blocks scaled back) and
// fixes it again, as guide.correct does on the CPU. Step is the host's sigma/alpha lambda beta(t).
type WaveletControlGuide struct {
	Fix  X0Corrector
	Step func(t float64) float64

	cfg     WaveletControlConfig
	d       *Device
	wn      WaveletN
	filters Buffer
	scales  Buffer
	u0, tgt Buffer
	bands   Buffer // 4 band tensors, then their gradients
	gbands  Buffer
	y, g    Buffer // the synthesised fields and their gradient
	gx      Buffer
	scratch Buffer
}

// NewWaveletControlGuide validates c and allocates the guide's device memory (Close frees it).
func NewWaveletControlGuide(d *Device, c WaveletControlConfig, fix X0Corrector, step func(t float64) float64) (*WaveletControlGuide, error) {
	bank, err := NewWaveletBank(c.Wavelet)
	if err != nil {
		return nil, err
	}
	nf := c.State + c.Control
	wn := WaveletN{Batch: c.Cases * nf, Shape: []int{c.Frames, c.Cells}, Taps: bank.Taps, Mode: c.Mode}
	if c.Cases < 1 || c.State < 1 || c.Control < 0 || c.Frames < 1 || c.Cells < 1 {
		return nil, fmt.Errorf("gpu: wavelet guide %d cases, %d state and %d control channels, %d x %d fields", c.Cases, c.State, c.Control, c.Frames, c.Cells)
	}
	if err := wn.Validate(); err != nil {
		return nil, fmt.Errorf("gpu: wavelet guide: %w", err)
	}
	if bs := wn.BandShape(); bs[0] != c.BandH || bs[1] != c.BandW {
		return nil, fmt.Errorf("gpu: wavelet guide: bands of %v, the layout says %d x %d", bs, c.BandH, c.BandW)
	}
	if c.Channels < 4*nf || c.Height < c.BandH || c.Width < c.BandW {
		return nil, fmt.Errorf("gpu: wavelet guide: an image of %d x %d x %d cannot hold %d fields' %d x %d bands", c.Channels, c.Height, c.Width, nf, c.BandH, c.BandW)
	}
	if len(c.Scales) != c.Channels {
		return nil, fmt.Errorf("gpu: wavelet guide: %d scales for %d channels", len(c.Scales), c.Channels)
	}
	if len(c.U0s) != c.Cases || len(c.Targets) != c.Cases {
		return nil, fmt.Errorf("gpu: wavelet guide: %d initial states and %d targets for %d cases", len(c.U0s), len(c.Targets), c.Cases)
	}
	N := c.Cells * c.State
	u0, tgt := make([]float32, 0, c.Cases*N), make([]float32, 0, c.Cases*N)
	for j := range c.Cases {
		if len(c.U0s[j]) != N || len(c.Targets[j]) != N {
			return nil, fmt.Errorf("gpu: wavelet guide: case %d: %d and %d state values, want %d", j, len(c.U0s[j]), len(c.Targets[j]), N)
		}
		u0, tgt = appendF32(u0, c.U0s[j]), appendF32(tgt, c.Targets[j])
	}
	if fix == nil || step == nil {
		return nil, fmt.Errorf("gpu: wavelet guide without its x0 fix or step size")
	}
	if math.IsNaN(c.Energy) || c.Energy < 0 {
		return nil, fmt.Errorf("gpu: wavelet guide: energy weight %v", c.Energy)
	}
	g := &WaveletControlGuide{Fix: fix, Step: step, cfg: c, d: d, wn: wn}
	nb := wn.Batch * prodInts(wn.BandShape())
	ny := wn.Batch * prodInts(wn.SynthesisShape())
	if err := allocGuide(d, []guideBuffer{{&g.filters, 4 * bank.Taps, bank.Filters},
		{&g.scales, c.Channels, appendF32(nil, c.Scales)}, {&g.u0, len(u0), u0}, {&g.tgt, len(tgt), tgt}, {&g.bands, 4 * nb, nil}, {&g.gbands, 4 * nb, nil}, {&g.y, ny, nil}, {&g.g, ny, nil},
		{&g.gx, c.Cases * c.Channels * c.Height * c.Width, nil}, {&g.scratch, max(1, wn.ScratchLen()), nil}}); err != nil {
		g.Close()
		return nil, fmt.Errorf("gpu: wavelet guide: %w", err)
	}
	return g, nil
}

func appendF32(dst []float32, v []float64) []float32 {
	for _, x := range v {
		dst = append(dst, float32(x))
	}
	return dst
}

// Close frees the guide's device memory.
func (g *WaveletControlGuide) Close() error {
	return g.d.freeAll(&g.filters, &g.scales, &g.u0, &g.tgt, &g.bands, &g.gbands, &g.y, &g.g, &g.gx, &g.scratch)
}

func (g *WaveletControlGuide) split(b Buffer) []Buffer {
	n := b.n / 4
	return []Buffer{b.Slice(0, n), b.Slice(n, 2*n), b.Slice(2*n, 3*n), b.Slice(3*n, 4*n)}
}

// Gradient enqueues gx = dJ/dx0 of the images x0 [Cases, Channels, Height, Width]: the layout's Decode, J's
// gradient and the layout's DecodeAdjoint (zero outside the band blocks).
func (g *WaveletControlGuide) Gradient(s *Stream, x0, gx Buffer) error {
	c := g.cfg
	if n := c.Cases * c.Channels * c.Height * c.Width; x0.n != n || gx.n != n {
		return fmt.Errorf("gpu: wavelet guide: images of %d and %d values, want %d", x0.n, gx.n, n)
	}
	nf := int64(c.State + c.Control)
	geom := []arg{pArg(g.scales.ptr), iArg(int64(c.Cases)), iArg(nf), iArg(int64(c.Channels)), iArg(int64(c.Height)),
		iArg(int64(c.Width)), iArg(int64(c.BandH)), iArg(int64(c.BandW))}
	if err := s.d.do(func() error {
		return s.grid1(kBandsFromImage, int64(g.bands.n), append([]arg{pArg(g.bands.ptr), pArg(x0.ptr)}, geom...)...)
	}); err != nil {
		return err
	}
	if err := s.IDWTN(g.y, g.split(g.bands), g.filters, g.scratch, g.wn); err != nil {
		return err
	}
	rec := int64(prodInts(g.wn.SynthesisShape()))
	if err := s.d.do(func() error {
		return s.grid1(kControlGradient, int64(g.y.n), pArg(g.g.ptr), pArg(g.y.ptr), pArg(g.u0.ptr), pArg(g.tgt.ptr),
			iArg(int64(c.Cases)), iArg(int64(c.State)), iArg(nf), iArg(int64(c.Frames)), iArg(int64(c.Cells)), iArg(rec), fArg(c.Energy))
	}); err != nil {
		return err
	}
	if err := s.IDWTNAdjoint(g.split(g.gbands), g.g, g.filters, g.scratch, g.wn); err != nil {
		return err
	}
	return s.d.do(func() error {
		return s.grid1(kImageFromBands, int64(gx.n), append([]arg{pArg(gx.ptr), pArg(g.gbands.ptr)}, geom...)...)
	})
}

// CorrectX0 implements X0Corrector: fix, x0 -= Step(t) dJ/dx0, fix.
func (g *WaveletControlGuide) CorrectX0(s *Stream, x0, x Buffer, t float64) error {
	return fixedGradientStep(s, g.Fix, g.Gradient, g.Step(t), g.gx, x0, x, t)
}

package wdno

import (
	"fmt"
)

// SuperLayout is the image of one dyadic super-resolution step (WDNO's multi-resolution model): the fine
// trajectory (Frames x Cells) is generated in the wavelet domain given the coarse trajectory, the fine one
// subsampled by two in time and space (Coarse: frames 0, 2, 4, ..., cells 0, 2, 4, ...), and the fine
// conditions. With nF = 4 (State + Control) field-band channels, its channels are
//
//	0 .. nF-1:      the fine trajectory's one-level 2-D DWT bands (u's aa, da, ad, dd, then f's), generated for u
//	nF .. 2nF-1:    the coarse trajectory's bands, nearest-upsampled by two in both axes (known)
//	2nF ..:         the fine initial state's 1-D DWT, the simulation condition channel of the wavelet layout (known),
//
// so that, like the base model, f's fine bands are given (WDNO's high-resolution conditions u0 and f).
// An odd number of fine band rows (always, for K+1 = 2^k 10 + 1 frames) is extended by a copy of the last
// row, WDNO's duplicated target row: the generated band grid then has exactly twice the coarse band grid's
// rows, so the upsampled condition lines up with it. Decode drops the extra row. Scales divide channels
// as in the wavelet layout; the bands sit at the top left and the rest is zero padding.
type SuperLayout struct {
	cfg          LayoutConfig
	fine, coarse *waveletLayout // unit scales; fine is padded to this layout's image size
	nF, nS       int            // field-band and condition channels
	bh, bhE, bw  int            // fine band rows, rows rounded up to even, columns
	cbh, cbw     int            // coarse band size
	ch, h, w     int
	dim          int
	known        []bool
}

// CoarseSize is the resolution of a trajectory subsampled by two in time and space: ceil(frames/2) x
// ceil(cells/2).
func CoarseSize(frames, cells int) (int, int) { return (frames + 1) / 2, (cells + 1) / 2 }

// NewSuperLayout builds the super-resolution layout whose fine trajectory has c.Frames x c.Cells values;
// c.Scales, when given, has one scale per channel (2 nF + State).
func NewSuperLayout(c LayoutConfig) (*SuperLayout, error) {
	if c.Space != "" && c.Space != SpaceWavelet {
		return nil, fmt.Errorf("wdno: super-resolution is defined in the wavelet space, not %q", c.Space)
	}
	c.Space = SpaceWavelet
	if c.Multiple == 0 {
		c.Multiple = 4
	}
	if c.State == 0 {
		c.State = 1
	}
	if c.Control == nil {
		one := 1
		c.Control = &one
	}
	fc, nc := CoarseSize(c.Frames, c.Cells)
	if fc < 2 || nc < 2 {
		return nil, fmt.Errorf("wdno: super-resolution of %d frames x %d cells: the coarse trajectory (%d x %d) needs at least 2 x 2", c.Frames, c.Cells, fc, nc)
	}
	sub := func(frames, cells, height, width int) (*waveletLayout, error) {
		s := c
		s.Frames, s.Cells, s.Height, s.Width, s.Scales = frames, cells, height, width, nil
		l, err := NewLayout(s)
		if err != nil {
			return nil, err
		}
		return l.(*waveletLayout), nil
	}
	probe, err := sub(c.Frames, c.Cells, 0, 0)
	if err != nil {
		return nil, err
	}
	coarse, err := sub(fc, nc, 0, 0)
	if err != nil {
		return nil, err
	}
	l := &SuperLayout{coarse: coarse, nF: probe.condChannel0, nS: probe.nS, bh: probe.bh, bw: probe.bw, cbh: coarse.bh, cbw: coarse.bw}
	l.bhE = l.bh + l.bh%2
	if 2*l.cbh < l.bhE || 2*l.cbw < l.bw {
		return nil, fmt.Errorf("wdno: coarse bands %d x %d cannot cover fine bands %d x %d upsampled", l.cbh, l.cbw, l.bhE, l.bw)
	}
	if c.Height, err = padTo(l.bhE, c.Height, max(c.Multiple, 4), "height"); err != nil {
		return nil, err
	}
	if c.Width, err = padTo(l.bw, c.Width, c.Multiple, "width"); err != nil {
		return nil, err
	}
	if l.fine, err = sub(c.Frames, c.Cells, c.Height, c.Width); err != nil {
		return nil, err
	}
	l.ch = 2*l.nF + l.nS
	if c.Scales, err = checkScales(c.Scales, l.ch); err != nil {
		return nil, err
	}
	l.cfg, l.h, l.w = c, c.Height, c.Width
	l.dim = l.ch * l.h * l.w
	l.known = make([]bool, l.dim)
	for ch := 0; ch < l.ch; ch++ {
		for r := 0; r < l.h; r++ {
			for q := 0; q < l.w; q++ {
				l.known[(ch*l.h+r)*l.w+q] = ch >= 4*l.nS || r >= l.bhE || q >= l.bw
			}
		}
	}
	return l, nil
}

// Config is the resolved configuration (fine resolution, image size, scales).
func (l *SuperLayout) Config() LayoutConfig { return l.cfg }

// Shape is [channels, height, width]; Dim its product.
func (l *SuperLayout) Shape() []int { return []int{l.ch, l.h, l.w} }
func (l *SuperLayout) Dim() int     { return l.dim }

// Known marks the given entries: every channel but the fine state bands, and the padding.
func (l *SuperLayout) Known() []bool { return append([]bool(nil), l.known...) }

// CoarseConfig is the layout configuration of the coarse trajectory (its resolution and channels).
func (l *SuperLayout) CoarseConfig() LayoutConfig { return l.coarse.cfg }

// Coarsen subsamples a trajectory of this layout's fine resolution by two in time and space (frames and
// cells 0, 2, 4, ...), WDNO's construction of its lower-resolution data.
func (l *SuperLayout) Coarsen(u, f []float64) (cu, cf []float64, err error) {
	c := l.cfg
	if err := checkFields(c, u, f); err != nil {
		return nil, nil, err
	}
	return subsample(u, c.Frames, c.Cells, c.State), subsample(f, c.Frames, c.Cells, *c.Control), nil
}

// subsample keeps frames and cells 0, 2, 4, ... of a frames x cells x ch field.
func subsample(v []float64, frames, cells, ch int) []float64 {
	fc, nc := CoarseSize(frames, cells)
	out := make([]float64, 0, fc*nc*ch)
	for k := 0; k < frames; k += 2 {
		for j := 0; j < cells; j += 2 {
			out = append(out, v[(k*cells+j)*ch:][:ch]...)
		}
	}
	return out
}

// Encode writes the scaled image of a step: the fine trajectory's bands (u may hold only its initial
// frame when u is to be generated: the rest is replaced by noise), the coarse trajectory's bands
// nearest-upsampled, and the fine initial state's condition.
func (l *SuperLayout) Encode(u, f, cu, cf, dst []float64) error {
	if len(dst) != l.dim {
		return fmt.Errorf("wdno: image of %d values, want %d", len(dst), l.dim)
	}
	if err := checkFields(l.cfg, u, f); err != nil {
		return fmt.Errorf("wdno: fine trajectory: %w", err)
	}
	if err := checkFields(l.coarse.cfg, cu, cf); err != nil {
		return fmt.Errorf("wdno: coarse trajectory: %w", err)
	}
	fine := make([]float64, l.fine.dim)
	if err := l.fine.Encode(Simulate, u, f, fine); err != nil {
		return err
	}
	coarse := make([]float64, l.coarse.dim)
	if err := l.coarse.Encode(Simulate, cu, cf, coarse); err != nil {
		return err
	}
	clear(dst)
	s := l.cfg.Scales
	plane := l.h * l.w
	for ch := 0; ch < l.nF; ch++ {
		for r := 0; r < l.bhE; r++ {
			src := min(r, l.bh-1) // the duplicated last row
			for q := 0; q < l.bw; q++ {
				dst[ch*plane+r*l.w+q] = fine[ch*plane+src*l.w+q] / s[ch]
			}
		}
		cw := l.coarse.w
		cplane := l.coarse.h * cw
		for r := 0; r < l.bhE; r++ {
			for q := 0; q < l.bw; q++ {
				dst[(l.nF+ch)*plane+r*l.w+q] = coarse[ch*cplane+(r/2)*cw+q/2] / s[l.nF+ch]
			}
		}
	}
	for k := 0; k < l.nS; k++ {
		ch := 2*l.nF + k
		for i, v := range fine[(l.nF+k)*plane : (l.nF+k+1)*plane] {
			dst[ch*plane+i] = v / s[ch]
		}
	}
	return nil
}

// Decode inverts Encode's fine field channels: u and f from an image (the duplicated band row is dropped).
func (l *SuperLayout) Decode(x, u, f []float64) error {
	if len(x) != l.dim {
		return fmt.Errorf("wdno: decode %d values, want %d", len(x), l.dim)
	}
	fine := make([]float64, l.fine.dim)
	plane := l.h * l.w
	s := l.cfg.Scales
	for ch := 0; ch < l.nF; ch++ {
		for r := 0; r < l.bh; r++ {
			for q := 0; q < l.bw; q++ {
				i := ch*plane + r*l.w + q
				fine[i] = x[i] * s[ch]
			}
		}
	}
	return l.fine.Decode(fine, u, f)
}

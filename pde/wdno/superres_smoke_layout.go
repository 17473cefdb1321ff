package wdno

import (
	"fmt"
	"slices"
)

// Channels of smoke's super-resolution image.
const (
	smokeSRFields = 8 * len(smokeFieldNames) // the fine bands of density, vx, vy, cx, cy (0..39)
	smokeSRState  = 8 * 3                    // of which density, vx, vy (0..23) are generated
	smokeSRD0     = 2 * smokeSRFields        // the fine initial density's 2-D DWT (80)
	smokeSRS      = smokeSRD0 + 1            // s(t)'s 1-D DWT (81)
)

// smokeSuperLayout is the image of one super-resolution step of smoke (WDNO's multi-resolution model on
// its 2-D task): the fine trajectory on a gx x gy grid is generated in the wavelet domain given the coarse
// one, every frame kept and cells (2x, 2y) of the fine grid (Coarsen), and the fine conditions. Its
// channels, in the geometry of the smoke wavelet layout (layout_smoke.go) at the fine grid,
//
//	0 .. 39:   the fine 3-D DWT bands of density, vx, vy (0..23, generated) and cx, cy (24..39, given)
//	40 .. 79:  the coarse trajectory's bands, nearest-upsampled by two in both space axes (given):
//	           channel 40+c at (t, r, q) is the coarse band c at (t, floor(r/2), floor(q/2))
//	80:        the fine initial density's 2-D DWT, the layout's d0 condition (given)
//	81:        s(t)'s 1-D DWT, the layout's s channel (given: s is one number per frame, the same at
//	           every resolution, and is read from the coarse trajectory),
//
// so the refined fields are the state's density and velocity, and the conditions are the fine control
// and d0 (the simulation task's conditions) with the coarse trajectory. The coarse bands (for a grid m,
// ceil((m/2+5)/2) per axis with bior1.3 in zero mode) upsampled cover the fine ones (ceil((m+5)/2)), so
// no target padding is needed; the reference instead edge-pads the target by one cell.
type smokeSuperLayout struct {
	cfg          LayoutConfig
	fine, coarse *smokeWaveletLayout // unit scales; fine is padded to this layout's image
	bt, bx, by   int                 // fine band shape (the coarse bands have bt frames too)
	tf, h, w, ch int
	dim          int
	known        []bool
}

var _ superLayout = (*smokeSuperLayout)(nil)

func newSmokeSuperLayout(c LayoutConfig) (*smokeSuperLayout, error) {
	if c.Space != "" && c.Space != SpaceWavelet {
		return nil, fmt.Errorf("wdno: super-resolution is defined in the wavelet space, not %q", c.Space)
	}
	c.Space = SpaceWavelet
	if c.State == 0 {
		c.State = smokeState
	}
	if c.Control == nil {
		two := smokeControl
		c.Control = &two
	}
	cc, err := coarser(c)
	if err != nil {
		return nil, err
	}
	sub := func(s LayoutConfig, tf, h, w int) (*smokeWaveletLayout, error) {
		s.ImageFrames, s.Height, s.Width, s.Scales = tf, h, w, nil
		l, err := NewLayout(s)
		if err != nil {
			return nil, err
		}
		return l.(*smokeWaveletLayout), nil
	}
	coarse, err := sub(cc, 0, 0, 0)
	if err != nil {
		return nil, fmt.Errorf("wdno: the coarse grid %v: %w", cc.Grid, err)
	}
	fine, err := sub(c, c.ImageFrames, c.Height, c.Width)
	if err != nil {
		return nil, err
	}
	l := &smokeSuperLayout{fine: fine, coarse: coarse, bt: fine.bt, bx: fine.bx, by: fine.by,
		tf: fine.tf, h: fine.h, w: fine.w, ch: smokeSRS + 1}
	if coarse.bt != l.bt || 2*coarse.bx < l.bx || 2*coarse.by < l.by {
		return nil, fmt.Errorf("wdno: coarse bands %d x %d x %d cannot cover fine bands %d x %d x %d upsampled in space",
			coarse.bt, coarse.bx, coarse.by, l.bt, l.bx, l.by)
	}
	fc := fine.Config()
	c.ImageFrames, c.Height, c.Width, c.Wavelet, c.Mode, c.Multiple = fc.ImageFrames, fc.Height, fc.Width, fc.Wavelet, fc.Mode, fc.Multiple
	if c.Scales, err = checkScales(c.Scales, l.ch); err != nil {
		return nil, err
	}
	l.cfg = c
	l.dim = l.ch * l.tf * l.h * l.w
	l.known = make([]bool, l.dim)
	for ch := 0; ch < l.ch; ch++ {
		for t := 0; t < l.tf; t++ {
			for r := 0; r < l.h; r++ {
				for q := 0; q < l.w; q++ {
					l.known[l.fine.at(ch, t, r, q)] = ch >= smokeSRState || t >= l.bt || r >= l.bx || q >= l.by
				}
			}
		}
	}
	return l, nil
}

func (l *smokeSuperLayout) Config() LayoutConfig       { return l.cfg }
func (l *smokeSuperLayout) CoarseConfig() LayoutConfig { return l.coarse.cfg }
func (l *smokeSuperLayout) Shape() []int               { return []int{l.ch, l.tf, l.h, l.w} }
func (l *smokeSuperLayout) Dim() int                   { return l.dim }

// Known marks the given entries: every channel but the fine density and velocity bands, and the padding.
func (l *smokeSuperLayout) Known() []bool { return slices.Clone(l.known) }

// Coarsen keeps every frame and the cells (2x, 2y) of a fine trajectory, WDNO's space-only pairs.
func (l *smokeSuperLayout) Coarsen(u, f []float64) ([]float64, []float64, error) {
	if err := checkFields(l.cfg, u, f); err != nil {
		return nil, nil, err
	}
	cu, cf := coarsenFields(l.cfg, u, f)
	return cu, cf, nil
}

// Encode writes the scaled image of a step. Only the fine u's frame 0 is read for the conditions (its
// other frames may be zero when u is to be generated); s(t) is taken from the coarse trajectory.
func (l *smokeSuperLayout) Encode(u, f, cu, cf, dst []float64) error {
	if len(dst) != l.dim {
		return fmt.Errorf("wdno: image of %d values, want %d", len(dst), l.dim)
	}
	if err := checkFields(l.cfg, u, f); err != nil {
		return fmt.Errorf("wdno: fine trajectory: %w", err)
	}
	cc := l.coarse.cfg
	if err := checkFields(cc, cu, cf); err != nil {
		return fmt.Errorf("wdno: coarse trajectory: %w", err)
	}
	us := slices.Clone(u)
	for t := 0; t < l.cfg.Frames; t++ {
		s := cu[t*cc.Cells*smokeState+smokeS]
		for cell := 0; cell < l.cfg.Cells; cell++ {
			us[(t*l.cfg.Cells+cell)*smokeState+smokeS] = s
		}
	}
	fine := make([]float64, l.fine.dim)
	if err := l.fine.Encode(Simulate, us, f, fine); err != nil {
		return err
	}
	coarse := make([]float64, l.coarse.dim)
	if err := l.coarse.Encode(Simulate, cu, cf, coarse); err != nil {
		return err
	}
	sc := l.cfg.Scales
	per := l.tf * l.h * l.w
	copyScaled := func(to, from int) {
		for i, v := range fine[from*per : (from+1)*per] {
			dst[to*per+i] = v / sc[to]
		}
	}
	for ch := 0; ch < smokeSRFields; ch++ {
		copyScaled(ch, ch)
	}
	copyScaled(smokeSRD0, smokeD0Channel)
	copyScaled(smokeSRS, smokeSChannel)
	for ch := 0; ch < smokeSRFields; ch++ {
		to := smokeSRFields + ch
		clear(dst[to*per : (to+1)*per])
		for t := 0; t < l.bt; t++ {
			for r := 0; r < l.bx; r++ {
				for q := 0; q < l.by; q++ {
					dst[l.fine.at(to, t, r, q)] = coarse[l.coarse.at(ch, t, r/2, q/2)] / sc[to]
				}
			}
		}
	}
	return nil
}

// Decode inverts Encode's fine channels: u (density, vx, vy from their bands, s from channel 81) and f.
func (l *smokeSuperLayout) Decode(x, u, f []float64) error {
	if len(x) != l.dim {
		return fmt.Errorf("wdno: decode %d values, want %d", len(x), l.dim)
	}
	fine := make([]float64, l.fine.dim)
	sc := l.cfg.Scales
	per := l.tf * l.h * l.w
	copyScaled := func(to, from int) {
		for i, v := range x[from*per : (from+1)*per] {
			fine[to*per+i] = v * sc[from]
		}
	}
	for ch := 0; ch < smokeSRFields; ch++ {
		copyScaled(ch, ch)
	}
	copyScaled(smokeSChannel, smokeSRS)
	return l.fine.Decode(fine, u, f)
}

package wdno

import (
	"fmt"

	"github.com/trajdiff/trajdiff/wavelet"
)

// Smoke's fields in a layout with a 2-D grid: the state channels of u and the control channels of f.
const (
	smokeState   = 4 // density, vx, vy and the target share s(t), the same in every cell of a frame
	smokeControl = 2 // cx, cy
	smokeS       = 3 // u's channel of s(t)
)

// smokeFieldNames are the five fields the wavelet layout transforms (u's first three channels, then f's).
var smokeFieldNames = [5]string{"density", "vx", "vy", "cx", "cy"}

// newSmokeLayout builds the layout of a 2-D grid (pde/smoke's WDNO task): the wavelet or the physical one.
func newSmokeLayout(c LayoutConfig) (Layout, error) {
	switch {
	case len(c.Grid) != 2 || c.Grid[0] < 2 || c.Grid[1] < 2:
		return nil, fmt.Errorf("wdno: grid %v, want two sides of at least 2 (the smoke layouts are 2-D)", c.Grid)
	case c.Cells != c.Grid[0]*c.Grid[1]:
		return nil, fmt.Errorf("wdno: %d cells for a %d x %d grid", c.Cells, c.Grid[0], c.Grid[1])
	case c.State != smokeState || *c.Control != smokeControl:
		return nil, fmt.Errorf("wdno: a 2-D layout takes smoke's %d state channels (density, vx, vy, s) and %d control channels, got %d and %d",
			smokeState, smokeControl, c.State, *c.Control)
	}
	switch c.Space {
	case SpaceWavelet:
		return newSmokeWaveletLayout(c)
	case SpacePhysical:
		if c.Wavelet != "" || c.Mode != "" {
			return nil, fmt.Errorf("wdno: a physical-space layout has no wavelet (got %q, %q)", c.Wavelet, c.Mode)
		}
		return newSmokePhysicalLayout(c)
	}
	return nil, fmt.Errorf("wdno: unknown layout space %q (want wavelet or physical)", c.Space)
}

// smokeWaveletLayout is WDNO's smoke representation (smoke/ddpm/data_2d.py): a one-level 3-D DWT over
// (t, x, y) of each of density, vx, vy, cx, cy, whose eight bands (aaa, aad, ..., ddd; letters for t, x,
// y) become channels 8k..8k+7 of field k; channel 40 holds the 2-D DWT of the initial density d0, band
// b (aa, ad, da, dd) repeated over frames [b F/4, (b+1) F/4) of the F image frames; channel 41 holds the
// 1-D DWT of s(t), its approximation cA(t) on rows [0, H/2) and its detail cD(t) on rows [H/2, H) of
// image frame t, over every column. Bands sit at the start of every axis; the rest is zero padding.
type smokeWaveletLayout struct {
	cfg          LayoutConfig
	plan3        *wavelet.Plan[float64] // (frames, x, y)
	plan2        *wavelet.Plan[float64] // (x, y)
	plan1        *wavelet.Plan[float64] // frames
	bands3       []wavelet.Block
	bands2       []wavelet.Block
	bands1       [2]wavelet.Block
	bt, bx, by   int // 3-D band shape
	tf, h, w, ch int // image
	dim          int
	rec3         []int // plan3's reconstruction shape
	rec1         int
	known        [numTasks][]bool
}

const (
	smokeD0Channel = 40
	smokeSChannel  = 41
)

// bandKeys are the band names of an n-D one-level DWT in PyWavelets' order (itertools.product("ad")).
func bandKeys(n int) []string {
	keys := []string{""}
	for range n {
		var next []string
		for _, k := range keys {
			next = append(next, k+"a", k+"d")
		}
		keys = next
	}
	return keys
}

// bandBlocks are the blocks of a one-level plan's bands in bandKeys order.
func bandBlocks(lay *wavelet.Layout, n int) []wavelet.Block {
	out := []wavelet.Block{lay.Approx}
	for _, k := range bandKeys(n)[1:] {
		out = append(out, lay.Details[0][k])
	}
	return out
}

func newSmokeWaveletLayout(c LayoutConfig) (*smokeWaveletLayout, error) {
	if c.Wavelet == "" {
		c.Wavelet = "bior1.3"
	}
	if c.Mode == "" {
		c.Mode = "zero"
	}
	T, gx, gy := c.Frames, c.Grid[0], c.Grid[1]
	l := &smokeWaveletLayout{}
	var err error
	if l.plan3, err = wavelet.NewPlan[float64]([]int{T, gx, gy}, c.Wavelet, c.Mode, 1, nil); err != nil {
		return nil, fmt.Errorf("wdno: smoke wavelet layout: %w", err)
	}
	if l.plan2, err = wavelet.NewPlan[float64]([]int{gx, gy}, c.Wavelet, c.Mode, 1, nil); err != nil {
		return nil, fmt.Errorf("wdno: smoke wavelet layout: %w", err)
	}
	if l.plan1, err = wavelet.NewPlan[float64]([]int{T}, c.Wavelet, c.Mode, 1, nil); err != nil {
		return nil, fmt.Errorf("wdno: smoke wavelet layout: %w", err)
	}
	l.bands3, l.bands2 = bandBlocks(l.plan3.Layout(), 3), bandBlocks(l.plan2.Layout(), 2)
	b1 := bandBlocks(l.plan1.Layout(), 1)
	l.bands1 = [2]wavelet.Block{b1[0], b1[1]}
	sh := l.bands3[0].Shape
	l.bt, l.bx, l.by = sh[0], sh[1], sh[2]
	for _, b := range l.bands3 {
		if b.Shape[0] != l.bt || b.Shape[1] != l.bx || b.Shape[2] != l.by {
			return nil, fmt.Errorf("wdno: %s/%s bands of unequal sizes %v and %v", c.Wavelet, c.Mode, sh, b.Shape)
		}
	}
	for _, b := range l.bands2 {
		if b.Shape[0] > l.bx || b.Shape[1] > l.by {
			return nil, fmt.Errorf("wdno: the 2-D bands %v of d0 exceed the 3-D bands %v", b.Shape, sh)
		}
	}
	if c.ImageFrames, err = padTo(l.bt, c.ImageFrames, 4, "frames"); err != nil {
		return nil, err
	}
	if c.Height, err = padTo(l.bx, c.Height, c.Multiple, "height"); err != nil {
		return nil, err
	}
	if c.Width, err = padTo(l.by, c.Width, c.Multiple, "width"); err != nil {
		return nil, err
	}
	if c.Height%2 != 0 {
		return nil, fmt.Errorf("wdno: smoke wavelet layout height %d must be even (s's two bands take half each)", c.Height)
	}
	l.tf, l.h, l.w, l.ch = c.ImageFrames, c.Height, c.Width, smokeSChannel+1
	if c.Scales, err = checkScales(c.Scales, l.ch); err != nil {
		return nil, err
	}
	l.cfg = c
	l.dim = l.ch * l.tf * l.h * l.w
	l.rec3 = l.plan3.ReconstructionShape()
	l.rec1 = l.plan1.ReconstructionShape()[0]
	per := l.tf * l.h * l.w
	for task := range l.known {
		k := make([]bool, l.dim)
		for ch := 0; ch < l.ch; ch++ {
			for t := 0; t < l.tf; t++ {
				for r := 0; r < l.h; r++ {
					for q := 0; q < l.w; q++ {
						var given bool
						switch {
						case ch == smokeD0Channel:
							given = true
						case ch == smokeSChannel:
							given = t >= l.bt
						default:
							given = t >= l.bt || r >= l.bx || q >= l.by || (Task(task) != Control && ch >= 8*3)
						}
						k[ch*per+(t*l.h+r)*l.w+q] = given
					}
				}
			}
		}
		l.known[task] = k
	}
	return l, nil
}

func (l *smokeWaveletLayout) Config() LayoutConfig   { return l.cfg }
func (l *smokeWaveletLayout) Shape() []int           { return []int{l.ch, l.tf, l.h, l.w} }
func (l *smokeWaveletLayout) Dim() int               { return l.dim }
func (l *smokeWaveletLayout) Known(task Task) []bool { return append([]bool(nil), l.known[task]...) }

// at is the image index of channel ch, frame t, row r, column q.
func (l *smokeWaveletLayout) at(ch, t, r, q int) int { return ((ch*l.tf+t)*l.h+r)*l.w + q }

// field returns field k's source (u or f) and its channel and channel count there.
func smokeField(k int, u, f []float64) ([]float64, int, int) {
	if k < 3 {
		return u, k, smokeState
	}
	return f, k - 3, smokeControl
}

func (l *smokeWaveletLayout) Encode(task Task, u, f, dst []float64) error {
	c := l.cfg
	if err := checkEncode(c, task, u, f, dst, l.dim); err != nil {
		return err
	}
	clear(dst)
	one := make([]float64, c.Frames*c.Cells)
	ps := l.plan3.PackedShape()
	for k := range smokeFieldNames {
		src, ch, nch := smokeField(k, u, f)
		gather(one, src, ch, nch)
		packed, err := l.plan3.Forward(one)
		if err != nil {
			return fmt.Errorf("wdno: encode %s: %w", smokeFieldNames[k], err)
		}
		for b, blk := range l.bands3 {
			ch := 8*k + b
			s := 1 / c.Scales[ch]
			for t := 0; t < l.bt; t++ {
				for r := 0; r < l.bx; r++ {
					from := packed[((blk.Start[0]+t)*ps[1]+blk.Start[1]+r)*ps[2]+blk.Start[2]:][:l.by]
					to := dst[l.at(ch, t, r, 0):][:l.by]
					for q, v := range from {
						to[q] = v * s
					}
				}
			}
		}
	}
	if task != Estimate {
		d0 := make([]float64, c.Cells)
		gather(d0, u[:c.Cells*smokeState], 0, smokeState)
		packed, err := l.plan2.Forward(d0)
		if err != nil {
			return fmt.Errorf("wdno: encode d0: %w", err)
		}
		pw := l.plan2.PackedShape()[1]
		s := 1 / c.Scales[smokeD0Channel]
		for b, blk := range l.bands2 {
			for t := b * l.tf / 4; t < (b+1)*l.tf/4; t++ {
				for r := 0; r < blk.Shape[0]; r++ {
					from := packed[(blk.Start[0]+r)*pw+blk.Start[1]:][:blk.Shape[1]]
					to := dst[l.at(smokeD0Channel, t, r, 0):]
					for q, v := range from {
						to[q] = v * s
					}
				}
			}
		}
	}
	series := make([]float64, c.Frames)
	for t := range series {
		series[t] = u[t*c.Cells*smokeState+smokeS] // s is the same in every cell: read cell 0
	}
	packed, err := l.plan1.Forward(series)
	if err != nil {
		return fmt.Errorf("wdno: encode s: %w", err)
	}
	l.fillS(dst, packed, 1/c.Scales[smokeSChannel])
	return nil
}

// fillS writes the packed 1-D DWT coefficients of s(t), times scale, into the s channel of x: band j's
// coefficient t fills every column of rows [j h/2, (j+1) h/2) of frame t. Encode writes s this way, and
// the decoder's adjoint spreads the gradient of its row average the same way.
func (l *smokeWaveletLayout) fillS(x, packed []float64, scale float64) {
	for j, blk := range l.bands1 {
		for t := 0; t < blk.Shape[0]; t++ {
			v := packed[blk.Start[0]+t] * scale
			for r := j * l.h / 2; r < (j+1)*l.h/2; r++ {
				row := x[l.at(smokeSChannel, t, r, 0):][:l.w]
				for q := range row {
					row[q] = v
				}
			}
		}
	}
}

func (l *smokeWaveletLayout) checkDecode(x, u, f []float64) error {
	nu, nf := l.cfg.sizes()
	if len(x) != l.dim || len(u) != nu || len(f) != nf {
		return fmt.Errorf("wdno: decode %d values into %d and %d, want %d into %d and %d", len(x), len(u), len(f), l.dim, nu, nf)
	}
	return nil
}

// Decode inverts the field bands exactly and reads s's bands as the mean of their blocks (the exact
// inverse on encoded images, and on generated ones the least-squares reading of the repeated value).
func (l *smokeWaveletLayout) Decode(x, u, f []float64) error {
	if err := l.checkDecode(x, u, f); err != nil {
		return err
	}
	c := l.cfg
	ps := l.plan3.PackedShape()
	packed := make([]float64, ps[0]*ps[1]*ps[2])
	field := make([]float64, c.Frames*c.Cells)
	for k := range smokeFieldNames {
		clear(packed)
		for b, blk := range l.bands3 {
			ch := 8*k + b
			s := c.Scales[ch]
			for t := 0; t < l.bt; t++ {
				for r := 0; r < l.bx; r++ {
					from := x[l.at(ch, t, r, 0):][:l.by]
					to := packed[((blk.Start[0]+t)*ps[1]+blk.Start[1]+r)*ps[2]+blk.Start[2]:][:l.by]
					for q, v := range from {
						to[q] = v * s
					}
				}
			}
		}
		rec, err := l.plan3.Inverse(packed)
		if err != nil {
			return fmt.Errorf("wdno: decode %s: %w", smokeFieldNames[k], err)
		}
		l.crop(field, rec)
		out, ch, nch := smokeField(k, u, f)
		scatter(out, field, ch, nch)
	}
	p1 := make([]float64, l.plan1.PackedShape()[0])
	s := c.Scales[smokeSChannel]
	n := float64(l.h / 2 * l.w)
	for j, blk := range l.bands1 {
		for t := 0; t < blk.Shape[0]; t++ {
			var sum float64
			for r := j * l.h / 2; r < (j+1)*l.h/2; r++ {
				for _, v := range x[l.at(smokeSChannel, t, r, 0):][:l.w] {
					sum += v
				}
			}
			p1[blk.Start[0]+t] = sum / n * s
		}
	}
	series, err := l.plan1.Inverse(p1)
	if err != nil {
		return fmt.Errorf("wdno: decode s: %w", err)
	}
	for t := 0; t < c.Frames; t++ {
		for cell := 0; cell < c.Cells; cell++ {
			u[(t*c.Cells+cell)*smokeState+smokeS] = series[t]
		}
	}
	return nil
}

// crop copies the first Frames x gx x gy values of a reconstruction (of shape rec3) into field.
func (l *smokeWaveletLayout) crop(field, rec []float64) {
	T, gx, gy := l.cfg.Frames, l.cfg.Grid[0], l.cfg.Grid[1]
	for t := 0; t < T; t++ {
		for x := 0; x < gx; x++ {
			copy(field[(t*gx+x)*gy:][:gy], rec[(t*l.rec3[1]+x)*l.rec3[2]:][:gy])
		}
	}
}

// DecodeAdjoint is Decode's transpose: the field gradients through the inverse DWT's adjoint, and s's
// gradient summed over the cells (Decode repeats s in every cell), through the 1-D inverse's adjoint and
// spread evenly over its blocks (Decode averages them).
func (l *smokeWaveletLayout) DecodeAdjoint(gu, gf, gx []float64) error {
	c := l.cfg
	nu, nf := c.sizes()
	if len(gx) != l.dim || len(gu) != nu || len(gf) != nf {
		return fmt.Errorf("wdno: decode adjoint of %d and %d values into %d, want %d and %d into %d", len(gu), len(gf), len(gx), nu, nf, l.dim)
	}
	clear(gx)
	T, g1, g2 := c.Frames, c.Grid[0], c.Grid[1]
	ps := l.plan3.PackedShape()
	grec := make([]float64, l.rec3[0]*l.rec3[1]*l.rec3[2])
	field := make([]float64, T*c.Cells)
	for k := range smokeFieldNames {
		src, ch, nch := smokeField(k, gu, gf)
		gather(field, src, ch, nch)
		clear(grec)
		for t := 0; t < T; t++ {
			for x := 0; x < g1; x++ {
				copy(grec[(t*l.rec3[1]+x)*l.rec3[2]:][:g2], field[(t*g1+x)*g2:][:g2])
			}
		}
		gp, err := l.plan3.InverseAdjoint(grec)
		if err != nil {
			return fmt.Errorf("wdno: decode adjoint %s: %w", smokeFieldNames[k], err)
		}
		for b, blk := range l.bands3 {
			ch := 8*k + b
			s := c.Scales[ch]
			for t := 0; t < l.bt; t++ {
				for r := 0; r < l.bx; r++ {
					from := gp[((blk.Start[0]+t)*ps[1]+blk.Start[1]+r)*ps[2]+blk.Start[2]:][:l.by]
					to := gx[l.at(ch, t, r, 0):][:l.by]
					for q, v := range from {
						to[q] = v * s
					}
				}
			}
		}
	}
	gs := make([]float64, l.rec1)
	for t := 0; t < T; t++ {
		for cell := 0; cell < c.Cells; cell++ {
			gs[t] += gu[(t*c.Cells+cell)*smokeState+smokeS]
		}
	}
	gp, err := l.plan1.InverseAdjoint(gs)
	if err != nil {
		return fmt.Errorf("wdno: decode adjoint s: %w", err)
	}
	l.fillS(gx, gp, c.Scales[smokeSChannel]/float64(l.h/2*l.w))
	return nil
}

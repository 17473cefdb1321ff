package wdno

import (
	"fmt"

	"github.com/trajdiff/trajdiff/wavelet"
)

// waveletLayout is WDNO's representation: a one-level 2-D DWT over (time, space) of every field
// channel (the State state channels, then the Control control channels), each giving four subbands
// (aa, da, ad, dd, the letters for the time and space axes: approximation, detail in time, detail in
// space, both) that become channels 4k..4k+3 of field channel k; then one condition channel per state
// channel holding the 1-D DWT of its initial frame u0 and of its target u* = u(T), each band repeated
// over a quarter of the rows: rows [0, H/4) the approximation of u0, [H/4, H/2) its detail,
// [H/2, 3H/4) and [3H/4, H) those of u* (zero in simulation; the whole channel is zero in estimation, where u0 is unknown). For Burgers (one state, one control) that is
// WDNO's 9 channels: u's bands, f's bands, the condition. Bands sit at the top left of their channel;
// the rest is zero padding.
type waveletLayout struct {
	cfg          LayoutConfig
	nS, nC       int                    // state and control channels
	plan2        *wavelet.Plan[float64] // (Frames, Cells) -> packed 2-D bands
	plan1        *wavelet.Plan[float64] // Cells -> packed 1-D bands
	bands        []wavelet.Block        // aa, da, ad, dd blocks of the packed 2-D array
	bh, bw       int                    // band size
	cond         [2]wavelet.Block       // approximation and detail of the packed 1-D array
	ch, h, w     int                    // image channels and size
	dim          int
	known        [numTasks][]bool
	recF, recN   int // Inverse's output shape
	fieldValues  int // Frames x Cells
	condChannel0 int // first condition channel
}

var bandOrder = [4]string{"aa", "da", "ad", "dd"}

func newWaveletLayout(c LayoutConfig) (*waveletLayout, error) {
	if c.Wavelet == "" {
		c.Wavelet = "bior2.4"
	}
	if c.Mode == "" {
		c.Mode = "periodization"
	}
	p2, err := wavelet.NewPlan[float64]([]int{c.Frames, c.Cells}, c.Wavelet, c.Mode, 1, nil)
	if err != nil {
		return nil, fmt.Errorf("wdno: wavelet layout: %w", err)
	}
	p1, err := wavelet.NewPlan[float64]([]int{c.Cells}, c.Wavelet, c.Mode, 1, nil)
	if err != nil {
		return nil, fmt.Errorf("wdno: wavelet layout: %w", err)
	}
	l := &waveletLayout{plan2: p2, plan1: p1, nS: c.State, nC: *c.Control, fieldValues: c.Frames * c.Cells}
	lay := p2.Layout()
	l.bands = []wavelet.Block{lay.Approx}
	for _, k := range bandOrder[1:] {
		l.bands = append(l.bands, lay.Details[0][k])
	}
	l.bh, l.bw = lay.Approx.Shape[0], lay.Approx.Shape[1]
	for _, b := range l.bands {
		if b.Shape[0] != l.bh || b.Shape[1] != l.bw {
			return nil, fmt.Errorf("wdno: %s/%s bands of unequal sizes %v and %v", c.Wavelet, c.Mode, lay.Approx.Shape, b.Shape)
		}
	}
	l1 := p1.Layout()
	l.cond = [2]wavelet.Block{l1.Approx, l1.Details[0]["d"]}
	if c.Height, err = padTo(l.bh, c.Height, max(c.Multiple, 4), "height"); err != nil {
		return nil, err
	}
	if c.Width, err = padTo(max(l.bw, l.cond[0].Shape[0]), c.Width, c.Multiple, "width"); err != nil {
		return nil, err
	}
	if c.Height%4 != 0 {
		return nil, fmt.Errorf("wdno: wavelet layout height %d must be a multiple of 4 (the condition channel's four blocks)", c.Height)
	}
	l.condChannel0 = 4 * (l.nS + l.nC)
	l.ch = l.condChannel0 + l.nS
	if c.Scales, err = checkScales(c.Scales, l.ch); err != nil {
		return nil, err
	}
	l.cfg, l.h, l.w = c, c.Height, c.Width
	l.dim = l.ch * l.h * l.w
	rs := p2.ReconstructionShape()
	l.recF, l.recN = rs[0], rs[1]
	for task := range l.known {
		k := make([]bool, l.dim)
		for ch := 0; ch < l.ch; ch++ {
			given := ch >= l.condChannel0 || (Task(task) != Control && ch >= 4*l.nS)
			for r := 0; r < l.h; r++ {
				for q := 0; q < l.w; q++ {
					k[(ch*l.h+r)*l.w+q] = given || r >= l.bh || q >= l.bw
				}
			}
		}
		l.known[task] = k
	}
	return l, nil
}

func (l *waveletLayout) Config() LayoutConfig { return l.cfg }
func (l *waveletLayout) Shape() []int         { return []int{l.ch, l.h, l.w} }
func (l *waveletLayout) Dim() int             { return l.dim }

func (l *waveletLayout) Known(task Task) []bool {
	return append([]bool(nil), l.known[task]...)
}

// field returns field channel k's source (u or f) and its channel within it.
func (l *waveletLayout) field(k int, u, f []float64) ([]float64, int, int) {
	if k < l.nS {
		return u, k, l.nS
	}
	return f, k - l.nS, l.nC
}

func (l *waveletLayout) Encode(task Task, u, f, dst []float64) error {
	c := l.cfg
	if err := checkEncode(c, task, u, f, dst, l.dim); err != nil {
		return err
	}
	clear(dst)
	one := make([]float64, l.fieldValues)
	pw := l.plan2.PackedShape()[1]
	for k := 0; k < l.nS+l.nC; k++ {
		src, ch, nch := l.field(k, u, f)
		gather(one, src, ch, nch)
		packed, err := l.plan2.Forward(one)
		if err != nil {
			return fmt.Errorf("wdno: encode: %w", err)
		}
		for b, blk := range l.bands {
			ch := 4*k + b
			s := 1 / c.Scales[ch]
			for r := 0; r < l.bh; r++ {
				src := packed[(blk.Start[0]+r)*pw+blk.Start[1]:][:l.bw]
				out := dst[(ch*l.h+r)*l.w:][:l.bw]
				for q, x := range src {
					out[q] = x * s
				}
			}
		}
	}
	n := c.Cells
	hb := l.h / 4
	row := make([]float64, n)
	for st := 0; st < l.nS && task != Estimate; st++ {
		ch := l.condChannel0 + st
		s := 1 / c.Scales[ch]
		for i, frame := range [2]int{0, c.Frames - 1} {
			if i == 1 && task == Simulate {
				break
			}
			gather(row, u[frame*n*l.nS:(frame+1)*n*l.nS], st, l.nS)
			packed, err := l.plan1.Forward(row)
			if err != nil {
				return fmt.Errorf("wdno: encode condition: %w", err)
			}
			for j, blk := range l.cond {
				band := packed[blk.Start[0]:][:blk.Shape[0]]
				for r := (2*i + j) * hb; r < (2*i+j+1)*hb; r++ {
					out := dst[(ch*l.h+r)*l.w:]
					for q, x := range band {
						out[q] = x * s
					}
				}
			}
		}
	}
	return nil
}

func (l *waveletLayout) Decode(x, u, f []float64) error {
	c := l.cfg
	nu, nf := c.sizes()
	if len(x) != l.dim || len(u) != nu || len(f) != nf {
		return fmt.Errorf("wdno: decode %d values into %d and %d, want %d into %d and %d", len(x), len(u), len(f), l.dim, nu, nf)
	}
	ps := l.plan2.PackedShape()
	packed := make([]float64, ps[0]*ps[1])
	for k := 0; k < l.nS+l.nC; k++ {
		clear(packed)
		for b, blk := range l.bands {
			ch := 4*k + b
			s := c.Scales[ch]
			for r := 0; r < l.bh; r++ {
				src := x[(ch*l.h+r)*l.w:][:l.bw]
				dst := packed[(blk.Start[0]+r)*ps[1]+blk.Start[1]:][:l.bw]
				for q, v := range src {
					dst[q] = v * s
				}
			}
		}
		rec, err := l.plan2.Inverse(packed)
		if err != nil {
			return fmt.Errorf("wdno: decode: %w", err)
		}
		// An odd number of frames was extended by one in periodization mode: drop the extra frame.
		out, ch, nch := l.field(k, u, f)
		scatter(out, rec[:l.fieldValues], ch, nch)
	}
	return nil
}

func (l *waveletLayout) DecodeAdjoint(gu, gf, gx []float64) error {
	c := l.cfg
	nu, nf := c.sizes()
	if len(gx) != l.dim || len(gu) != nu || len(gf) != nf {
		return fmt.Errorf("wdno: decode adjoint of %d and %d values into %d, want %d and %d into %d", len(gu), len(gf), len(gx), nu, nf, l.dim)
	}
	clear(gx)
	ps := l.plan2.PackedShape()
	grec := make([]float64, l.recF*l.recN)
	for k := 0; k < l.nS+l.nC; k++ {
		clear(grec)
		src, ch, nch := l.field(k, gu, gf)
		gather(grec[:l.fieldValues], src, ch, nch)
		gp, err := l.plan2.InverseAdjoint(grec)
		if err != nil {
			return fmt.Errorf("wdno: decode adjoint: %w", err)
		}
		for b, blk := range l.bands {
			ch := 4*k + b
			s := c.Scales[ch]
			for r := 0; r < l.bh; r++ {
				src := gp[(blk.Start[0]+r)*ps[1]+blk.Start[1]:][:l.bw]
				dst := gx[(ch*l.h+r)*l.w:][:l.bw]
				for q, v := range src {
					dst[q] = v * s
				}
			}
		}
	}
	return nil
}

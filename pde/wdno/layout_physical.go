package wdno

import "fmt"

// physicalLayout is the DDPM baseline's representation: every state channel and then every control
// channel as an image channel of Frames x Cells at the top left of a zero-padded image. A task's condition
// is given by inpainting the fields: the first frame of the state (u0) in simulation and control, the last
// frame (u*) in control, all of the control in simulation and estimation, and the last control row (zero by the Burgers dataset's
// convention) always.
type physicalLayout struct {
	cfg          LayoutConfig
	nS, nC       int
	h, w, ch     int
	dim          int
	known        [numTasks][]bool
	fieldsValues int
}

func newPhysicalLayout(c LayoutConfig) (*physicalLayout, error) {
	var err error
	if c.Height, err = padTo(c.Frames, c.Height, c.Multiple, "height"); err != nil {
		return nil, err
	}
	if c.Width, err = padTo(c.Cells, c.Width, c.Multiple, "width"); err != nil {
		return nil, err
	}
	nS, nC := c.State, *c.Control
	if c.Scales, err = checkScales(c.Scales, nS+nC); err != nil {
		return nil, err
	}
	l := &physicalLayout{cfg: c, nS: nS, nC: nC, h: c.Height, w: c.Width, ch: nS + nC, fieldsValues: c.Frames * c.Cells}
	l.dim = l.ch * l.h * l.w
	for task := range l.known {
		k := make([]bool, l.dim)
		for ch := 0; ch < l.ch; ch++ {
			for r := 0; r < l.h; r++ {
				for q := 0; q < l.w; q++ {
					pad := r >= c.Frames || q >= c.Cells
					var given bool
					if ch < nS {
						given = (r == 0 && Task(task) != Estimate) || (Task(task) == Control && r == c.Frames-1)
					} else {
						given = Task(task) != Control || r == c.Frames-1
					}
					k[(ch*l.h+r)*l.w+q] = pad || given
				}
			}
		}
		l.known[task] = k
	}
	return l, nil
}

func (l *physicalLayout) Config() LayoutConfig { return l.cfg }
func (l *physicalLayout) Shape() []int         { return []int{l.ch, l.h, l.w} }
func (l *physicalLayout) Dim() int             { return l.dim }

func (l *physicalLayout) Known(task Task) []bool { return append([]bool(nil), l.known[task]...) }

func (l *physicalLayout) Encode(task Task, u, f, dst []float64) error {
	if err := checkEncode(l.cfg, task, u, f, dst, l.dim); err != nil {
		return err
	}
	clear(dst)
	l.move(u, f, dst, true, false)
	return nil
}

// move copies between the fields and the image: to the image divided by the scales (toImage), or
// from the image times the scales into the fields. DecodeAdjoint is the third use: to the image times
// the scales (multiply).
func (l *physicalLayout) move(u, f, x []float64, toImage, multiply bool) {
	c := l.cfg
	for ch := 0; ch < l.ch; ch++ {
		v, k, n := u, ch, l.nS
		if ch >= l.nS {
			v, k, n = f, ch-l.nS, l.nC
		}
		s := c.Scales[ch]
		if toImage && !multiply {
			s = 1 / s
		}
		for r := 0; r < c.Frames; r++ {
			img := x[(ch*l.h+r)*l.w:][:c.Cells]
			for q := range img {
				at := (r*c.Cells+q)*n + k
				if toImage {
					img[q] = v[at] * s
				} else {
					v[at] = img[q] * s
				}
			}
		}
	}
}

func (l *physicalLayout) Decode(x, u, f []float64) error {
	nu, nf := l.cfg.sizes()
	if len(x) != l.dim || len(u) != nu || len(f) != nf {
		return fmt.Errorf("wdno: decode %d values into %d and %d, want %d into %d and %d", len(x), len(u), len(f), l.dim, nu, nf)
	}
	l.move(u, f, x, false, false)
	return nil
}

func (l *physicalLayout) DecodeAdjoint(gu, gf, gx []float64) error {
	nu, nf := l.cfg.sizes()
	if len(gx) != l.dim || len(gu) != nu || len(gf) != nf {
		return fmt.Errorf("wdno: decode adjoint of %d and %d values into %d, want %d and %d into %d", len(gu), len(gf), len(gx), nu, nf, l.dim)
	}
	clear(gx)
	// Decode multiplies by the scale, and so does its transpose.
	l.move(gu, gf, gx, true, true)
	return nil
}

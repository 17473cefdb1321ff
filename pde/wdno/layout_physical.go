package wdno

import "fmt"

// physicalLayout is the DDPM baseline's representation: u and f themselves as channels 0 and 1, each
// Frames x Cells at the top left of a zero-padded image. A task's condition is given by inpainting the
// fields: the first frame of u (u0) in both tasks, the last frame (u*) in control, all of f in
// simulation, and the last control row (zero by the dataset's convention) always.
type physicalLayout struct {
	cfg       LayoutConfig
	h, w, dim int
	known     [2][]bool
}

func newPhysicalLayout(c LayoutConfig) (*physicalLayout, error) {
	var err error
	if c.Height, err = padTo(c.Frames, c.Height, c.Multiple, "height"); err != nil {
		return nil, err
	}
	if c.Width, err = padTo(c.Cells, c.Width, c.Multiple, "width"); err != nil {
		return nil, err
	}
	if c.Scales, err = checkScales(c.Scales, 2); err != nil {
		return nil, err
	}
	l := &physicalLayout{cfg: c, h: c.Height, w: c.Width, dim: 2 * c.Height * c.Width}
	for task := range l.known {
		k := make([]bool, l.dim)
		for ch := 0; ch < 2; ch++ {
			for r := 0; r < l.h; r++ {
				for q := 0; q < l.w; q++ {
					pad := r >= c.Frames || q >= c.Cells
					var given bool
					if ch == 0 {
						given = r == 0 || (Task(task) == Control && r == c.Frames-1)
					} else {
						given = Task(task) == Simulate || r == c.Frames-1
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
func (l *physicalLayout) Shape() []int         { return []int{2, l.h, l.w} }
func (l *physicalLayout) Dim() int             { return l.dim }

func (l *physicalLayout) Known(task Task) []bool { return append([]bool(nil), l.known[task]...) }

func (l *physicalLayout) Encode(task Task, u, f, dst []float64) error {
	if err := checkFields(l.cfg, u, f); err != nil {
		return err
	}
	if len(dst) != l.dim {
		return fmt.Errorf("wdno: image of %d values, want %d", len(dst), l.dim)
	}
	if task != Simulate && task != Control {
		return fmt.Errorf("wdno: unknown task %v", task)
	}
	clear(dst)
	l.scatter(u, f, dst, true)
	return nil
}

// scatter copies the fields into the image (inverse scales when divide) or, the other way, gathers them.
func (l *physicalLayout) scatter(u, f, x []float64, divide bool) {
	c := l.cfg
	for ch, v := range [2][]float64{u, f} {
		s := c.Scales[ch]
		if divide {
			s = 1 / s
		}
		for r := 0; r < c.Frames; r++ {
			img := x[(ch*l.h+r)*l.w:][:c.Cells]
			row := v[r*c.Cells:][:c.Cells]
			for q := range row {
				if divide {
					img[q] = row[q] * s
				} else {
					row[q] = img[q] * s
				}
			}
		}
	}
}

func (l *physicalLayout) Decode(x, u, f []float64) error {
	n := l.cfg.Frames * l.cfg.Cells
	if len(x) != l.dim || len(u) != n || len(f) != n {
		return fmt.Errorf("wdno: decode %d values into %d and %d, want %d into %d", len(x), len(u), len(f), l.dim, n)
	}
	l.scatter(u, f, x, false)
	return nil
}

func (l *physicalLayout) DecodeAdjoint(gu, gf, gx []float64) error {
	n := l.cfg.Frames * l.cfg.Cells
	if len(gx) != l.dim || len(gu) != n || len(gf) != n {
		return fmt.Errorf("wdno: decode adjoint of %d and %d values into %d, want %d into %d", len(gu), len(gf), len(gx), n, l.dim)
	}
	clear(gx)
	// Decode multiplies by the scale, and so does its transpose.
	c := l.cfg
	for ch, g := range [2][]float64{gu, gf} {
		s := c.Scales[ch]
		for r := 0; r < c.Frames; r++ {
			img := gx[(ch*l.h+r)*l.w:][:c.Cells]
			for q, v := range g[r*c.Cells:][:c.Cells] {
				img[q] = v * s
			}
		}
	}
	return nil
}

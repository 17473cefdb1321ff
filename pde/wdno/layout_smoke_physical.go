package wdno

import "fmt"

// smokePhysicalLayout is the DDPM baseline's smoke representation: the six fields density, vx, vy, s,
// cx, cy as channels of Frames x gx x gy (s repeated in every cell, as the reference expands it), no
// padding. The initial density is given by inpainting frame 0 of the density channel, and in simulation
// the control channels are given too. In memory it is the 1-D physical layout with Frames rows of
// Cells = gx gy values (cell (x, y) is x gy + y), which it reuses; it differs in its shape and in what
// a task gives.
type smokePhysicalLayout struct {
	*physicalLayout
	cfg   LayoutConfig
	known [numTasks][]bool
}

func newSmokePhysicalLayout(c LayoutConfig) (*smokePhysicalLayout, error) {
	gx, gy := c.Grid[0], c.Grid[1]
	switch {
	case c.ImageFrames != 0 && c.ImageFrames != c.Frames:
		return nil, fmt.Errorf("wdno: a physical smoke image has the data's %d frames, not image_frames %d", c.Frames, c.ImageFrames)
	case (c.Height != 0 && c.Height != gx) || (c.Width != 0 && c.Width != gy):
		return nil, fmt.Errorf("wdno: a physical smoke image is the %d x %d grid, not %d x %d", gx, gy, c.Height, c.Width)
	case gx%c.Multiple != 0 || gy%c.Multiple != 0:
		return nil, fmt.Errorf("wdno: grid %d x %d is not a multiple of %d (the U-Net's halvings)", gx, gy, c.Multiple)
	}
	c.ImageFrames, c.Height, c.Width = c.Frames, gx, gy
	flat := c
	flat.Grid, flat.ImageFrames, flat.Height, flat.Width, flat.Multiple = nil, 0, c.Frames, c.Cells, 1
	p, err := newPhysicalLayout(flat)
	if err != nil {
		return nil, err
	}
	c.Scales = p.cfg.Scales
	l := &smokePhysicalLayout{physicalLayout: p, cfg: c}
	per := c.Frames * c.Cells
	for task := range l.known {
		k := make([]bool, p.dim)
		for i := 0; i < c.Cells; i++ {
			k[i] = Task(task) != Estimate // density channel, frame 0: d0
		}
		if Task(task) != Control {
			for i := (smokeState) * per; i < p.dim; i++ {
				k[i] = true // cx, cy
			}
		}
		l.known[task] = k
	}
	return l, nil
}

func (l *smokePhysicalLayout) Config() LayoutConfig { return l.cfg }
func (l *smokePhysicalLayout) Shape() []int {
	return []int{l.ch, l.cfg.Frames, l.cfg.Grid[0], l.cfg.Grid[1]}
}
func (l *smokePhysicalLayout) Known(task Task) []bool { return append([]bool(nil), l.known[task]...) }

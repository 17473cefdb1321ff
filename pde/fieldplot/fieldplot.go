// Package fieldplot draws trajectories of 1-D fields (pde/burgers' u and f) as space-time images, and frames
// of 2-D fields (pde/smoke's density, velocity and control) as images of the plane: one heat map per panel,
// x horizontal and t (or y) vertical, 0 at the bottom, on a diverging colour map (Moreland's smooth blue-red)
// symmetric around 0, so that 0 is light grey and the sign is the hue. Panels are tiled in rows, e.g. a
// generated trajectory's u and f, the truth's u and f below them and their differences at the bottom, or a
// 2-D field's channels in rows and its frames in columns. It builds gonum plots, as geometry/trajplot does
// for N-body paths.
package fieldplot

import (
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"

	"github.com/trajdiff/trajdiff/internal/plotfile"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// Grid is the space-time grid every panel lives on: Frames x Cells values, row-major (frame, cell). A frame
// of a 2-D field is drawn on a Grid too, its rows being y (Frames = ny, Y set) and its columns x.
type Grid struct {
	Frames, Cells int
	// X are the cell positions [first, last] (zero: cell indices 0..Cells-1).
	X [2]float64
	// Dt is the time between frames (0: frame indices).
	Dt float64
	// Y, when set, makes the vertical axis space: the rows' positions [first, last] (a 2-D field's y), in place
	// of Dt.
	Y [2]float64
}

// Plane returns channel c of frame f of a 2-D field trajectory stored as the datasets' fields rows
// (frame, x, y, channel) on an nx x ny grid with `channels` channels, as a panel's values: ny rows (y, bottom
// up) of nx columns (x).
func Plane(v []float64, nx, ny, channels, f, c int) ([]float64, error) {
	if nx < 1 || ny < 1 || channels < 1 || c < 0 || c >= channels || f < 0 || len(v) < (f+1)*nx*ny*channels {
		return nil, fmt.Errorf("fieldplot: channel %d of frame %d of a %d x %d x %d-channel field with %d values", c, f, nx, ny, channels, len(v))
	}
	out := make([]float64, nx*ny)
	base := f * nx * ny * channels
	for x := range nx {
		for y := range ny {
			out[y*nx+x] = v[base+(x*ny+y)*channels+c]
		}
	}
	return out, nil
}

// Panel is one field of one trajectory.
type Panel struct {
	Title  string
	Values []float64 // Frames x Cells, row-major (frame, cell)
	// Limit is the magnitude that gets the colour map's ends: values in [-Limit, Limit] (0: the
	// panel's own largest magnitude). Panels that should be compared share one Limit.
	Limit float64
}

// Figure is a grid of panels ready to be drawn.
type Figure struct {
	plots [][]*plot.Plot
}

// New builds the heat maps of rows of panels on g (every row the same number of panels). Each panel's
// title ends with its colour limit, "±L".
func New(g Grid, rows [][]Panel) (*Figure, error) {
	if g.Frames < 2 || g.Cells < 2 {
		return nil, fmt.Errorf("fieldplot: a %d x %d grid; want at least 2 frames and 2 cells", g.Frames, g.Cells)
	}
	if len(rows) == 0 || len(rows[0]) == 0 {
		return nil, errors.New("fieldplot: no panels")
	}
	f := &Figure{}
	for r, row := range rows {
		if len(row) != len(rows[0]) {
			return nil, fmt.Errorf("fieldplot: row %d has %d panels, row 0 %d", r, len(row), len(rows[0]))
		}
		var ps []*plot.Plot
		for _, pn := range row {
			p, err := heatMap(g, pn)
			if err != nil {
				return nil, err
			}
			ps = append(ps, p)
		}
		f.plots = append(f.plots, ps)
	}
	return f, nil
}

// Rows and Cols are the figure's tiling.
func (f *Figure) Rows() int { return len(f.plots) }
func (f *Figure) Cols() int { return len(f.plots[0]) }

// Size is the canvas of a figure width wide with square panels.
func (f *Figure) Size(width vg.Length) (vg.Length, vg.Length) {
	return width, width * vg.Length(f.Rows()) / vg.Length(f.Cols())
}

// ShareLimit gives every panel the largest magnitude among them as its colour limit, so that equal values
// have equal colours across the panels (e.g. the frames of one channel).
func ShareLimit(panels []Panel) {
	vs := make([][]float64, len(panels))
	for k := range panels {
		vs[k] = panels[k].Values
	}
	lim := MaxAbs(vs...)
	for k := range panels {
		panels[k].Limit = lim
	}
}

// MaxAbs is the largest magnitude of finite values in vs (for a shared Limit).
func MaxAbs(vs ...[]float64) float64 {
	m := 0.0
	for _, v := range vs {
		for _, x := range v {
			if !math.IsNaN(x) && !math.IsInf(x, 0) {
				m = max(m, math.Abs(x))
			}
		}
	}
	return m
}

// field is a panel as a plotter.GridXYZ: column c is cell c, row r is frame r.
type field struct {
	g Grid
	v []float64
}

func (f field) Dims() (int, int)   { return f.g.Cells, f.g.Frames }
func (f field) Z(c, r int) float64 { return f.v[r*f.g.Cells+c] }
func (f field) X(c int) float64 {
	if f.g.X == [2]float64{} {
		return float64(c)
	}
	return f.g.X[0] + (f.g.X[1]-f.g.X[0])*float64(c)/float64(f.g.Cells-1)
}
func (f field) Y(r int) float64 {
	if f.g.Y != [2]float64{} {
		return f.g.Y[0] + (f.g.Y[1]-f.g.Y[0])*float64(r)/float64(f.g.Frames-1)
	}
	if f.g.Dt == 0 {
		return float64(r)
	}
	return f.g.Dt * float64(r)
}

func heatMap(g Grid, pn Panel) (*plot.Plot, error) {
	if len(pn.Values) != g.Frames*g.Cells {
		return nil, fmt.Errorf("fieldplot: panel %q has %d values, want %d frames x %d cells", pn.Title, len(pn.Values), g.Frames, g.Cells)
	}
	if pn.Limit < 0 || math.IsNaN(pn.Limit) || math.IsInf(pn.Limit, 0) {
		return nil, fmt.Errorf("fieldplot: panel %q: colour limit %v", pn.Title, pn.Limit)
	}
	lim := pn.Limit
	if lim == 0 {
		lim = MaxAbs(pn.Values)
	}
	shown := lim
	if lim == 0 {
		lim = 1 // an all-zero field: white on any scale
	}
	cm := moreland.SmoothBlueRed()
	cm.SetMin(-lim)
	cm.SetMax(lim)
	h := plotter.NewHeatMap(field{g, pn.Values}, cm.Palette(255))
	h.Min, h.Max = -lim, lim
	h.Underflow, h.Overflow = h.Palette.Colors()[0], h.Palette.Colors()[254] // outside a shared limit: saturate
	h.NaN = color.Gray{Y: 96}                                                // a diverged value: dark grey
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s  ±%.3g", pn.Title, shown)
	p.X.Label.Text = "x"
	p.Y.Label.Text = "t"
	if g.X == [2]float64{} {
		p.X.Label.Text = "cell"
	}
	switch {
	case g.Y != [2]float64{}:
		p.Y.Label.Text = "y"
	case g.Dt == 0:
		p.Y.Label.Text = "frame"
	}
	p.Add(h)
	return p, nil
}

// Write renders the figure as a PNG of width x height (96 dpi: 72 points are 96 pixels) to w.
func (f *Figure) Write(w io.Writer, width, height vg.Length) error {
	if err := plotfile.WriteGrid(w, f.plots, width, height, "png"); err != nil {
		return fmt.Errorf("fieldplot: %w", err)
	}
	return nil
}

// WriteFile renders the figure as an image of width x height in the format of path's extension (.png, .svg,
// .pdf, ...: internal/plotfile) and writes it to path atomically: a reader never sees a partial image and a
// failed render leaves no file.
func (f *Figure) WriteFile(path string, width, height vg.Length) error {
	if err := plotfile.WriteGridFile(path, f.plots, width, height); err != nil {
		return fmt.Errorf("fieldplot: %w", err)
	}
	return nil
}

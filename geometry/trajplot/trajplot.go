package trajplot

import (
	"fmt"
	"image/color"
	"io"
	"math"

	"github.com/trajdiff/trajdiff/geometry"
	"github.com/trajdiff/trajdiff/internal/plotfile"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Options configure NBody.
type Options struct {
	Title string
	// Axes are the two coordinate components to project onto (zero value: x and y).
	Axes [2]int
	// Reference, when set, is a second trajectory of the same shape drawn dashed underneath.
	Reference []float64
}

// NBody returns a plot of the node paths of x, a [frame][node][dim] tensor of the given shape.
func NBody(s geometry.Shape, x []float64, opt Options) (*plot.Plot, error) {
	if err := check(s, x, "trajectory"); err != nil {
		return nil, err
	}
	if opt.Reference != nil {
		if err := check(s, opt.Reference, "reference"); err != nil {
			return nil, err
		}
	}
	a, b := opt.Axes[0], opt.Axes[1]
	if a == b && a == 0 {
		a, b = 0, 1
	}
	if a < 0 || b < 0 || a >= s.Dim || b >= s.Dim || a == b {
		return nil, fmt.Errorf("trajplot: axes (%d, %d) must be two different components of %d", a, b, s.Dim)
	}
	names := "xyz"
	p := plot.New()
	p.Title.Text = opt.Title
	p.X.Label.Text = string(names[min(a, 2)])
	p.Y.Label.Text = string(names[min(b, 2)])
	path := func(t []float64, node int) plotter.XYs {
		xy := make(plotter.XYs, s.Frames)
		for f := range xy {
			k := (f*s.Nodes + node) * s.Dim
			xy[f] = plotter.XY{X: t[k+a], Y: t[k+b]}
		}
		return xy
	}
	lo, hi := [2]float64{math.Inf(1), math.Inf(1)}, [2]float64{math.Inf(-1), math.Inf(-1)}
	for node := 0; node < s.Nodes; node++ {
		c := plotutil.Color(node)
		for _, layer := range []struct {
			t   []float64
			ref bool
		}{{opt.Reference, true}, {x, false}} {
			if layer.t == nil {
				continue
			}
			xy := path(layer.t, node)
			for _, q := range xy {
				lo[0], hi[0] = math.Min(lo[0], q.X), math.Max(hi[0], q.X)
				lo[1], hi[1] = math.Min(lo[1], q.Y), math.Max(hi[1], q.Y)
			}
			l, err := plotter.NewLine(xy)
			if err != nil {
				return nil, fmt.Errorf("trajplot: node %d: %w", node, err)
			}
			l.Color, l.Width = c, vg.Points(1.5)
			if layer.ref {
				l.Width = vg.Points(1)
				l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
				l.Color = fade(c)
			}
			p.Add(l)
		}
		start, _ := plotter.NewScatter(path(x, node)[:1])
		start.GlyphStyle = draw.GlyphStyle{Color: c, Radius: vg.Points(3.5), Shape: draw.CircleGlyph{}}
		end, _ := plotter.NewScatter(path(x, node)[s.Frames-1:])
		end.GlyphStyle = draw.GlyphStyle{Color: c, Radius: vg.Points(4), Shape: draw.TriangleGlyph{}}
		p.Add(start, end)
	}
	// Equal scales: a square window around the data.
	half := 0.55 * math.Max(math.Max(hi[0]-lo[0], hi[1]-lo[1]), 1e-9)
	for k, ax := range []*plot.Axis{&p.X, &p.Y} {
		mid := (lo[k] + hi[k]) / 2
		ax.Min, ax.Max = mid-half, mid+half
	}
	p.Add(plotter.NewGrid())
	return p, nil
}

func fade(c color.Color) color.Color {
	r, g, b, _ := c.RGBA()
	return color.NRGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), 110}
}

func check(s geometry.Shape, x []float64, what string) error {
	if s.Frames < 1 || s.Nodes < 1 || s.Dim < 2 {
		return fmt.Errorf("trajplot: shape %+v needs frames, nodes >= 1 and dim >= 2", s)
	}
	if len(x) != s.Frames*s.Nodes*s.Dim {
		return fmt.Errorf("trajplot: %s has %d values, want %d frames x %d nodes x %d", what, len(x), s.Frames, s.Nodes, s.Dim)
	}
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("trajplot: %s value %d is %v", what, i, v)
		}
	}
	return nil
}

// WritePNG renders p as a PNG image of width x height (internal/plotfile, shared by every plotting
// package, writes files in the format of their extension).
func WritePNG(w io.Writer, p *plot.Plot, width, height vg.Length) error {
	if err := plotfile.Write(w, p, width, height, "png"); err != nil {
		return fmt.Errorf("trajplot: %w", err)
	}
	return nil
}

// Views returns the paths of x projected onto each pair of coordinate axes: (x, y), (x, z), (y, z) in
// 3-D, (x, y) alone in 2-D, so that a 3-D trajectory is seen from three sides. Each plot is NBody's with
// opt's Title followed by the projection ("title: xz") and opt's Reference; opt.Axes is ignored.
func Views(s geometry.Shape, x []float64, opt Options) ([]*plot.Plot, error) {
	var out []*plot.Plot
	names := "xyz"
	for a := 0; a < min(s.Dim, 3); a++ {
		for b := a + 1; b < min(s.Dim, 3); b++ {
			o := opt
			o.Axes = [2]int{a, b}
			o.Title = names[a:a+1] + names[b:b+1]
			if opt.Title != "" {
				o.Title = opt.Title + ": " + o.Title
			}
			p, err := NBody(s, x, o)
			if err != nil {
				return nil, err
			}
			out = append(out, p)
		}
	}
	if out == nil { // NBody's own check names the bad shape
		_, err := NBody(s, x, opt)
		return nil, err
	}
	return out, nil
}

// WriteGridPNG renders rows of plots (any gonum plots, e.g. Views of several trajectories, one row each)
// tiled on one PNG of width x height with their axes aligned; every row must have the same number of
// plots. Notebooks display the bytes inline.
func WriteGridPNG(w io.Writer, rows [][]*plot.Plot, width, height vg.Length) error {
	if err := plotfile.WriteGrid(w, rows, width, height, "png"); err != nil {
		return fmt.Errorf("trajplot: %w", err)
	}
	return nil
}

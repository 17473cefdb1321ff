package benchplot

import (
	"fmt"
	"io"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/trajdiff/trajdiff/internal/plotfile"
)

// Samples draws 2-D points, given as x0, y0, x1, y1, ..., as small dots in the square [-limit, limit]^2:
// what a solver's samples of a 2-D target look like next to exact samples. Points outside the square are
// clipped by the axes, not dropped from the data; a non-finite coordinate is an error.
func Samples(title string, xy []float64, limit float64) (*plot.Plot, error) {
	if len(xy)%2 != 0 {
		return nil, fmt.Errorf("benchplot: %d coordinates, not pairs", len(xy))
	}
	if !(limit > 0) || math.IsInf(limit, 0) {
		return nil, fmt.Errorf("benchplot: limit %v, want positive and finite", limit)
	}
	pts := make(plotter.XYs, len(xy)/2)
	for i := range pts {
		pts[i].X, pts[i].Y = xy[2*i], xy[2*i+1]
	}
	s, err := plotter.NewScatter(pts) // refuses NaN and Inf
	if err != nil {
		return nil, fmt.Errorf("benchplot: %w", err)
	}
	s.GlyphStyle.Radius, s.GlyphStyle.Shape = vg.Points(1), draw.CircleGlyph{}
	p := plot.New()
	p.Title.Text = title
	p.Add(s)
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = -limit, limit, -limit, limit
	return p, nil
}

// WriteGridPNG renders rows of plots (curves, samples side by side) tiled on one PNG of width x height with
// their axes aligned; every row must have the same number of plots. Notebooks display the bytes inline.
func WriteGridPNG(w io.Writer, rows [][]*plot.Plot, width, height vg.Length) error {
	if err := plotfile.WriteGrid(w, rows, width, height, "png"); err != nil {
		return fmt.Errorf("benchplot: %w", err)
	}
	return nil
}

package mazeplot

import (
	"fmt"
	"image/color"
	"io"
	"math"

	"github.com/trajdiff/trajdiff/internal/plotfile"
	"github.com/trajdiff/trajdiff/rl"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Options configure Maze.
type Options struct {
	Title string
	// Targets, when set, holds one (x, y) target per path, marked with a cross.
	Targets [][2]float64
}

// Maze returns a plot of layout l with the given paths; each path is a flat list x0, y0, x1, y1, ...
// of particle positions (e.g. the first two components of each observation).
func Maze(l *rl.Layout, paths [][]float64, opt Options) (*plot.Plot, error) {
	if opt.Targets != nil && len(opt.Targets) != len(paths) {
		return nil, fmt.Errorf("mazeplot: %d targets for %d paths", len(opt.Targets), len(paths))
	}
	p := plot.New()
	p.Title.Text = opt.Title
	p.X.Label.Text = "y"
	p.Y.Label.Text = "x"
	p.Y.Scale = plot.InvertedScale{Normalizer: plot.LinearScale{}}
	lo := func(i int) float64 { return float64(i) + rl.WallOffset - 0.5 }
	box := func(w, h int) plotter.XYs {
		x0, y0 := lo(w), lo(h)
		return plotter.XYs{{X: y0, Y: x0}, {X: y0 + 1, Y: x0}, {X: y0 + 1, Y: x0 + 1}, {X: y0, Y: x0 + 1}}
	}
	var walls []plotter.XYer
	for w := 0; w < l.Width(); w++ {
		for h := 0; h < l.Height(); h++ {
			if l.Wall(w, h) {
				walls = append(walls, box(w, h))
			}
		}
	}
	poly, err := plotter.NewPolygon(walls...)
	if err != nil {
		return nil, fmt.Errorf("mazeplot: walls: %w", err)
	}
	poly.Color = color.Gray{Y: 90}
	poly.LineStyle.Width = 0
	goal, err := plotter.NewPolygon(box(l.Goal.W, l.Goal.H))
	if err != nil {
		return nil, err
	}
	goal.Color = color.NRGBA{R: 80, G: 200, B: 120, A: 90}
	goal.LineStyle.Width = 0
	p.Add(poly, goal)
	for i, path := range paths {
		if len(path) < 2 || len(path)%2 != 0 {
			return nil, fmt.Errorf("mazeplot: path %d has %d values, want (x, y) pairs", i, len(path))
		}
		xy := make(plotter.XYs, len(path)/2)
		for k := range xy {
			xy[k] = plotter.XY{X: path[2*k+1], Y: path[2*k]}
			if math.IsNaN(xy[k].X) || math.IsNaN(xy[k].Y) || math.IsInf(xy[k].X, 0) || math.IsInf(xy[k].Y, 0) {
				return nil, fmt.Errorf("mazeplot: path %d point %d is not finite", i, k)
			}
		}
		c := plotutil.Color(i)
		line, err := plotter.NewLine(xy)
		if err != nil {
			return nil, err
		}
		line.Color, line.Width = c, vg.Points(1.5)
		start, _ := plotter.NewScatter(xy[:1])
		start.GlyphStyle = draw.GlyphStyle{Color: c, Radius: vg.Points(3.5), Shape: draw.CircleGlyph{}}
		end, _ := plotter.NewScatter(xy[len(xy)-1:])
		end.GlyphStyle = draw.GlyphStyle{Color: c, Radius: vg.Points(4), Shape: draw.TriangleGlyph{}}
		p.Add(line, start, end)
		if opt.Targets != nil {
			tg, _ := plotter.NewScatter(plotter.XYs{{X: opt.Targets[i][1], Y: opt.Targets[i][0]}})
			tg.GlyphStyle = draw.GlyphStyle{Color: c, Radius: vg.Points(5), Shape: draw.CrossGlyph{}}
			p.Add(tg)
		}
	}
	p.X.Min, p.X.Max = lo(0), lo(l.Height())
	p.Y.Min, p.Y.Max = lo(0), lo(l.Width())
	return p, nil
}

// Size returns a canvas size (width, height) that keeps the maze's cells about square, the longer side
// maxSide.
func Size(l *rl.Layout, maxSide vg.Length) (vg.Length, vg.Length) {
	w, h := float64(l.Height()), float64(l.Width())
	s := float64(maxSide) / math.Max(w, h)
	return vg.Length(w * s), vg.Length(h * s)
}

// WritePNG renders p as a PNG image of width x height (internal/plotfile, shared by every plotting
// package, writes files in the format of their extension).
func WritePNG(w io.Writer, p *plot.Plot, width, height vg.Length) error {
	if err := plotfile.Write(w, p, width, height, "png"); err != nil {
		return fmt.Errorf("mazeplot: %w", err)
	}
	return nil
}

// WriteGridPNG renders rows of plots (e.g. mazes of several agents side by side) tiled on one PNG of width x
// height with their axes aligned; every row must have the same number of plots. Notebooks display the bytes
// inline.
func WriteGridPNG(w io.Writer, rows [][]*plot.Plot, width, height vg.Length) error {
	if err := plotfile.WriteGrid(w, rows, width, height, "png"); err != nil {
		return fmt.Errorf("mazeplot: %w", err)
	}
	return nil
}

// Package curveplot draws training curves from runs' metrics.jsonl (train.ReadMetrics): the loss on a
// logarithmic axis, the learning rate and the gradient norm against the step, one line per run, as three
// aligned panels written by internal/plotfile. `trajdiff plot RUN [RUN ...] --out curves.png` (or .svg,
// .pdf) uses it.
package curveplot

import (
	"fmt"
	"io"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/trajdiff/trajdiff/internal/plotfile"
	"github.com/trajdiff/trajdiff/train"
)

// Run is one run's curves and its legend name.
type Run struct {
	Name    string
	Metrics []train.Metric
}

// Panels are the figure's plots, one column: loss (log scale), learning rate, gradient norm.
func Panels(runs []Run, title string) ([][]*plot.Plot, error) {
	if len(runs) == 0 {
		return nil, fmt.Errorf("curveplot: no runs")
	}
	specs := []struct {
		name string
		log  bool
		val  func(train.Metric) float64
	}{
		{"loss", true, func(m train.Metric) float64 { return m.Loss }},
		{"learning rate", false, func(m train.Metric) float64 { return m.LR }},
		{"gradient norm", true, func(m train.Metric) float64 { return m.GradNorm }},
	}
	var rows [][]*plot.Plot
	for k, sp := range specs {
		p := plot.New()
		if k == 0 {
			p.Title.Text = title
		}
		p.Y.Label.Text = sp.name
		if k == len(specs)-1 {
			p.X.Label.Text = "step"
		}
		lo, hi := math.Inf(1), math.Inf(-1)
		for i, r := range runs {
			var xy plotter.XYs
			for _, m := range r.Metrics {
				v := sp.val(m)
				if math.IsNaN(v) || math.IsInf(v, 0) || (sp.log && v <= 0) {
					continue // a log axis cannot show it; the line skips the point
				}
				xy = append(xy, plotter.XY{X: float64(m.Step), Y: v})
				lo, hi = min(lo, v), max(hi, v)
			}
			if len(xy) == 0 {
				continue
			}
			l, err := plotter.NewLine(xy)
			if err != nil {
				return nil, fmt.Errorf("curveplot: %s, %s: %w", r.Name, sp.name, err)
			}
			l.Color = plotutil.Color(i)
			l.Width = vg.Points(1)
			p.Add(l)
			if k == 0 && len(runs) > 1 {
				p.Legend.Add(r.Name, l)
			}
		}
		if sp.log && lo <= hi {
			// gonum widens a flat range by +-1, which a log axis cannot show: give it a decade instead.
			p.Y.Scale = plot.LogScale{}
			p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
			if lo == hi {
				p.Y.Min, p.Y.Max = lo/math.Sqrt(10), hi*math.Sqrt(10)
			}
		}
		p.Add(plotter.NewGrid())
		p.Legend.Top = true
		rows = append(rows, []*plot.Plot{p})
	}
	return rows, nil
}

// WriteGridPNG renders rows of plots (Panels' column, or its panels side by side in one row) tiled on one PNG
// of width x height with their axes aligned; every row must have the same number of plots. Notebooks display
// the bytes inline.
func WriteGridPNG(w io.Writer, rows [][]*plot.Plot, width, height vg.Length) error {
	if err := plotfile.WriteGrid(w, rows, width, height, "png"); err != nil {
		return fmt.Errorf("curveplot: %w", err)
	}
	return nil
}

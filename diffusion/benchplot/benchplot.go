// Package benchplot draws the result of diffusion.SamplerBench as error-vs-NFE curves: one line per solver,
// the evaluations a solver actually spent on the x axis and its error (pathwise RMSE against the reference
// ODE solution, or the exact Frechet distance) on the y axis, both logarithmic, so a solver of order k shows
// as a line of slope -k once it converges. `trajdiff bench samplers --plot errors.png` (or .svg, .pdf) uses it.
package benchplot

import (
	"fmt"
	"math"
	"sort"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/trajdiff/trajdiff/diffusion"
)

// Plot draws rows (from SamplerBench.Run at the NFE budgets) under title; metric names the y axis ("rmse" or
// "frechet").
// Budgets a solver could not meet (NaN) and non-positive errors (a log axis cannot show them) are left out
// of its line; a solver with no point left is left out of the legend, and no point at all is an error.
func Plot(rows []diffusion.SamplerBenchRow, budgets []int, metric, title string) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "NFE (denoiser evaluations)"
	p.Y.Label.Text = "RMSE against the reference ODE solution"
	if metric == "frechet" {
		p.Y.Label.Text = "Frechet distance to the data"
	}
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	p.X.Tick.Marker = nfeTicks(budgets) // budgets are few and not decades: label each one
	p.Legend.Top = true
	p.Legend.TextStyle.Font.Size = vg.Points(7)
	drawn := 0
	for i, r := range rows {
		var xy plotter.XYs
		for k, e := range r.Error {
			if math.IsNaN(e) || math.IsInf(e, 0) || e <= 0 || k >= len(r.Used) || r.Used[k] <= 0 {
				continue
			}
			xy = append(xy, plotter.XY{X: float64(r.Used[k]), Y: e})
		}
		if len(xy) == 0 {
			continue
		}
		l, pts, err := plotter.NewLinePoints(xy)
		if err != nil {
			return nil, fmt.Errorf("benchplot: %s: %w", r.Solver, err)
		}
		// Seven colours cycle; the dash pattern and glyph change with each cycle, so 20+ solvers stay apart.
		l.Color, l.Dashes = plotutil.Color(i), plotutil.Dashes(i/7)
		pts.Color, pts.Shape = plotutil.Color(i), plotutil.Shape(i/7)
		p.Add(l, pts)
		p.Legend.Add(r.Solver, l, pts)
		drawn++
	}
	if drawn == 0 {
		return nil, fmt.Errorf("benchplot: no finite positive error to draw")
	}
	return p, nil
}

// nfeTicks labels the budgets (a solver that cannot spend a budget exactly sits just left of its label).
func nfeTicks(budgets []int) plot.ConstantTicks {
	sorted := append([]int(nil), budgets...)
	sort.Ints(sorted)
	var ticks plot.ConstantTicks
	for _, b := range sorted {
		ticks = append(ticks, plot.Tick{Value: float64(b), Label: strconv.Itoa(b)})
	}
	return ticks
}

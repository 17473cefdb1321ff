package benchplot

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/diffusion"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Every solver with a drawable point gets a legend entry; NaN budgets and non-positive errors are skipped,
// not drawn at a made-up place.
func TestEverySolverWithAPointIsDrawn(t *testing.T) {
	rows := []diffusion.SamplerBenchRow{
		{Solver: "ddim", Error: []float64{0.1, 0.05, 0.02}, Used: []int{5, 10, 20}},
		{Solver: "heun", Error: []float64{math.NaN(), 0.01, 0.001}, Used: []int{0, 9, 19}},
		{Solver: "never", Error: []float64{math.NaN(), 0}, Used: []int{0, 10}},
	}
	p, err := Plot(rows, []int{5, 10, 20}, "rmse", "64-D mixture")
	if err != nil {
		t.Fatal(err)
	}
	c := vgsvg.New(4*vg.Inch, 3*vg.Inch)
	p.Draw(draw.New(c))
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	svg := b.String()
	for _, want := range []string{"ddim", "heun", "64-D mixture", "RMSE"} {
		if !strings.Contains(svg, want) {
			t.Errorf("the plot does not show %q", want)
		}
	}
	if strings.Contains(svg, "never") {
		t.Error("a solver without a drawable point is in the legend")
	}
	if _, err := Plot(rows[2:], []int{5, 10}, "rmse", ""); err == nil {
		t.Error("no error for rows with nothing to draw")
	}
}

package curveplot_test

import (
	"bytes"
	"image/png"
	"math"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"github.com/trajdiff/trajdiff/internal/plotfile"
	"github.com/trajdiff/trajdiff/train"
	"github.com/trajdiff/trajdiff/train/curveplot"
)

// Two runs become three aligned panels (loss, learning rate, gradient norm) that render as one PNG;
// non-finite and non-positive values are skipped on the log axes, and flat curves get a decade, instead of
// failing the figure.
func TestTwoRunsRenderAsThreePanels(t *testing.T) {
	var a, b []train.Metric
	for s := 1; s <= 50; s++ {
		a = append(a, train.Metric{Step: s, Loss: 1 / float64(s), LR: 1e-3, GradNorm: 0.5}) // flat
		b = append(b, train.Metric{Step: s, Loss: 2 / float64(s), LR: 1e-3 * float64(50-s) / 50, GradNorm: 0.5})
	}
	b[3].Loss, b[4].GradNorm = math.NaN(), 0
	rows, err := curveplot.Panels([]curveplot.Run{{"a", a}, {"b", b}}, "runs")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || len(rows[0]) != 1 {
		t.Fatalf("%d rows", len(rows))
	}
	var buf bytes.Buffer
	if err := plotfile.WriteGrid(&buf, rows, 6*vg.Inch, 8*vg.Inch, "png"); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil || img.Bounds().Dx() != 576 || img.Bounds().Dy() != 768 {
		t.Fatalf("png %v: %v", img.Bounds(), err)
	}
	// WriteGridPNG renders the panels side by side as well.
	side := [][]*plot.Plot{{rows[0][0], rows[1][0], rows[2][0]}}
	var viaPNG bytes.Buffer
	if err := curveplot.WriteGridPNG(&viaPNG, side, 9*vg.Inch, 3*vg.Inch); err != nil {
		t.Fatal(err)
	}
	if img, err := png.Decode(&viaPNG); err != nil || img.Bounds().Dx() != 864 || img.Bounds().Dy() != 288 {
		t.Fatalf("side by side: png %v: %v", img.Bounds(), err)
	}
	if err := curveplot.WriteGridPNG(&viaPNG, [][]*plot.Plot{side[0], side[0][:1]}, 9*vg.Inch, 3*vg.Inch); err == nil {
		t.Error("ragged rows accepted")
	}
	if _, err := curveplot.Panels(nil, ""); err == nil {
		t.Error("no runs: accepted")
	}
}

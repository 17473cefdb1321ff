package benchplot

import (
	"bytes"
	"image/png"
	"math"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
)

// Two clouds of samples side by side render as one PNG with dots in each half, at the square's limits.
func TestSamplesSideBySideShowEachCloud(t *testing.T) {
	var left, right []float64
	for i := range 200 {
		a := 2 * math.Pi * float64(i) / 200
		left = append(left, 3*math.Cos(a), 3*math.Sin(a))
		right = append(right, 0.5*math.Cos(a), 0.5*math.Sin(a))
	}
	var row []*plot.Plot
	for _, xy := range [][]float64{left, right} {
		p, err := Samples("ring", xy, 5)
		if err != nil {
			t.Fatal(err)
		}
		if p.X.Min != -5 || p.X.Max != 5 || p.Y.Min != -5 || p.Y.Max != 5 {
			t.Errorf("axes [%v, %v] x [%v, %v], want the square of side 10", p.X.Min, p.X.Max, p.Y.Min, p.Y.Max)
		}
		row = append(row, p)
	}
	// Dark pixels per half: the dots add to what the axes and titles alone (an empty cloud) draw.
	darkHalves := func(row []*plot.Plot) [2]int {
		var buf bytes.Buffer
		if err := WriteGridPNG(&buf, [][]*plot.Plot{row}, 6*vg.Inch, 3*vg.Inch); err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(&buf)
		if err != nil {
			t.Fatalf("not a PNG: %v", err)
		}
		b := img.Bounds()
		if b.Dx() != 576 || b.Dy() != 288 {
			t.Fatalf("image %v, want 576 x 288", b)
		}
		var dark [2]int
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				if r, _, _, _ := img.At(x, y).RGBA(); r < 0x8000 {
					dark[2*x/b.Dx()]++
				}
			}
		}
		return dark
	}
	var empty []*plot.Plot
	for range 2 {
		p, err := Samples("ring", nil, 5)
		if err != nil {
			t.Fatal(err)
		}
		empty = append(empty, p)
	}
	with, without := darkHalves(row), darkHalves(empty)
	for k := range 2 {
		if with[k]-without[k] < 100 {
			t.Errorf("half %d: %d dark pixels with samples, %d without: no samples drawn?", k, with[k], without[k])
		}
	}
	var buf bytes.Buffer
	if _, err := Samples("odd", []float64{1, 2, 3}, 5); err == nil {
		t.Error("odd coordinate count accepted")
	}
	if _, err := Samples("nan", []float64{1, math.NaN()}, 5); err == nil {
		t.Error("NaN accepted")
	}
	if _, err := Samples("limit", left, 0); err == nil {
		t.Error("zero limit accepted")
	}
	if err := WriteGridPNG(&buf, [][]*plot.Plot{row, row[:1]}, vg.Inch, vg.Inch); err == nil {
		t.Error("ragged rows accepted")
	}
}

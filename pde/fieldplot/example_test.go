package fieldplot_test

import (
	"bytes"
	"fmt"
	"math"

	"github.com/trajdiff/trajdiff/pde/fieldplot"
	"gonum.org/v1/plot/vg"
)

// Draw a travelling wave u(t, x) = sin 2π(x - t/2), a copy of it one cell off, and their difference, as a row
// of space-time images; the two waves share one colour limit so that equal values get equal colours.
func ExampleNew() {
	g := fieldplot.Grid{Frames: 21, Cells: 64, X: [2]float64{0, 63.0 / 64}, Dt: 0.05}
	wave := func(shift float64) []float64 {
		v := make([]float64, g.Frames*g.Cells)
		for t := range g.Frames {
			for x := range g.Cells {
				v[t*g.Cells+x] = math.Sin(2 * math.Pi * ((float64(x)+shift)/64 - float64(t)*g.Dt/2))
			}
		}
		return v
	}
	u, v := wave(0), wave(1)
	diff := make([]float64, len(u))
	for i := range u {
		diff[i] = v[i] - u[i]
	}
	row := []fieldplot.Panel{{Title: "u", Values: u}, {Title: "shifted", Values: v}}
	fieldplot.ShareLimit(row)
	fig, err := fieldplot.New(g, [][]fieldplot.Panel{append(row, fieldplot.Panel{Title: "difference", Values: diff})})
	if err != nil {
		panic(err)
	}
	w, h := fig.Size(9 * vg.Inch)
	var png bytes.Buffer
	if err := fig.Write(&png, w, h); err != nil {
		panic(err)
	}
	fmt.Printf("%d x %d panels, PNG: %v\n", fig.Rows(), fig.Cols(), bytes.HasPrefix(png.Bytes(), []byte("\x89PNG")))
	fmt.Printf("largest difference %.3f\n", fieldplot.MaxAbs(diff))
	// Output:
	// 1 x 3 panels, PNG: true
	// largest difference 0.098
}

package trajplot_test

import (
	"bytes"
	"fmt"

	"github.com/trajdiff/trajdiff/geometry"
	"github.com/trajdiff/trajdiff/geometry/trajplot"
	"gonum.org/v1/plot/vg"
)

// Draw a simulated spring trajectory in the x-y plane as a PNG.
func ExampleNBody() {
	tr, err := geometry.SimulateIndex(geometry.NewSprings(5), 1, "train", 0, geometry.DefaultRun())
	if err != nil {
		panic(err)
	}
	p, err := trajplot.NBody(geometry.Shape{Frames: tr.Frames, Nodes: tr.Nodes, Dim: geometry.Dim}, tr.X, trajplot.Options{Title: "springs"})
	if err != nil {
		panic(err)
	}
	var png bytes.Buffer
	if err := trajplot.WritePNG(&png, p, 4*vg.Inch, 4*vg.Inch); err != nil {
		panic(err)
	}
	fmt.Println(bytes.HasPrefix(png.Bytes(), []byte("\x89PNG")))
	// Output: true
}

package trajplot_test

import (
	"bytes"
	"fmt"

	"github.com/trajdiff/trajdiff/geometry"
	"github.com/trajdiff/trajdiff/geometry/trajplot"
	"gonum.org/v1/plot"
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

// Draw a charged-particle trajectory from three sides, (x, y), (x, z) and (y, z), as one PNG.
func ExampleViews() {
	tr, err := geometry.SimulateIndex(geometry.NewCharged(5), 1, "train", 0, geometry.Run{Steps: 1000, SampleFreq: 100, MaxFrames: 10})
	if err != nil {
		panic(err)
	}
	views, err := trajplot.Views(geometry.Shape{Frames: tr.Frames, Nodes: tr.Nodes, Dim: geometry.Dim}, tr.X, trajplot.Options{Title: "charged"})
	if err != nil {
		panic(err)
	}
	var png bytes.Buffer
	if err := trajplot.WriteGridPNG(&png, [][]*plot.Plot{views}, 9*vg.Inch, 3*vg.Inch); err != nil {
		panic(err)
	}
	fmt.Println(len(views), "views:", views[0].Title.Text, views[1].Title.Text, views[2].Title.Text)
	// Output: 3 views: charged: xy charged: xz charged: yz
}

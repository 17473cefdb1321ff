package plotfile_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/trajdiff/trajdiff/internal/plotfile"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// Write a line plot to a PNG file atomically (".svg", ".pdf", ".eps" would pick those formats).
func ExampleWriteFile() {
	dir, err := os.MkdirTemp("", "plotfile-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	p := plot.New()
	l, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 2}})
	if err != nil {
		panic(err)
	}
	p.Add(l)
	path := filepath.Join(dir, "line.png")
	if err := plotfile.WriteFile(path, p, 3*vg.Inch, 2*vg.Inch); err != nil {
		panic(err)
	}
	b, err := os.ReadFile(path)
	fmt.Println(err, string(b[1:4]))
	// Output: <nil> PNG
}

package curveplot_test

import (
	"bytes"
	"fmt"
	"math"

	"github.com/trajdiff/trajdiff/train"
	"github.com/trajdiff/trajdiff/train/curveplot"
	"gonum.org/v1/plot/vg"
)

// Draw two runs' loss, learning rate and gradient norm, as `trajdiff plot` does from their metrics.jsonl
// (read with train.ReadMetrics; here made up: a loss decaying as 1/sqrt(step) under cosine learning rates).
func ExamplePanels() {
	run := func(name string, lr float64) curveplot.Run {
		r := curveplot.Run{Name: name}
		for s := 1; s <= 1000; s += 10 {
			r.Metrics = append(r.Metrics, train.Metric{Step: s, Loss: 1 / math.Sqrt(float64(s)*lr*1e4),
				LR: lr * (1 + math.Cos(math.Pi*float64(s)/1000)) / 2, GradNorm: 1})
		}
		return r
	}
	rows, err := curveplot.Panels([]curveplot.Run{run("lr 1e-4", 1e-4), run("lr 3e-4", 3e-4)}, "two learning rates")
	if err != nil {
		panic(err)
	}
	var png bytes.Buffer
	if err := curveplot.WriteGridPNG(&png, rows, 6*vg.Inch, 8*vg.Inch); err != nil {
		panic(err)
	}
	fmt.Printf("%d panels, PNG: %v\n", len(rows)*len(rows[0]), bytes.HasPrefix(png.Bytes(), []byte("\x89PNG")))
	// Output: 3 panels, PNG: true
}

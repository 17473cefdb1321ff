package benchplot_test

import (
	"bytes"
	"fmt"
	"math"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/diffusion/benchplot"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
)

// Draw error-vs-NFE lines as `trajdiff bench samplers --plot` does from diffusion.SamplerBench.Run; here two
// made-up solvers of order 1 and 2 (error C/NFE^k), the second unable to run at 1 NFE.
func ExamplePlot() {
	budgets := []int{1, 2, 4, 8, 16, 32}
	rows := []diffusion.SamplerBenchRow{{Solver: "first order"}, {Solver: "second order"}}
	for _, n := range budgets {
		rows[0].Error = append(rows[0].Error, 0.5/float64(n))
		rows[0].Used = append(rows[0].Used, n)
		e := 2 / float64(n*n)
		if n < 2 {
			e = math.NaN() // left out of its line
		}
		rows[1].Error = append(rows[1].Error, e)
		rows[1].Used = append(rows[1].Used, n)
	}
	p, err := benchplot.Plot(rows, budgets, "rmse", "two orders of convergence")
	if err != nil {
		panic(err)
	}
	var png bytes.Buffer
	if err := benchplot.WriteGridPNG(&png, [][]*plot.Plot{{p}}, 5*vg.Inch, 4*vg.Inch); err != nil {
		panic(err)
	}
	fmt.Println(bytes.HasPrefix(png.Bytes(), []byte("\x89PNG")))
	// Output: true
}

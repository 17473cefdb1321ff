package wdno_test

import (
	"context"
	"fmt"
	"math"

	"github.com/trajdiff/trajdiff/pde/burgers"
	"github.com/trajdiff/trajdiff/pde/wdno"
)

// A Burgers trajectory of the reduced configuration becomes WDNO's image: 9 channels of 21 x 30 bands
// padded to 24 x 32, and comes back exactly.
func ExampleNewLayout() {
	p := burgers.WDNOSmallParams()
	g := burgers.Generator{Params: p}
	s, err := g.NewSolver()
	if err != nil {
		fmt.Println(err)
		return
	}
	tr, err := g.Trajectory(context.Background(), s, 7, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	row := g.Row(tr)
	l, err := wdno.NewLayout(wdno.LayoutConfig{Frames: p.Frames + 1, Cells: p.Cells})
	if err != nil {
		fmt.Println(err)
		return
	}
	x := make([]float64, l.Dim())
	if err := l.Encode(wdno.Control, row.State, row.Control, x); err != nil {
		fmt.Println(err)
		return
	}
	u, f := make([]float64, len(row.State)), make([]float64, len(row.Control))
	if err := l.Decode(x, u, f); err != nil {
		fmt.Println(err)
		return
	}
	var worst float64
	for i := range u {
		worst = max(worst, math.Abs(u[i]-row.State[i]), math.Abs(f[i]-row.Control[i]))
	}
	fmt.Println("image", l.Shape(), "round trip below 1e-12:", worst < 1e-12)
	// Output: image [9 24 32] round trip below 1e-12: true
}

// Two evaluations of the same three test cases, a model's and the baselines', compared case by case with
// the adjoint optimum: the model is better than the optimum nowhere and costs a median 3 times its J.
func ExampleCompare() {
	model := &wdno.Report{Task: "control", Methods: []string{"wdno"}, Results: []wdno.CaseResult{
		{Method: "wdno", Case: 0, ID: 10, J: 0.3}, {Method: "wdno", Case: 1, ID: 11, J: 0.2}, {Method: "wdno", Case: 2, ID: 12, J: 0.5}}}
	base := &wdno.Report{Task: "control", Methods: []string{wdno.AdjointOptimumName}, Results: []wdno.CaseResult{
		{Method: wdno.AdjointOptimumName, Case: 0, ID: 10, J: 0.1}, {Method: wdno.AdjointOptimumName, Case: 1, ID: 11, J: 0.1},
		{Method: wdno.AdjointOptimumName, Case: 2, ID: 12, J: 0.1}}}
	pairs, err := wdno.Compare([]*wdno.Report{model, base}, wdno.Baselines([]*wdno.Report{model, base}))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range pairs {
		fmt.Printf("%s against %s on %d cases: %d better, J %+.2f ± %.2f, median ratio %.1f\n",
			p.Method, p.Against, p.Cases, p.Better, p.MeanDiff, p.StdErr, p.RatioMedian)
	}
	// Output:
	// wdno against adjoint-optimum on 3 cases: 0 better, J +0.23 ± 0.09, median ratio 3.0
}

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

package wdno_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/pde"
	"github.com/trajdiff/trajdiff/pde/smoke"
	"github.com/trajdiff/trajdiff/pde/wdno"
)

// A smoke trajectory of the reduced benchmark (grid 64 stored at 32 x 32, 32 of 33 frames) becomes
// WDNO's 3-D image: 42 channels of 18^3 bands padded to 20^3, and comes back exactly; its target share
// s(t) is a field of the data.
func ExampleNewLayout_smoke() {
	dir, err := os.MkdirTemp("", "smoke")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	p := smoke.DefaultParams()
	p.N, p.Save = 64, 32
	path := filepath.Join(dir, "smoke.arrow")
	if _, _, err := pde.WriteFields(context.Background(), path, smoke.Generator{Params: p},
		pde.WriteConfig{Total: 1, Seed: 11, Workers: 1}, datasets.WriteOptions{DType: datasets.Float64}); err != nil {
		fmt.Println(err)
		return
	}
	d, err := wdno.OpenData(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer d.Close()
	u, f, err := d.Fields(0, nil, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	control := d.Control
	l, err := wdno.NewLayout(wdno.LayoutConfig{Frames: d.Frames, Cells: d.Cells, State: d.State, Control: &control, Grid: d.Grid})
	if err != nil {
		fmt.Println(err)
		return
	}
	x := make([]float64, l.Dim())
	if err := l.Encode(wdno.Control, u, f, x); err != nil {
		fmt.Println(err)
		return
	}
	u2, f2 := make([]float64, len(u)), make([]float64, len(f))
	if err := l.Decode(x, u2, f2); err != nil {
		fmt.Println(err)
		return
	}
	var worst float64
	for i := range u {
		worst = max(worst, math.Abs(u2[i]-u[i]))
	}
	for i := range f {
		worst = max(worst, math.Abs(f2[i]-f[i]))
	}
	fmt.Println("frames", d.Frames, "grid", d.Grid, "channels (density, vx, vy, s)", d.State, "image", l.Shape())
	fmt.Println("round trip below 1e-12:", worst < 1e-12)
	// Output:
	// frames 32 grid [32 32] channels (density, vx, vy, s) 4 image [42 20 20 20]
	// round trip below 1e-12: true
}

package wdno_test

import (
	"fmt"

	"github.com/trajdiff/trajdiff/pde/wdno"
)

// One super-resolution step from 21 x 30 to 41 x 60: 17 channels (fine u and f bands, the coarse bands
// upsampled, the u0 condition) of 22 x 30 generated band rows and columns, padded to 24 x 32.
func ExampleNewSuperLayout() {
	l, err := wdno.NewSuperLayout(wdno.LayoutConfig{Frames: 41, Cells: 60})
	if err != nil {
		fmt.Println(err)
		return
	}
	c := l.CoarseConfig()
	fmt.Println("image", l.Shape(), "coarse", c.Frames, "x", c.Cells)
	// Output: image [17 24 32] coarse 21 x 30
}

// The interpolation baselines carry a coarse trajectory whose points are every second fine point back to
// the fine grid.
func ExampleInterpolate() {
	coarse := []float64{0, 2, 4, 6} // 2 frames x 2 cells
	fine, err := wdno.Interpolate(wdno.InterpBilinear, coarse, 2, 2, 1, 3, 3, 2)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(fine)
	// Output: [0 1 2 2 3 4 4 5 6]
}

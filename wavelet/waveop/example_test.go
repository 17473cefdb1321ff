package waveop_test

import (
	"fmt"
	"math"

	"github.com/trajdiff/trajdiff/wavelet/waveop"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Differentiating through a wavelet transform: the gradient of Σ c² over the coefficients c of a
// periodized orthogonal transform is 2x, because the transform preserves energy.
func ExampleWavedecn() {
	g := gorgonia.NewGraph()
	data := make([]float64, 32) // [2, 16]: two signals
	for i := range data {
		data[i] = float64(i%16) - 4
	}
	x := gorgonia.NewTensor(g, tensor.Float64, 2, gorgonia.WithShape(2, 16), gorgonia.WithName("x"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(2, 16), tensor.WithBacking(data))))
	c, err := waveop.Wavedecn(x, "db2", "periodization", 2, []int{1})
	if err != nil {
		panic(err)
	}
	cost := gorgonia.Must(gorgonia.Sum(gorgonia.Must(gorgonia.Square(c))))
	if _, err := gorgonia.Grad(cost, x); err != nil {
		panic(err)
	}
	vm := gorgonia.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		panic(err)
	}
	gx, _ := x.Grad()
	fmt.Println("coefficients", c.Shape())
	fmt.Printf("cost %.6f\n", cost.Value().Data())
	grad := gx.Data().([]float64)[:8]
	for i := range grad {
		grad[i] = math.Round(grad[i]*1e6)/1e6 + 0 // + 0 turns -0 into 0
	}
	fmt.Printf("gradient %.6f\n", grad)
	// Output:
	// coefficients (2, 16)
	// cost 1072.000000
	// gradient [-8.000000 -6.000000 -4.000000 -2.000000 0.000000 2.000000 4.000000 6.000000]
}

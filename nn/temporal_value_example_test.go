package nn_test

import (
	"fmt"
	"log"
	"math"

	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/nn"
)

// Diffuser's U-Net value model J(x_t, t) on windows of 32 steps of 6 values: a row is the window followed
// by the time, and RegressorInputGrad returns J and dJ/dx_t for guidance (the time's entry reads 0). The
// parameter count is that of the PyTorch twin (scripts/nn/models.py TemporalValue(32, 6, 16, (1, 2, 4))).
func ExampleNewTemporalValue() {
	spec := nn.Spec{Arch: "temporal_value", TemporalValue: &nn.TemporalValueConfig{Horizon: 32, Transition: 6, Dim: 16, DimMults: []int{1, 2, 4}}}
	net, err := spec.NewRegressor(tensor.Float32, 1)
	if err != nil {
		log.Fatal(err)
	}
	x := make([]float64, 2*net.In()) // two noisy windows, zero here, at t = 0.5
	x[net.In()-1], x[2*net.In()-1] = 0.5, 0.5
	j, grad := make([]float64, 2), make([]float64, len(x))
	if err := nn.NewRegressorInputGrad(net).Gradient(j, grad, x, []float64{1}); err != nil {
		log.Fatal(err)
	}
	// Equal up to float32 rounding, not bit for bit: a BLAS (the openblas build) may sum the two rows of
	// one product in different orders.
	same := math.Abs(j[0]-j[1]) <= 1e-5*math.Abs(j[0])
	fmt.Printf("in %d, out %d, parameters %d; J equal for equal windows: %v; dJ/dt entry %v\n",
		net.In(), net.Out(), net.Params().Count(), same, grad[net.In()-1])
	// Output:
	// in 193, out 1, parameters 147281; J equal for equal windows: true; dJ/dt entry 0
}

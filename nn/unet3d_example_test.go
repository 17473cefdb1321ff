package nn_test

import (
	"fmt"

	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/nn"
)

// Build WDNO's video U-Net for 3 channels of 6 frames of 8x8 and predict eps for one noisy video at
// t = 500: the prediction has the video's shape.
func ExampleNewUnet3D() {
	net, err := nn.NewUnet3D(nn.Unet3DConfig{Frames: 6, Height: 8, Width: 8, Channels: 3, Dim: 8, DimMults: []int{1, 2},
		Groups: 4, AttnHeads: 2, AttnDimHead: 4, InitKernel: 3}, tensor.Float32)
	if err != nil {
		panic(err)
	}
	net.Params().Init(1)
	fmt.Println("example shape [channels frames height width]:", net.Shape(), "values:", net.Dim())
	x := make([]float64, net.Dim())
	for i := range x {
		x[i] = float64(i%7)/7 - 0.5
	}
	eps := make([]float64, net.Dim())
	var pred diffusion.Network = nn.NewPredictor(net)
	if err := pred.Predict(eps, x, 500); err != nil {
		panic(err)
	}
	fmt.Println("prediction values:", len(eps))
	// Output:
	// example shape [channels frames height width]: [3 6 8 8] values: 1152
	// prediction values: 1152
}

package fromnn_test

import (
	"fmt"
	"log"

	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/gpu"
	"github.com/trajdiff/trajdiff/gpu/fromnn"
	"github.com/trajdiff/trajdiff/nn"
)

// EGTN reads GeoTDM's equivariant network into the arrays the device uploads, with nn's defaults filled in
// and the process's signal coefficient its learned prior mixes in; gpu.NewEGTNPredictor (or
// fromnn.NewPredictor, which picks it by architecture) then evaluates it with one condition row per example.
func ExampleEGTN() {
	net, err := nn.NewEGTN(nn.EGTNConfig{Nodes: 5, SpatialDim: 3, CondFrames: []int{0, 1, 2}, TargetFrames: []int{3, 4, 5},
		NodeFeatures: 1, EdgeFeatures: 1, Hidden: 32, Layers: 2}, tensor.Float32)
	if err != nil {
		log.Fatal(err)
	}
	net.Params().Init(1)
	process, err := diffusion.NewProcess("vp-cosine")
	if err != nil {
		log.Fatal(err)
	}
	m, err := fromnn.EGTN(net, gpu.Parameterization{Prediction: diffusion.PredEps, Process: process})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("prior", m.Prior, "time dim", m.TimeDim, "time scale", m.TimeScale, "dim", m.Dim(), "cond dim", m.CondDim())
	fmt.Println("tensors", len(m.Tensors), "supported", fromnn.Supported("egtn"))
	// Output:
	// prior learned time dim 32 time scale 1000 dim 45 cond dim 70
	// tensors 125 supported true
}

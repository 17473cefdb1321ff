package fromnn_test

import (
	"fmt"
	"log"

	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/gpu/fromnn"
	"github.com/trajdiff/trajdiff/nn"
)

// MLP reads an nn network into the arrays the device uploads; gpu.NewPredictor then evaluates it (a
// checkpoint: fromnn.Checkpoint, which adds its parameterization).
func ExampleMLP() {
	net, err := nn.NewMLP(nn.MLPConfig{Dim: 6, Hidden: []int{64, 64}, TimeDim: 16, Act: "silu"}, tensor.Float32)
	if err != nil {
		log.Fatal(err)
	}
	net.Params().Init(1)
	m, err := fromnn.MLP(net)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("input width", m.InputWidth(), "layers", m.Widths(), "activation", m.Act)
	u, err := fromnn.TemporalUnet(mustUnet())
	fmt.Println("temporal_unet tensors", len(u.Tensors), err)
	// Output:
	// input width 22 layers [64 64 6] activation silu
	// temporal_unet tensors 100 <nil>
}

func mustUnet() nn.Net {
	u, err := nn.NewTemporalUnet(nn.TemporalUnetConfig{Horizon: 8, Transition: 2, Dim: 8, DimMults: []int{1, 2}, Groups: 4}, tensor.Float32)
	if err != nil {
		log.Fatal(err)
	}
	return u
}

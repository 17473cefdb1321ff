package fromnn_test

import (
	"fmt"
	"log"

	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/gpu/fromnn"
	"github.com/trajdiff/trajdiff/nn"
)

// Transformer reads nn's 1-D DiT into the arrays the device uploads, with nn's defaults filled in;
// gpu.NewTransformerPredictor (or fromnn.NewPredictor, which picks it by architecture) then evaluates it.
func ExampleTransformer() {
	net, err := nn.NewTransformer(nn.TransformerConfig{Length: 32, Channels: 6, Width: 64, Depth: 3, Heads: 4, CondDim: 2, Causal: true}, tensor.Float32)
	if err != nil {
		log.Fatal(err)
	}
	net.Params().Init(1)
	m, err := fromnn.Transformer(net)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("width", m.Width, "hidden", m.Hidden, "time dim", m.TimeDim, "heads of", m.Width/m.Heads, "causal", m.Causal)
	fmt.Println("tensors", len(m.Tensors), "supported", fromnn.Supported("transformer"))
	// Output:
	// width 64 hidden 256 time dim 64 heads of 16 causal true
	// tensors 43 supported true
}

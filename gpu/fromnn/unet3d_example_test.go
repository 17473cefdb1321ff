package fromnn_test

import (
	"fmt"
	"log"

	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/gpu/fromnn"
	"github.com/trajdiff/trajdiff/nn"
)

// Unet3D reads WDNO's smoke denoiser (nn's unet3d) into the arrays the device uploads, with nn's defaults
// filled in (heads of 32 in time and space, groups 8, every attention on); gpu.NewUnet3DPredictor (or
// fromnn.NewPredictor, which picks it by architecture) then evaluates it on videos [B, C, F, H, W].
func ExampleUnet3D() {
	net, err := nn.NewUnet3D(nn.Unet3DConfig{Frames: 8, Height: 16, Width: 16, Channels: 2, Dim: 16, DimMults: []int{1, 2}}, tensor.Float32)
	if err != nil {
		log.Fatal(err)
	}
	net.Params().Init(1)
	u, err := fromnn.Unet3D(net)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("heads", u.AttnHeads, "of", u.AttnDimHead, "spatial", u.SpatialDimHead, "groups", u.Groups, "init kernel", u.InitKernel)
	fmt.Println("tensors", len(u.Tensors), "supported", fromnn.Supported("unet3d"))
	// Output:
	// heads 4 of 32 spatial 32 groups 8 init kernel 7
	// tensors 172 supported true
}

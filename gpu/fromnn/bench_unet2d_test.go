package fromnn

import (
	"testing"

	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/nn"
)

// unet2dBenchConfig is the 2-D U-Net of the forward timings: WDNO's layout (one GroupNorm group, linear
// attention at every resolution, 4 heads of 32) on 2-channel 16 x 16 images with three resolutions of width
// 32, 64, 128.
var unet2dBenchConfig = nn.Unet2DConfig{Height: 16, Width: 16, Channels: 2, Dim: 32, DimMults: []int{1, 2, 4}}

// unet2dBenchBatches are the images per forward pass of the timings.
var unet2dBenchBatches = []int{1, 8}

func newBenchUnet2D(b testing.TB) *nn.Unet2D {
	net, err := nn.NewUnet2D(unet2dBenchConfig, tensor.Float32)
	if err != nil {
		b.Fatal(err)
	}
	net.Params().Init(1)
	return net
}

// BenchmarkUnet2DForwardCPU is nn's float32 CPU predictor on unet2dBenchConfig, the reference of
// BenchmarkUnet2DForwardGPU: images per second.
func BenchmarkUnet2DForwardCPU(b *testing.B) {
	benchForwardCPU(b, newBenchUnet2D(b), unet2dBenchBatches, "images")
}

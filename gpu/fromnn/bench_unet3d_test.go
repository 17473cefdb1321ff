package fromnn

import (
	"testing"

	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/nn"
)

// unet3dBenchConfig is the 3-D U-Net of the forward timings: WDNO's smoke layout (every attention on, 4
// heads of 32, groups 8, 7^3 initial convolution) on 2-channel videos of 8 frames of 16 x 16 with three
// resolutions of width 16, 32, 64.
var unet3dBenchConfig = nn.Unet3DConfig{Frames: 8, Height: 16, Width: 16, Channels: 2, Dim: 16, DimMults: []int{1, 2, 4}}

// unet3dBenchBatches are the videos per forward pass of the timings.
var unet3dBenchBatches = []int{1, 4}

func newBenchUnet3D(b testing.TB) *nn.Unet3D {
	net, err := nn.NewUnet3D(unet3dBenchConfig, tensor.Float32)
	if err != nil {
		b.Fatal(err)
	}
	net.Params().Init(1)
	return net
}

// BenchmarkUnet3DForwardCPU is nn's float32 CPU predictor on unet3dBenchConfig, the reference of
// BenchmarkUnet3DForwardGPU: videos per second.
func BenchmarkUnet3DForwardCPU(b *testing.B) {
	benchForwardCPU(b, newBenchUnet3D(b), unet3dBenchBatches, "videos")
}

//go:build trajdiff_cuda

package fromnn

import "testing"

// BenchmarkUnet2DForwardGPU is BenchmarkUnet2DForwardCPU's network on the device: one forward pass (with the
// conversion to x0) per iteration, waited for, images per second. On gpu/cudaemu the numbers mean nothing.
func BenchmarkUnet2DForwardGPU(b *testing.B) {
	benchForwardGPU(b, newBenchUnet2D(b), unet2dBenchBatches, "images")
}

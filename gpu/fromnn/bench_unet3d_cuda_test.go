//go:build trajdiff_cuda

package fromnn

import "testing"

// BenchmarkUnet3DForwardGPU is BenchmarkUnet3DForwardCPU's network on the device: one forward pass (with the
// conversion to x0) per iteration, waited for, videos per second. On gpu/cudaemu the numbers mean nothing.
func BenchmarkUnet3DForwardGPU(b *testing.B) {
	benchForwardGPU(b, newBenchUnet3D(b), unet3dBenchBatches, "videos")
}

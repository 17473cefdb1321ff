//go:build trajdiff_cuda

package fromnn

import (
	"testing"

	"github.com/trajdiff/trajdiff/gpu"
)

// BenchmarkUnet2DForwardGPU is BenchmarkUnet2DForwardCPU's network on the device: one forward pass (with the
// conversion to x0) per iteration, waited for, images per second. On gpu/cudaemu the numbers mean nothing.
func BenchmarkUnet2DForwardGPU(b *testing.B) {
	benchForwardGPU(b, newBenchUnet2D(b), unet2dBenchBatches, "images")
}

// BenchmarkUnet2DForwardGPUTF32 is BenchmarkUnet2DForwardGPU with the convolutions and Linear layers on the
// tensor cores (Precision TF32, tile_tf32.cuh).
func BenchmarkUnet2DForwardGPUTF32(b *testing.B) {
	benchForwardGPUIn(b, newBenchUnet2D(b), unet2dBenchBatches, "images", gpu.TF32)
}

// BenchmarkUnet2DForwardGPUBF16 is BenchmarkUnet2DForwardGPUTF32 with bfloat16 operands (Precision BFloat16,
// tile_bf16.cuh).
func BenchmarkUnet2DForwardGPUBF16(b *testing.B) {
	benchForwardGPUIn(b, newBenchUnet2D(b), unet2dBenchBatches, "images", gpu.BFloat16)
}

//go:build trajdiff_cuda

package fromnn

import (
	"testing"

	"github.com/trajdiff/trajdiff/gpu"
)

// BenchmarkUnet3DForwardGPU is BenchmarkUnet3DForwardCPU's network on the device: one forward pass (with the
// conversion to x0) per iteration, waited for, videos per second. On gpu/cudaemu the numbers mean nothing.
func BenchmarkUnet3DForwardGPU(b *testing.B) {
	benchForwardGPU(b, newBenchUnet3D(b), unet3dBenchBatches, "videos")
}

// BenchmarkUnet3DForwardGPUTF32 is BenchmarkUnet3DForwardGPU with the convolutions and Linear layers on the
// tensor cores (Precision TF32, tile_tf32.cuh).
func BenchmarkUnet3DForwardGPUTF32(b *testing.B) {
	benchForwardGPUIn(b, newBenchUnet3D(b), unet3dBenchBatches, "videos", gpu.TF32)
}

// BenchmarkUnet3DForwardGPUBF16 is BenchmarkUnet3DForwardGPUTF32 with bfloat16 operands (Precision BFloat16,
// tile_bf16.cuh).
func BenchmarkUnet3DForwardGPUBF16(b *testing.B) {
	benchForwardGPUIn(b, newBenchUnet3D(b), unet3dBenchBatches, "videos", gpu.BFloat16)
}

//go:build trajdiff_cuda

package fromnn

import (
	"testing"

	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/gpu"
	"github.com/trajdiff/trajdiff/nn"
)

// BenchmarkTemporalUnetForwardGPU is the device forward pass of unetBenchConfig (Diffuser's maze2d
// TemporalUnet) in FP32, TF32 and BF16 (TF32, BF16: every convolution on the tensor cores) at benchBatches windows, next
// to BenchmarkTemporalUnetForwardCPU.
func BenchmarkTemporalUnetForwardGPU(b *testing.B) {
	net, err := nn.NewTemporalUnet(unetBenchConfig, tensor.Float32)
	if err != nil {
		b.Fatal(err)
	}
	net.Params().Init(1)
	for _, prec := range []gpu.Precision{gpu.FP32, gpu.TF32, gpu.BFloat16} {
		b.Run(prec.String(), func(b *testing.B) { benchForwardGPUIn(b, net, benchBatches, "windows", prec) })
	}
}

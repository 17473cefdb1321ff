//go:build trajdiff_cuda

package fromnn

import "testing"

// BenchmarkGuidedControlGPU is BenchmarkGuidedControlCPU's requests sampled on the device through one
// Sampler (the guide's buffers made and its step graphs captured in every call, the network kept): cases
// per second, the host's encoding and decoding included. On gpu/cudaemu the numbers mean nothing.
func BenchmarkGuidedControlGPU(b *testing.B) {
	m := burgersControlModel(b)
	s, err := NewSampler(SampleOptions{})
	if err != nil {
		b.Skipf("no device: %v", err)
	}
	defer s.Close()
	benchControl(b, m, deviceSampler(s))
}

//go:build trajdiff_cuda

package fromnn

import (
	"math"
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/train"
)

// TestGPUNetworkDenoiserIsTheRequestsNetwork: NetworkDenoiser gives a trained conditional MLP as a request
// evaluates it (its shared condition row and classifier-free guidance), so that the request's sampling
// problem with that network (train.SampleRequest.Network) denoises what the problem's CPU denoiser does, to the FP32 forward tolerance, for batches within and beyond its points; the same request gets the
// same network back, another condition a new one and the old one released; per-window conditions are
// refused, and nothing is handed out once the sampler is closed.
func TestGPUNetworkDenoiserIsTheRequestsNetwork(t *testing.T) {
	m := windowModel(t, func(c *train.Config) {
		conditionalMLP(c)
		c.Train.CondDropout = 0.3
	})
	s, err := NewSampler(SampleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	worst := 0.0
	for _, req := range []train.SampleRequest{
		{N: 1, Seed: 1, Fixed: ends(1, true), ClipX0: true},
		{N: 1, Seed: 2, Fixed: ends(1, true), Guidance: 1.7},
	} {
		net, err := s.NetworkDenoiser(m, req, 3)
		if err != nil {
			t.Fatal(err)
		}
		again, err := s.NetworkDenoiser(m, req, 2)
		if err != nil || again != net {
			t.Errorf("the same request got another network (%v)", err)
		}
		pr, err := m.SamplingProblem(req)
		if err != nil {
			t.Fatal(err)
		}
		onDevice := req
		onDevice.Network = net
		dev, err := m.SamplingProblem(onDevice)
		if err != nil {
			t.Fatal(err)
		}
		D := net.Dim()
		for _, n := range []int{2, 7} {
			x := randomInput(uint64(n), n*D)
			want, got := make([]float64, len(x)), make([]float64, len(x))
			for _, tt := range []float64{0.1, 0.7} {
				if err := pr.Denoiser.Denoise(want, x, tt); err != nil {
					t.Fatal(err)
				}
				if err := dev.Denoiser.Denoise(got, x, tt); err != nil {
					t.Fatal(err)
				}
				for i := range want {
					worst = math.Max(worst, math.Abs(got[i]-want[i]))
				}
			}
		}
	}
	t.Logf("NetworkDenoiser against the problem's CPU denoiser: worst |device - CPU| %.3g (tolerance %.0e)", worst, tolFP32)
	if !(worst <= tolFP32) {
		t.Errorf("worst |device - CPU| %.3g > %.0e", worst, tolFP32)
	}
	a := train.SampleRequest{N: 1, Seed: 3, Fixed: ends(1, true)}
	old, err := s.NetworkDenoiser(m, a, 2)
	if err != nil {
		t.Fatal(err)
	}
	b := a
	b.Fixed = ends(1, false)
	if _, err := s.NetworkDenoiser(m, b, 2); err != nil {
		t.Fatal(err)
	}
	x := make([]float64, old.Dim())
	if err := old.Denoise(x, x, 0.5); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("the previous condition's network still denoises after another condition's was made: %v", err)
	}
	if _, err := s.NetworkDenoiser(m, train.SampleRequest{N: 2, Seed: 1, Fixed: ends(2, true)}, 2); err == nil || !strings.Contains(err.Error(), "different conditions") {
		t.Errorf("per-window conditions: %v", err)
	}
	s.Close()
	if _, err := s.NetworkDenoiser(m, a, 2); err == nil {
		t.Error("a closed sampler handed out a network")
	}
}

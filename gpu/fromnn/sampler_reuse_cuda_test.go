//go:build trajdiff_cuda

package fromnn

import (
	"context"
	"math"
	"testing"

	"github.com/trajdiff/trajdiff/gpu"
	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/train"
)

// shifted is fixed entries f with every value moved by dv.
func shifted(f []train.Fixed, dv float64) []train.Fixed {
	out := make([]train.Fixed, len(f))
	for i, e := range f {
		out[i] = train.Fixed{WindowEntry: e.WindowEntry, Values: make([]float64, len(e.Values))}
		for j, v := range e.Values {
			out[i].Values[j] = v + dv
		}
	}
	return out
}

// TestGPUSamplerReusesTheNetworkAndGraphsBitForBit: a Sampler keeps the uploaded network, the executor with
// its captured step graphs and the fixed entries' buffer from request to request, and what it draws is bit
// for bit what a fresh Sample call draws: for the same shape with other fixed values (everything kept, the
// new values copied into the kept buffer), for more windows (network and executor made again), for another
// plan on the same windows (network kept, executor made again), for shared instead of per-window values,
// and back to the first request. A conditional network whose condition values change is uploaded again (its
// condition lives with its weights), and still matches Sample.
func TestGPUSamplerReusesTheNetworkAndGraphsBitForBit(t *testing.T) {
	unet := windowModel(t, func(c *train.Config) {
		c.Network = nn.Spec{Arch: "temporal_unet", TemporalUnet: &nn.TemporalUnetConfig{Horizon: 8, Transition: 3, Dim: 8, DimMults: []int{1, 2}, Groups: 4}}
		c.Data.Inpaint = []string{"0:1", "-1:1"}
		c.Data.Normalizer = "gaussian"
		c.Objective.Prediction = "x0"
		c.Train.Steps = 10
	})
	mlp := windowModel(t, conditionalMLP)
	s, err := NewSampler(SampleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	type kept struct {
		p *gpu.Predictor
		e *gpu.Executor
		i *gpu.Inpaint
	}
	// reuse says which of the network, the executor and the fixed entries' buffer the request finds kept.
	type reuse [3]bool
	cases := []struct {
		name  string
		m     *train.Model
		req   train.SampleRequest
		reuse reuse
	}{
		{"first request", unet, train.SampleRequest{N: 2, Seed: 1, Fixed: ends(2, true)}, reuse{}},
		{"same shape, other values", unet, train.SampleRequest{N: 2, Seed: 2, Fixed: shifted(ends(2, true), 0.3), ClipX0: true}, reuse{true, true, true}},
		{"more windows", unet, train.SampleRequest{N: 3, Seed: 3, Fixed: ends(3, true)}, reuse{}},
		{"another plan", unet, train.SampleRequest{N: 3, Seed: 3, Solver: "ddim", Steps: 4, Fixed: ends(3, true)}, reuse{true, false, true}},
		{"shared values", unet, train.SampleRequest{N: 3, Seed: 4, Solver: "ddim", Steps: 4, Fixed: ends(3, false)}, reuse{true, true, true}},
		{"first request again", unet, train.SampleRequest{N: 2, Seed: 1, Fixed: ends(2, true)}, reuse{}},
		// Another checkpoint on the same windows and plan: its own network, the executor (its graphs captured
		// again) and the buffer of the same fixed entries kept.
		{"conditional network", mlp, train.SampleRequest{N: 2, Seed: 5, Fixed: ends(2, true)}, reuse{false, true, true}},
		{"other condition values", mlp, train.SampleRequest{N: 2, Seed: 5, Fixed: shifted(ends(2, true), 0.2)}, reuse{false, true, true}},
		{"same condition values", mlp, train.SampleRequest{N: 2, Seed: 6, Fixed: shifted(ends(2, true), 0.2)}, reuse{true, true, true}},
	}
	var prev kept
	var first []float64
	for i, c := range cases {
		got, err := s.Sample(ctx, c.m, c.req)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		now := kept{s.kept.p, s.kept.e, s.kept.in}
		if now.p == nil || now.e == nil || now.i == nil || s.kept.e.CapturedNodes() == nil {
			t.Fatalf("%s: the sampler kept %+v and no graphs", c.name, now)
		}
		if r := (reuse{now.p == prev.p, now.e == prev.e, now.i == prev.i}); r != c.reuse {
			t.Errorf("%s: network, executor, fixed entries reused %v, want %v", c.name, r, c.reuse)
		}
		prev = now
		want, _, err := Sample(ctx, c.m, c.req, SampleOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got.X) != len(want.X) {
			t.Fatalf("%s: %d values from the sampler, %d from Sample", c.name, len(got.X), len(want.X))
		}
		for k := range want.X {
			if math.Float64bits(got.X[k]) != math.Float64bits(want.X[k]) {
				t.Fatalf("%s: value %d is %v from the sampler, %v from Sample", c.name, k, got.X[k], want.X[k])
			}
		}
		switch i {
		case 0:
			first = got.X
		case 1:
			if same(first, got.X) {
				t.Fatalf("%s: the same samples as the first request; the check cannot see kept values", c.name)
			}
		case 5:
			if !same(first, got.X) {
				t.Errorf("%s: differs from the first run of the same request", c.name)
			}
		}
	}
	if err := s.Forget(); err != nil {
		t.Fatal(err)
	}
	if s.kept.p != nil || s.kept.e != nil || s.kept.in != nil {
		t.Error("Forget kept device state")
	}
}

// same reports whether a and b hold the same values bit for bit.
func same(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

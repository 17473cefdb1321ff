//go:build trajdiff_cuda

package fromnn

import (
	"context"
	"math"
	"testing"

	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/train"
)

// TestGPUGoalConditionedSamplingMatchesModelSample: a TemporalUnet conditioned as the goal-conditioned
// Decision Diffuser is, on three episode-derived values (a goal-relative return and a 2-D goal:
// "info:goal_return:0", "info:goal:0", "info:goal:1"), samples on the device what train.Model.Sample draws
// on the CPU, to the FP32 sampler tolerance: one value vector per window, one shared by all windows, with
// classifier-free guidance, and from a warm start. The values change the CPU samples, so the comparison
// would see a device that dropped or misplaced them.
func TestGPUGoalConditionedSamplingMatchesModelSample(t *testing.T) {
	m := windowModel(t, func(c *train.Config) {
		c.Network = nn.Spec{Arch: "temporal_unet", TemporalUnet: &nn.TemporalUnetConfig{Horizon: 8, Transition: 3, Dim: 8, DimMults: []int{1, 2}, Groups: 4, CondDim: 3}}
		c.Data.Condition = []string{"info:goal_return:0", "info:goal:0", "info:goal:1"}
		c.Data.Normalizer = "gaussian"
		c.Objective.Prediction = "eps"
		c.Train.CondDropout = 0.25
		c.Train.Steps = 10
	})
	if items := m.CondValueItems(); len(items) != 3 {
		t.Fatalf("condition items %v, want the return and the two goal coordinates", items)
	}
	perWindow := [][]float64{{4, 0, 2}, {2.5, 3, 0.5}, {6, 5, -0.5}}
	shared := [][]float64{{5, 1, 1.5}}
	ctx := context.Background()
	prev, err := m.Sample(ctx, train.SampleRequest{N: 3, Seed: 40, Fixed: ends(3, true), CondValues: perWindow})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		req  train.SampleRequest
	}{
		{"a value vector per window", train.SampleRequest{N: 3, Seed: 41, Fixed: ends(3, true), CondValues: perWindow}},
		{"one shared vector, guidance 2", train.SampleRequest{N: 3, Seed: 42, Fixed: ends(3, true), CondValues: shared, Guidance: 2}},
		{"a vector per window, guidance 1.4, ddpm", train.SampleRequest{N: 3, Seed: 43, Fixed: ends(3, true), CondValues: perWindow, Guidance: 1.4, Solver: "ddpm", Steps: 4}},
		{"a vector per window, warm start", train.SampleRequest{N: 3, Seed: 44, Fixed: ends(3, true), CondValues: perWindow, Init: prev.X, StartTime: 0.4, Steps: 3}},
	}
	worstRel, worstMax := 0.0, 0.0
	for _, c := range cases {
		want, err := m.Sample(ctx, c.req)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		got, _, err := Sample(ctx, m, c.req, SampleOptions{})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		rel, mx := compareSamples(t, c.name, m, c.req, got, want)
		worstRel, worstMax = math.Max(worstRel, rel), math.Max(worstMax, mx)
		// Other values give other samples on the CPU: the comparison is not blind to them.
		other := c.req
		other.CondValues = [][]float64{{0, 6, -1}}
		requireCPUSamplesMove(t, m, other, want, c.name+": other condition values")
	}
	t.Logf("worst over the runs: rel RMS %.2e, max %.2e", worstRel, worstMax)
}

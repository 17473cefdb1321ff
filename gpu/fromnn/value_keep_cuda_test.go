//go:build cuda || trajdiff_cuda

package fromnn

import (
	"context"
	"math"
	"testing"

	"github.com/trajdiff/trajdiff/train"
)

// TestGPUSamplerKeepsTheValueGuideAndReplaysItsGraphs: a Sampler keeps the value guide (MLP and U-Net value
// models) with the step graphs captured with it: a second guided request of the same shape and guide but
// other fixed values and seed replays the graphs (the executor captures no more) and draws bit for bit what
// a fresh sampler draws; another guidance scale makes a new guide and captures again; an unguided request
// releases the guide. Every request matches the fresh sampler's bit for bit.
func TestGPUSamplerKeepsTheValueGuideAndReplaysItsGraphs(t *testing.T) {
	m := windowModel(t, nil)
	fixed := make([]bool, 24)
	for i := range 3 {
		fixed[i] = true
	}
	ctx := context.Background()
	for _, v := range []struct {
		name  string
		model *train.Model
		scale float64
	}{{"mlp", valueModel(t, "mish"), 40}, {"temporal_value", unetValueModel(t), 1e4}} {
		s := newSampler(t)
		g := ValueGuide{Model: v.model, Scale: v.scale, Steps: 2, StopGradBelow: 0.02, Fixed: fixed}
		other := g
		other.Scale *= 0.5
		cases := []struct {
			name    string
			req     train.SampleRequest
			g       *ValueGuide
			kept    bool // the previous request's guide is reused
			capture bool // the executor captures its graphs again
		}{
			{"first guided request", train.SampleRequest{N: 3, Seed: 4, Fixed: ends(3, true), ClipX0: true}, &g, false, true},
			{"same guide, other values", train.SampleRequest{N: 3, Seed: 5, Fixed: shifted(ends(3, true), 0.2), ClipX0: true}, &g, true, false},
			{"same guide again", train.SampleRequest{N: 3, Seed: 6, Fixed: shifted(ends(3, true), -0.1), ClipX0: true}, &g, true, false},
			{"another scale", train.SampleRequest{N: 3, Seed: 6, Fixed: ends(3, true), ClipX0: true}, &other, false, true},
			{"unguided", train.SampleRequest{N: 3, Seed: 6, Fixed: ends(3, true), ClipX0: true}, nil, false, true},
		}
		captures := 0
		var prev any
		var first []float64
		for i, c := range cases {
			var got, want *train.Samples
			var err error
			fresh := newSampler(t)
			if c.g != nil {
				got, err = s.SampleGuided(ctx, m, c.req, *c.g)
				if err == nil {
					want, err = fresh.SampleGuided(ctx, m, c.req, *c.g)
				}
			} else {
				got, err = s.Sample(ctx, m, c.req)
				if err == nil {
					want, err = fresh.Sample(ctx, m, c.req)
				}
			}
			if err != nil {
				t.Fatalf("%s %s: %v", v.name, c.name, err)
			}
			fresh.Close()
			now := s.kept.e.Captures()
			if kept := s.kept.value != nil && any(s.kept.value) == prev; kept != c.kept || (now > captures) != c.capture {
				t.Errorf("%s %s: guide kept %v (want %v), graphs captured %d -> %d (want a capture: %v)", v.name, c.name, kept, c.kept, captures, now, c.capture)
			}
			if (s.kept.value != nil) != (c.g != nil) {
				t.Errorf("%s %s: the sampler keeps a value guide: %v", v.name, c.name, s.kept.value != nil)
			}
			captures, prev = now, any(s.kept.value)
			for k := range want.X {
				if math.Float64bits(got.X[k]) != math.Float64bits(want.X[k]) {
					t.Fatalf("%s %s: value %d is %v from the kept sampler, %v from a fresh one", v.name, c.name, k, got.X[k], want.X[k])
				}
			}
			if i == 0 {
				first = got.X
			} else if i == 1 && same(first, got.X) {
				t.Fatalf("%s: the second request drew the first's samples; the check cannot see kept values", v.name)
			}
		}
		t.Logf("%s: %d graph captures over %d requests", v.name, captures, len(cases))
	}
}

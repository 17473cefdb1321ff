package train

import (
	"math"
	"testing"

	"github.com/trajdiff/trajdiff/diffusion"
)

// A vp-discrete chain of 100 steps has GeoTDM's rescaled betas: beta_1 = 1e-4 * 1000/100 = 1e-3 and
// beta_100 = 0.2; the default remains DDPM's 1000-step chain from 1e-4.
func TestObjectiveStepsRescaleTheDiscreteChain(t *testing.T) {
	beta := func(p *diffusion.VPDiscrete, k int) float64 {
		a, b := p.Alpha(p.TimeOfIndex(k)), 1.0
		if k > 0 {
			b = p.Alpha(p.TimeOfIndex(k - 1))
		}
		return 1 - (a/b)*(a/b)
	}
	for _, tc := range []struct {
		steps       int
		n           int
		first, last float64
	}{{100, 100, 1e-3, 0.2}, {0, 1000, 1e-4, 0.02}, {1000, 1000, 1e-4, 0.02}} {
		_, p, err := ObjectiveConfig{Process: "vp-discrete", Time: "discrete", Steps: tc.steps}.Build()
		if err != nil {
			t.Fatal(err)
		}
		vd := p.(*diffusion.VPDiscrete)
		if vd.N != tc.n {
			t.Errorf("steps %d: chain of %d steps, want %d", tc.steps, vd.N, tc.n)
		}
		if b := beta(vd, 0); math.Abs(b-tc.first) > 1e-12 {
			t.Errorf("steps %d: beta_1 = %v, want %v", tc.steps, b, tc.first)
		}
		if b := beta(vd, vd.N-1); math.Abs(b-tc.last) > 1e-9 {
			t.Errorf("steps %d: beta_T = %v, want %v", tc.steps, b, tc.last)
		}
	}
}

// Steps belong to the discrete chain only: another process with steps is an error, not a silent no-op.
func TestObjectiveStepsNeedTheDiscreteChain(t *testing.T) {
	for _, c := range []ObjectiveConfig{{Process: "vp-cosine", Steps: 100}, {Process: "vp-discrete", Steps: -3}} {
		if _, _, err := c.Build(); err == nil {
			t.Errorf("%+v: no error", c)
		}
	}
}

// The interpolant process takes its base noise and latent amplitude from the objective (an explicit latent
// 0 is kept, not replaced by the default); other processes refuse them.
func TestObjectiveConfiguresTheInterpolantProcess(t *testing.T) {
	zero := 0.0
	for _, tc := range []struct {
		c            ObjectiveConfig
		base, latent float64
	}{
		{ObjectiveConfig{Process: "interpolant"}, 0.1, 1},
		{ObjectiveConfig{Process: "interpolant", InterpolantBase: 0.25, InterpolantLatent: &zero}, 0.25, 0},
	} {
		_, p, err := tc.c.Build()
		if err != nil {
			t.Fatal(err)
		}
		ip := p.(*diffusion.InterpolantProcess)
		if ip.Base != tc.base || ip.Latent != tc.latent {
			t.Errorf("%+v: base %v latent %v, want %v %v", tc.c, ip.Base, ip.Latent, tc.base, tc.latent)
		}
	}
	neg := -1.0
	for _, c := range []ObjectiveConfig{
		{Process: "vp-cosine", InterpolantBase: 0.2},
		{Process: "flow", InterpolantLatent: &zero},
		{Process: "interpolant", InterpolantBase: -0.1},
		{Process: "interpolant", InterpolantLatent: &neg},
		{Process: "interpolant", Steps: 10},
	} {
		if _, _, err := c.Build(); err == nil {
			t.Errorf("%+v: no error", c)
		}
	}
}

package wdno

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/train"
	"github.com/trajdiff/trajdiff/wavelet"
)

// gradientFromGuidance is dJ/dx of one image computed only from DeviceGuidance's numbers, the recipe a device
// follows (gpu.WaveletControlGuide): the band blocks times their scales into a level-1 Plan's packed array,
// Inverse, the first Frames x Cells values as the field, the objective's gradient there (zero on the
// reconstruction's extra frame), InverseAdjoint, the bands times their scales back into the image.
func gradientFromGuidance(t *testing.T, g *DeviceGuidance, j int, x []float64) []float64 {
	t.Helper()
	p, err := wavelet.NewPlan[float64]([]int{g.Frames, g.Cells}, g.Wavelet, g.Mode.String(), 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	lay := p.Layout()
	blocks := []wavelet.Block{lay.Approx, lay.Details[0]["da"], lay.Details[0]["ad"], lay.Details[0]["dd"]}
	pw := lay.Shape[1]
	N := g.Cells * g.State
	gx := make([]float64, len(x))
	for k := range g.State + g.Control {
		packed := make([]float64, lay.Shape[0]*pw)
		for b, blk := range blocks {
			ch := 4*k + b
			for r := range g.BandH {
				for q := range g.BandW {
					packed[(blk.Start[0]+r)*pw+blk.Start[1]+q] = x[(ch*g.Height+r)*g.Width+q] * g.Scales[ch]
				}
			}
		}
		rec, err := p.Inverse(packed)
		if err != nil {
			t.Fatal(err)
		}
		grec := make([]float64, len(rec))
		for i := range g.Frames * g.Cells {
			switch frame, cell := i/g.Cells, i%g.Cells; {
			case k >= g.State:
				grec[i] = 2 * g.Energy * rec[i]
			case frame == g.Frames-1:
				grec[i] = 2 * (rec[i] - g.Targets[j][cell*g.State+k]) / float64(N)
			case frame == 0:
				grec[i] = 2 * (rec[i] - g.U0s[j][cell*g.State+k]) / float64(N)
			}
		}
		gp, err := p.InverseAdjoint(grec)
		if err != nil {
			t.Fatal(err)
		}
		for b, blk := range blocks {
			ch := 4*k + b
			for r := range g.BandH {
				for q := range g.BandW {
					gx[(ch*g.Height+r)*g.Width+q] = gp[(blk.Start[0]+r)*pw+blk.Start[1]+q] * g.Scales[ch]
				}
			}
		}
	}
	return gx
}

// randomlyScaledLayout is the layout of c (its defaults filled in) with every channel's scale drawn from
// [0.5, 1.5), so that a gradient that drops or misplaces a scale shows.
func randomlyScaledLayout(t *testing.T, c LayoutConfig, rng *rand.Rand) Layout {
	t.Helper()
	base, err := NewLayout(c)
	if err != nil {
		t.Fatal(err)
	}
	c = base.Config()
	c.Scales = make([]float64, len(c.Scales))
	for k := range c.Scales {
		c.Scales[k] = 0.5 + rng.Float64()
	}
	l, err := NewLayout(c)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// recipeGap compares a device recipe's gradient with the CPU guide's (guide.gradient, objective obj on l)
// for image 1 at a random normal x drawn from rng: the largest |recipe - guide| and the largest |guide|.
func recipeGap(t *testing.T, l Layout, obj objective, rng *rand.Rand, recipe func(x []float64) []float64) (worst, scale float64) {
	t.Helper()
	x := make([]float64, l.Dim())
	for k := range x {
		x[k] = rng.NormFloat64()
	}
	cpu := &guide{layout: l, obj: obj}
	if err := cpu.gradient(1, x); err != nil {
		t.Fatal(err)
	}
	got := recipe(x)
	for k, v := range cpu.gx {
		worst = math.Max(worst, math.Abs(got[k]-v))
		scale = math.Max(scale, math.Abs(v))
	}
	return worst, scale
}

// checkGuidanceStep checks a device guidance's Step against guide.correct's step size for the weight w,
// sigma(t)/alpha(t) w beta(t), at three times.
func checkGuidanceStep(t *testing.T, step func(float64) float64, p diffusion.Process, w float64) {
	t.Helper()
	for _, tt := range []float64{0.1, 0.5, 0.9} {
		want := p.Sigma(tt) / p.Alpha(tt) * w * stepBeta(p, tt)
		if got := step(tt); math.Abs(got-want) > 1e-12*math.Abs(want) {
			t.Errorf("step at %v: %v, want %v", tt, got, want)
		}
	}
}

// TestDeviceGuidanceReproducesTheGuideGradient: a device that follows DeviceGuidance's numbers computes the
// CPU guide's gradient (Decode, controlObjective.grad, DecodeAdjoint) to float64 rounding, for Burgers'
// layout (one state, one control; an odd number of frames, so periodization's extra frame is dropped) and
// for two state channels in mode zero.
func TestDeviceGuidanceReproducesTheGuideGradient(t *testing.T) {
	two := 1
	for i, c := range []LayoutConfig{
		{Frames: 41, Cells: 60},
		{Frames: 9, Cells: 14, State: 2, Control: &two, Wavelet: "bior1.3", Mode: "zero"},
	} {
		rng := rand.New(rand.NewPCG(uint64(i), 5))
		l := randomlyScaledLayout(t, c, rng)
		c = l.Config()
		g, err := l.(*waveletLayout).deviceGuidance()
		if err != nil {
			t.Fatal(err)
		}
		N := c.Cells * c.State
		u0, target := make([]float64, N), make([]float64, N)
		for k := range u0 {
			u0[k], target[k] = rng.NormFloat64(), rng.NormFloat64()
		}
		g.U0s, g.Targets, g.Energy = [][]float64{nil, u0}, [][]float64{nil, target}, 0.3
		obj := controlObjective{u0s: g.U0s, targets: g.Targets, energy: g.Energy, cells: N}
		worst, scale := recipeGap(t, l, obj, rng, func(x []float64) []float64 { return gradientFromGuidance(t, g, 1, x) })
		if !(worst <= 1e-12*scale) || scale == 0 {
			t.Errorf("%+v: max |recipe - guide| %.3g of a largest gradient %.3g", c, worst, scale)
		}
	}
}

// TestModelDeviceGuidance: the guidance carries the request's cases, the default energy weight and
// guide.correct's step; there is none without guidance or outside control, and the physical layout has none.
func TestModelDeviceGuidance(t *testing.T) {
	l, err := NewLayout(LayoutConfig{Frames: 9, Cells: 12})
	if err != nil {
		t.Fatal(err)
	}
	p := diffusion.NewVPCosine()
	m := &Model{Layout: l, Task: Control, Checkpoint: &train.Checkpoint{Process: p}}
	cs := Case{U0: make([]float64, 12), Target: make([]float64, 12)}
	cs.Target[3] = 0.5
	req := Request{Cases: []Case{cs, cs}}
	g, err := m.DeviceGuidance(req)
	if err != nil {
		t.Fatal(err)
	}
	if g.Cases != 2 || len(g.U0s) != 2 || g.Targets[1][3] != 0.5 || g.Energy != 2e-5 || g.Wavelet != "bior2.4" || g.Mode != wavelet.ModePeriodization {
		t.Errorf("guidance %+v", g)
	}
	checkGuidanceStep(t, g.Step, p, defaultGuidance)
	zero := 0.0
	if g, err := m.DeviceGuidance(Request{Cases: req.Cases, Guidance: &zero}); g != nil || err != nil {
		t.Errorf("weight 0 gave %v, %v", g, err)
	}
	phys, err := NewLayout(LayoutConfig{Space: SpacePhysical, Frames: 9, Cells: 12})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (&Model{Layout: phys, Task: Control, Checkpoint: m.Checkpoint}).DeviceGuidance(req); err == nil {
		t.Error("the physical layout was given device guidance")
	}
}

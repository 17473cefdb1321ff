package wdno

import (
	"math/rand/v2"
	"testing"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/train"
	"github.com/trajdiff/trajdiff/wavelet"
)

// smokeGradientFromGuidance is dJ/dx of one image computed only from DeviceSmokeGuidance's numbers, the
// recipe a device follows (gpu.SmokeControlGuide): the density's band blocks (channels 0..7, pywt's order)
// times their scales into a 3-D Plan's packed array, Inverse, frame 0's cells as d(0), the misfit's gradient
// there, InverseAdjoint, the bands times their scales back into the image, plus Linear.
func smokeGradientFromGuidance(t *testing.T, g *DeviceSmokeGuidance, j int, x []float64) []float64 {
	t.Helper()
	p, err := wavelet.NewPlan[float64]([]int{g.Frames, g.GridX, g.GridY}, g.Wavelet, g.Mode.String(), 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	lay := p.Layout()
	blocks := []wavelet.Block{lay.Approx}
	for _, k := range bandKeys(3)[1:] {
		blocks = append(blocks, lay.Details[0][k])
	}
	ps, rs := lay.Shape, p.ReconstructionShape()
	at := func(ch, t, r, q int) int { return ((ch*g.ImageFrames+t)*g.Height+r)*g.Width + q }
	packed := make([]float64, ps[0]*ps[1]*ps[2])
	for b, blk := range blocks {
		for t := range g.BandT {
			for r := range g.BandX {
				for q := range g.BandY {
					packed[((blk.Start[0]+t)*ps[1]+blk.Start[1]+r)*ps[2]+blk.Start[2]+q] = x[at(b, t, r, q)] * g.Scales[b]
				}
			}
		}
	}
	rec, err := p.Inverse(packed)
	if err != nil {
		t.Fatal(err)
	}
	grec := make([]float64, len(rec))
	C := float64(g.GridX * g.GridY)
	for r := range g.GridX {
		for q := range g.GridY {
			grec[r*rs[2]+q] = 2 * g.D0Weight * (rec[r*rs[2]+q] - g.D0s[j][r*g.GridY+q]) / C
		}
	}
	gp, err := p.InverseAdjoint(grec)
	if err != nil {
		t.Fatal(err)
	}
	gx := append([]float64(nil), g.Linear...)
	for b, blk := range blocks {
		for t := range g.BandT {
			for r := range g.BandX {
				for q := range g.BandY {
					gx[at(b, t, r, q)] += gp[((blk.Start[0]+t)*ps[1]+blk.Start[1]+r)*ps[2]+blk.Start[2]+q] * g.Scales[b]
				}
			}
		}
	}
	return gx
}

// TestDeviceSmokeGuidanceReproducesTheGuideGradient: a device that follows DeviceSmokeGuidance's numbers
// computes the CPU guide's gradient (Decode, smokeObjective.grad, DecodeAdjoint) to float64 rounding, on the
// smoke wavelet layouts of 8 frames of 8 x 8 cells and 6 frames of 6 x 6 (odd band counts), random scales.
func TestDeviceSmokeGuidanceReproducesTheGuideGradient(t *testing.T) {
	for i, c := range []LayoutConfig{smokeConfig(SpaceWavelet, 8, 8), smokeConfig(SpaceWavelet, 6, 6)} {
		rng := rand.New(rand.NewPCG(uint64(i), 9))
		l := randomlyScaledLayout(t, c, rng)
		c = l.Config()
		obj := smokeObjective{d0s: [][]float64{nil, make([]float64, c.Cells)}, cells: c.Cells, frames: c.Frames}
		for k := range obj.d0s[1] {
			obj.d0s[1][k] = rng.Float64()
		}
		g, err := l.(*smokeWaveletLayout).deviceGuidance(obj)
		if err != nil {
			t.Fatal(err)
		}
		g.D0s = obj.d0s
		worst, scale := recipeGap(t, l, obj, rng, func(x []float64) []float64 { return smokeGradientFromGuidance(t, g, 1, x) })
		if !(worst <= 1e-12*scale) || scale == 0 {
			t.Errorf("%d frames of %v: max |recipe - guide| %.3g of a largest gradient %.3g", c.Frames, c.Grid, worst, scale)
		}
	}
}

// TestModelDeviceSmokeGuidance: the smoke guidance carries the request's cases (their initial densities),
// the misfit weight and guide.correct's step; there is none with weight 0; the physical smoke layout has
// none and does not guide on the device, the smoke wavelet layout does.
func TestModelDeviceSmokeGuidance(t *testing.T) {
	c := smokeConfig(SpaceWavelet, 8, 8)
	l, err := NewLayout(c)
	if err != nil {
		t.Fatal(err)
	}
	p := diffusion.NewVPCosine()
	m := &Model{Layout: l, Task: Control, Checkpoint: &train.Checkpoint{Process: p}}
	rng := rand.New(rand.NewPCG(3, 4))
	u, _ := randomSmokeFields(rng, l.Config())
	req := Request{Cases: []Case{{U0: u[:c.Cells*smokeState], Target: u[len(u)-c.Cells*smokeState:]}}}
	g, err := m.DeviceSmokeGuidance(req)
	if err != nil {
		t.Fatal(err)
	}
	if g.Cases != 1 || len(g.D0s) != 1 || g.D0s[0][5] != u[5*smokeState] || g.D0Weight != SmokeD0Weight || g.Wavelet != "bior1.3" ||
		g.Mode != wavelet.ModeZero || g.Channels != 42 || len(g.Linear) != l.Dim() {
		t.Errorf("guidance %+v", g)
	}
	checkGuidanceStep(t, g.Step, p, SmokeGuidance)
	zero := 0.0
	if g, err := m.DeviceSmokeGuidance(Request{Cases: req.Cases, Guidance: &zero}); g != nil || err != nil {
		t.Errorf("weight 0 gave %v, %v", g, err)
	}
	if !m.GuidesOnDevice() {
		t.Error("the smoke wavelet layout does not guide on the device")
	}
	phys, err := NewLayout(smokeConfig(SpacePhysical, 8, 8))
	if err != nil {
		t.Fatal(err)
	}
	pm := &Model{Layout: phys, Task: Control, Checkpoint: m.Checkpoint}
	if _, err := pm.DeviceSmokeGuidance(req); err == nil || pm.GuidesOnDevice() {
		t.Errorf("the physical smoke layout was given device guidance (%v, GuidesOnDevice %v)", err, pm.GuidesOnDevice())
	}
}

package fromnn

import (
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/gpu"
	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/pde/wdno"
)

// TestAPlanProblemsSmokeGuidanceMustFitIt: smoke control guidance without its step size, next to the 1-D
// layout's guidance, for another number of images than the problem has, or for images of another size than
// the network's is refused before any device work (in either build).
func TestAPlanProblemsSmokeGuidanceMustFitIt(t *testing.T) {
	c, plan, D := guidanceCheckProblem(t)
	step := func(float64) float64 { return 1 }
	fits := gpu.SmokeControlConfig{Cases: 2, Channels: 2, ImageFrames: 1, Height: 4, Width: 4}
	for _, tc := range []struct {
		name  string
		g     gpu.SmokeControlConfig
		other *gpu.WaveletControlConfig
		step  func(float64) float64
		want  string
	}{
		{"no step", fits, nil, nil, "step size"},
		{"both guides", fits, &gpu.WaveletControlConfig{Cases: 2, Channels: 2, Height: 4, Width: 4}, step, "both"},
		{"three images", gpu.SmokeControlConfig{Cases: 3, Channels: 2, ImageFrames: 1, Height: 4, Width: 4}, nil, step, "3 images"},
		{"more frames", gpu.SmokeControlConfig{Cases: 2, Channels: 2, ImageFrames: 2, Height: 4, Width: 4}, nil, step, "2 x 2 x 4 x 4"},
	} {
		g := tc.g
		p := PlanProblem{Checkpoint: c, Plan: plan, X: make([]float64, 2*D), SmokeGuidance: &g, Guidance: tc.other, GuidanceStep: tc.step}
		if _, err := p.check(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error naming %q", tc.name, err, tc.want)
		}
	}
	p := PlanProblem{Checkpoint: c, Plan: plan, X: make([]float64, 2*D), SmokeGuidance: &fits, GuidanceStep: step}
	if n, err := p.check(); n != 2 || err != nil {
		t.Errorf("fitting guidance: %d images, %v", n, err)
	}
}

// smokeControlModel is a tiny WDNO smoke control model: the 42-channel smoke wavelet layout of 8 frames of
// 8 x 8 cells (images of 42 x 8 x 8 x 8, the density's bands 6 x 6 x 6) and a 3-D U-Net trained for 2 steps
// on mixtureSource (its weights only need to be a network's, not good ones).
func smokeControlModel(t testing.TB) *wdno.Model {
	t.Helper()
	two := 2
	l, err := wdno.NewLayout(wdno.LayoutConfig{Frames: 8, Cells: 64, State: 4, Control: &two, Grid: []int{8, 8}})
	if err != nil {
		t.Fatal(err)
	}
	cfg := nn.Unet3DConfig{Frames: 8, Height: 8, Width: 8, Channels: 42, Dim: 8, DimMults: []int{1, 2}}
	return trainedControlModel(t, l, nn.Spec{Arch: "unet3d", Unet3D: &cfg}, 2, 2)
}

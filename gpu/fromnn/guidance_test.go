package fromnn

import (
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/gpu"
	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/train"
	"gorgonia.org/tensor"
)

// TestAPlanProblemsGuidanceMustFitIt: control guidance without its step size, for another number of images
// than the problem has, or for images of another size than the network's is refused before any device work
// (in either build).
func TestAPlanProblemsGuidanceMustFitIt(t *testing.T) {
	net, err := nn.NewUnet2D(nn.Unet2DConfig{Height: 4, Width: 4, Channels: 2, Dim: 8, DimMults: []int{1, 2}, AttnHeads: 2, AttnDimHead: 4}, tensor.Float64)
	if err != nil {
		t.Fatal(err)
	}
	c := &train.Checkpoint{Net: net, Process: diffusion.NewVPCosine()}
	solver, _ := diffusion.NewSolver("ddim")
	plan, err := diffusion.PlanForNFE(solver, c.Process, diffusion.DefaultSchedule(c.Process), 2)
	if err != nil {
		t.Fatal(err)
	}
	D := net.Dim()
	step := func(float64) float64 { return 1 }
	fits := gpu.WaveletControlConfig{Cases: 2, Channels: 2, Height: 4, Width: 4}
	for _, tc := range []struct {
		name string
		g    gpu.WaveletControlConfig
		step func(float64) float64
		want string
	}{
		{"no step", fits, nil, "step size"},
		{"three images", gpu.WaveletControlConfig{Cases: 3, Channels: 2, Height: 4, Width: 4}, step, "3 images"},
		{"larger images", gpu.WaveletControlConfig{Cases: 2, Channels: 3, Height: 4, Width: 4}, step, "3 x 4 x 4"},
	} {
		g := tc.g
		p := PlanProblem{Checkpoint: c, Plan: plan, X: make([]float64, 2*D), Guidance: &g, GuidanceStep: tc.step}
		if _, err := p.check(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error naming %q", tc.name, err, tc.want)
		}
	}
	p := PlanProblem{Checkpoint: c, Plan: plan, X: make([]float64, 2*D), Guidance: &fits, GuidanceStep: step}
	if n, err := p.check(); n != 2 || err != nil {
		t.Errorf("fitting guidance: %d images, %v", n, err)
	}
}

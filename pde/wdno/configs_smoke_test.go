package wdno

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/train"
)

// The smoke configurations load, and each network takes exactly its layout's 3-D image at the benchmark's
// scale (32 frames of 32 x 32): WDNO's 42 channels of 20 frames x 20 x 20, the physical baseline's 6
// channels of 32 x 32 x 32; each network is wide enough to see the noise of its image's free entries (checkWidth), and
// both are control models with the same training options and the reference's sigmoid schedule.
func TestSmokeConfigsMatchTheirLayouts(t *testing.T) {
	var opts []string
	for file, want := range map[string][]int{
		"wdno-smoke-small-control.toml": {42, 20, 20, 20},
		"ddpm-smoke-small-control.toml": {6, 32, 32, 32},
	} {
		c, err := LoadConfig(filepath.Join("..", "..", "configs", file))
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if task, _ := c.task(); task != Control {
			t.Errorf("%s: task %v", file, task)
		}
		two := smokeControl
		lc := c.Layout
		lc.Frames, lc.Cells, lc.State, lc.Control, lc.Grid = 32, 32*32, smokeState, &two, []int{32, 32}
		l, err := NewLayout(lc)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if !slices.Equal(l.Shape(), want) {
			t.Errorf("%s: layout %v, want %v", file, l.Shape(), want)
		}
		net, err := c.Network.New(tensor.Float32, 1)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if !slices.Equal(net.Shape(), l.Shape()) {
			t.Errorf("%s: network %v, layout %v", file, net.Shape(), l.Shape())
		}
		if err := checkWidth(c.Network, l.Shape(), l.Known(Control)); err != nil {
			t.Errorf("%s: %v", file, err)
		}
		if c.Objective.Process != "vp-sigmoid" {
			t.Errorf("%s: process %q, want the reference's vp-sigmoid", file, c.Objective.Process)
		}
		smp := c.Sample
		w := *smp.Guidance
		smp.Guidance = nil
		opts = append(opts, fmt.Sprintf("%+v %+v %+v %v", c.Train, c.Objective, smp, w))
	}
	if opts[0] != opts[1] {
		t.Errorf("the two models train or sample differently:\n%s\n%s", opts[0], opts[1])
	}
}

// A U-Net too narrow to see the noise of its image's free entries is refused before training: the first
// smoke runs (dim 8 for WDNO's 42 channels) could not predict the noise of most channels and generated
// noise. The same network at dim 42 prepares its run.
func TestUNetsNarrowerThanTheImageAreRefused(t *testing.T) {
	dir := t.TempDir()
	data := writeSmoke(t, dir, "train.arrow", tinySmokeParams(), 2, 1)
	for _, dim := range []int{8, 42} {
		c := Config{Out: filepath.Join(dir, "run"), Task: "control", Data: DataConfig{Path: data}, Layout: LayoutConfig{Space: SpaceWavelet},
			Objective: train.ObjectiveConfig{Process: "vp-sigmoid"}, Train: train.DefaultOptions()}
		c.Network = nn.Spec{Arch: "unet3d", Unet3D: &nn.Unet3DConfig{Channels: 42, Frames: 8, Height: 8, Width: 8, Dim: dim, Groups: 2}}
		_, d, err := c.Trainer()
		if d != nil {
			d.Close()
		}
		if dim < 42 && (err == nil || !strings.Contains(err.Error(), "cannot see the noise")) || dim >= 42 && err != nil {
			t.Errorf("dim %d: %v", dim, err)
		}
	}
}

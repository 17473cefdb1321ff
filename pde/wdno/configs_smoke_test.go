package wdno

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"gorgonia.org/tensor"
)

// The smoke configurations load, and each network takes exactly its layout's 3-D image at the benchmark's
// scale (32 frames of 32 x 32): WDNO's 42 channels of 20 frames x 20 x 20, the physical baseline's 6
// channels of 32 x 32 x 32; both are control models with the same network width and training options.
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
		u := *c.Network.Unet3D
		u.Channels, u.Frames, u.Height, u.Width = 0, 0, 0, 0
		opts = append(opts, fmt.Sprintf("%+v %+v %+v", u, c.Train, c.Objective))
	}
	if opts[0] != opts[1] {
		t.Errorf("the two models differ beyond their images:\n%s\n%s", opts[0], opts[1])
	}
}

package wdno

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/train"
)

// The rank bound counts free entries, not channels: an image of 4 channels over 6 positions with its first
// channel and one more entry given has 17 free values, which dim 3 (18 features) can see and dim 2 (12)
// cannot.
func TestWidthBoundCountsFreeEntries(t *testing.T) {
	shape := []int{4, 2, 3}
	known := make([]bool, 24)
	for i := 0; i < 6; i++ {
		known[i] = true
	}
	known[7] = true
	for _, c := range []struct {
		dim int
		ok  bool
	}{{2, false}, {3, true}, {4, true}} {
		s := nn.Spec{Arch: "unet2d", Unet2D: &nn.Unet2DConfig{Channels: 4, Height: 2, Width: 3, Dim: c.dim}}
		err := checkWidth(s, shape, known)
		if (err == nil) != c.ok {
			t.Errorf("dim %d: %v", c.dim, err)
		}
		if err != nil && !strings.Contains(err.Error(), "17 free (generated) values to 2 x 6 = 12 features") {
			t.Errorf("dim %d: message %q does not give the counts", c.dim, err)
		}
	}
	if err := checkWidth(nn.Spec{Arch: "mlp"}, shape, known); err != nil {
		t.Errorf("an mlp has no per-position width: %v", err)
	}
}

// The per-position bound is separate from the total: an image of 4 channels over 6 positions whose only
// free values are the 4 channels of one position has 4 free values, which one feature per position (6 in
// all) can see, but the final 1x1 convolution of a dim-1 network predicts that position along one
// direction only; dim 4 passes.
func TestWidthBoundCountsFreeValuesPerPosition(t *testing.T) {
	shape := []int{4, 2, 3}
	known := make([]bool, 24)
	for i := range known {
		known[i] = i%6 != 4 // position 4 of every channel is free
	}
	for _, c := range []struct {
		dim int
		ok  bool
	}{{1, false}, {3, false}, {4, true}} {
		s := nn.Spec{Arch: "unet3d", Unet3D: &nn.Unet3DConfig{Channels: 4, Frames: 1, Height: 2, Width: 3, Dim: c.dim}}
		err := checkWidth(s, shape, known)
		if (err == nil) != c.ok {
			t.Errorf("dim %d: %v", c.dim, err)
		}
		if err != nil && !strings.Contains(err.Error(), "position 4 has 4 free (generated) values") {
			t.Errorf("dim %d: message %q does not name the position", c.dim, err)
		}
	}
}

// The super-resolution trainer applies the same bound at every trained level: its tiny 17-channel images
// generate 4 bands of 10 x 12 rows in 12 x 12 images (480 free values over 144 positions), so dim 3 is
// refused before any network is built, and dim 4 (trainTinySuperres) trains.
func TestSuperresUNetsTooNarrowAreRefused(t *testing.T) {
	dir := t.TempDir()
	data := writeBurgers(t, dir, "train.arrow", 24, 16, 8, 1)
	c := Config{Out: filepath.Join(dir, "sr"), Task: TaskSuperres, Data: DataConfig{Path: data},
		Objective: train.ObjectiveConfig{Process: "vp-cosine"}, Train: train.DefaultOptions()}
	no := false
	c.Network = nn.Spec{Arch: "unet2d", Unet2D: &nn.Unet2DConfig{Height: 12, Width: 12, Channels: 17, Dim: 3, DimMults: []int{1, 2},
		LinearAttention: &no, MidAttention: &no, AttnHeads: 1, AttnDimHead: 4}}
	_, d, err := c.Trainer()
	if d != nil {
		d.Close()
	}
	if err == nil || !strings.Contains(err.Error(), "cannot see the noise") || !strings.Contains(err.Error(), "set dim >= 4") {
		t.Errorf("dim 3: %v", err)
	}
}

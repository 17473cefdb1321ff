package gpu

import (
	"math"
	"strings"
	"testing"
)

// TestUnet2DValidateNamesTheProblem: a 2-D U-Net with exactly its tensors validates, and every flaw is refused
// with an error naming it: a missing, extra, mis-sized or non-finite tensor, an image the resolutions do not
// divide, widths the groups do not divide, an even initial kernel and heads wider than the attention kernels
// hold. (gpu/fromnn checks that nn's state_dict is exactly this set of tensors.)
func TestUnet2DValidateNamesTheProblem(t *testing.T) {
	good := func() *Unet2D {
		u := &Unet2D{Height: 8, Width: 4, Channels: 2, Dim: 8, DimMults: []int{1, 2}, Groups: 1, AttnHeads: 2, AttnDimHead: 4,
			InitKernel: 7, LinearAttention: true, MidAttention: true, Tensors: map[string][]float32{}}
		for name, shape := range u.tensorShapes() {
			n := 1
			for _, s := range shape {
				n *= s
			}
			u.Tensors[name] = make([]float32, n)
		}
		return u
	}
	if err := good().Validate(); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		edit func(u *Unet2D)
		want string
	}{
		"missing":     {func(u *Unet2D) { delete(u.Tensors, "mid_attn.fn.fn.to_qkv.weight") }, "mid_attn.fn.fn.to_qkv.weight"},
		"extra":       {func(u *Unet2D) { u.Tensors["mid_attn.fn.fn.to_qkv.bias"] = []float32{1} }, "mid_attn.fn.fn.to_qkv.bias"},
		"size":        {func(u *Unet2D) { u.Tensors["final_conv.bias"] = []float32{1} }, "final_conv.bias"},
		"nan":         {func(u *Unet2D) { u.Tensors["init_conv.bias"][0] = float32(math.Inf(1)) }, "init_conv.bias"},
		"image":       {func(u *Unet2D) { u.Width = 3 }, "not divisible by 2^1"},
		"groups":      {func(u *Unet2D) { u.Groups = 3 }, "groups"},
		"even kernel": {func(u *Unet2D) { u.InitKernel = 6 }, "odd kernel"},
		"wide heads":  {func(u *Unet2D) { u.AttnDimHead = 129 }, "at most 128"},
	} {
		u := good()
		c.edit(u)
		if err := u.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", name, err, c.want)
		}
	}
	// Without attentions, their tensors are not part of the network.
	u := good()
	u.LinearAttention, u.MidAttention = false, false
	if err := u.Validate(); err == nil || !strings.Contains(err.Error(), "is not part of the network") {
		t.Errorf("attention tensors of a network without attention: %v", err)
	}
}

// TestUnet2DActivationSizeHoldsEveryStage: the work buffers' size per image is at least every activation the
// forward pass forms, walked here stage by stage from the architecture (three resolutions, a non-square
// image, attention wider than the blocks).
func TestUnet2DActivationSizeHoldsEveryStage(t *testing.T) {
	u := &Unet2D{Height: 16, Width: 8, Channels: 3, Dim: 4, DimMults: []int{1, 2, 4}, Groups: 1, AttnHeads: 4, AttnDimHead: 8, InitKernel: 3}
	dims, levels := u.widths(), len(u.DimMults)
	most, h, w := 0, u.Height, u.Width
	need := func(v int) { most = max(most, v) }
	need(h * w * u.Channels)
	for i := 0; i < levels; i++ {
		in, o := dims[i], dims[i+1]
		need(h * w * in)
		need(h * w * 3 * u.hidden())
		if i < levels-1 {
			need(h * w * in) // space-to-depth
			h, w = h/2, w/2
		}
		need(h * w * o)
	}
	for j := 0; j < levels; j++ {
		in, o := dims[levels-1-j], dims[levels-j]
		need(h * w * (o + in))
		need(h * w * 3 * u.hidden())
		if j < levels-1 {
			h, w = 2*h, 2*w
			need(h * w * o) // upsampled
		}
		need(h * w * in)
	}
	need(h * w * 2 * u.Dim)
	if got := u.activationSize(); got < most {
		t.Errorf("activationSize %d < %d, the largest stage", got, most)
	}
}

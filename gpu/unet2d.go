package gpu

import (
	"fmt"
)

// Unet2D is nn's Unet2D (WDNO's denoiser, Hu et al. 2025: lucidrains' denoising-diffusion-pytorch Unet) as
// float32 arrays for the device, on images x [B, Channels, Height, Width] (PyTorch's layout; the device
// works channels-last inside, one permutation in and one out). The time MLP is sinusoidal(Dim), Linear(Dim,
// 4 Dim), GELU, Linear(4 Dim, 4 Dim), and every block reads SiLU of it. A ResnetBlock (in -> out) is
//
//	h = SiLU(GN(conv3x3(x)) (1 + scale) + shift),  [scale | shift] = Linear(SiLU(emb)),
//	y = SiLU(GN(conv3x3(h))) + (x or conv1x1(x)),
//
// with GN a GroupNorm of Groups groups (WDNO: 1, over all channels). An attention block is x +
// to_out(attn(to_qkv(LN(x)))) with LN lucidrains' channel LayerNorm (gain only, eps 1e-5) and to_qkv a
// bias-free 1x1 convolution: linear attention at every resolution (to_out a 1x1 convolution then a channel
// LayerNorm) and full softmax attention in the middle. Per resolution on the way down: two blocks (a skip
// saved after each, the second after its attention), then space-to-depth and a 1x1 convolution (a 3x3 one at
// the coarsest); the middle: block, full attention, block; per resolution on the way up: two blocks on
// cat(x, skip), attention, then nearest x2 upsampling and a 3x3 convolution (3x3 alone at the finest); a
// final block on cat(x, initial features) and a 1x1 convolution. The network takes no condition vector
// (WDNO conditions by inpainting). Tensors holds the state_dict by name in PyTorch's layouts
// (gpu/fromnn.Unet2D fills it from an nn network).
type Unet2D struct {
	Height, Width, Channels, Dim   int
	DimMults                       []int
	Groups, AttnHeads, AttnDimHead int
	InitKernel                     int
	LinearAttention, MidAttention  bool
	Tensors                        map[string][]float32
}

// linattnMaxHeadDim is LINATTN_MAX_DH of kernels/linattn.cu: the widest linear-attention head the device
// evaluates (the full attention's bound, attentionMaxHeadDim, is the same).
const linattnMaxHeadDim = 128

// u2Block names one ResnetBlock and its widths.
type u2Block struct {
	name    string
	in, out int
}

// widths returns [Dim, Dim m_0, Dim m_1, ...].
func (u *Unet2D) widths() []int {
	dims := []int{u.Dim}
	for _, m := range u.DimMults {
		dims = append(dims, u.Dim*m)
	}
	return dims
}

// hidden is the attentions' width, AttnHeads AttnDimHead.
func (u *Unet2D) hidden() int { return u.AttnHeads * u.AttnDimHead }

// tensorShapes lists every state_dict tensor the network needs with its PyTorch shape.
func (u *Unet2D) tensorShapes() map[string][]int {
	out := map[string][]int{}
	d, e, hid := u.Dim, 4*u.Dim, u.hidden()
	linear := func(name string, in, o int) { out[name+".weight"], out[name+".bias"] = []int{o, in}, []int{o} }
	conv := func(name string, in, o, k int, bias bool) {
		out[name+".weight"] = []int{o, in, k, k}
		if bias {
			out[name+".bias"] = []int{o}
		}
	}
	norm := func(name string, c int) { out[name+".weight"], out[name+".bias"] = []int{c}, []int{c} }
	block := func(b u2Block) {
		linear(b.name+".mlp.1", e, 2*b.out)
		conv(b.name+".block1.proj", b.in, b.out, 3, true)
		norm(b.name+".block1.norm", b.out)
		conv(b.name+".block2.proj", b.out, b.out, 3, true)
		norm(b.name+".block2.norm", b.out)
		if b.in != b.out {
			conv(b.name+".res_conv", b.in, b.out, 1, true)
		}
	}
	attn := func(name string, dim int, lin bool) {
		conv(name+".fn.fn.to_qkv", dim, 3*hid, 1, false)
		if lin {
			conv(name+".fn.fn.to_out.0", hid, dim, 1, true)
			out[name+".fn.fn.to_out.1.g"] = []int{1, dim, 1, 1}
		} else {
			conv(name+".fn.fn.to_out", hid, dim, 1, true)
		}
		out[name+".fn.norm.g"] = []int{1, dim, 1, 1}
	}
	linear("time_mlp.1", d, e)
	linear("time_mlp.3", e, e)
	conv("init_conv", u.Channels, d, u.InitKernel, true)
	dims, levels := u.widths(), len(u.DimMults)
	for _, b := range u.blocks() {
		block(b)
	}
	for i := 0; i < levels; i++ {
		in, o := dims[i], dims[i+1]
		name := fmt.Sprintf("downs.%d", i)
		if u.LinearAttention {
			attn(name+".2", in, true)
		}
		if i < levels-1 {
			conv(name+".3.1", 4*in, o, 1, true)
		} else {
			conv(name+".3", in, o, 3, true)
		}
	}
	if u.MidAttention {
		attn("mid_attn", dims[levels], false)
	}
	for j := 0; j < levels; j++ {
		in, o := dims[levels-1-j], dims[levels-j]
		name := fmt.Sprintf("ups.%d", j)
		if u.LinearAttention {
			attn(name+".2", o, true)
		}
		if j < levels-1 {
			conv(name+".3.1", o, in, 3, true)
		} else {
			conv(name+".3", o, in, 3, true)
		}
	}
	conv("final_conv", d, u.Channels, 1, true)
	return out
}

// blocks lists the ResnetBlocks in evaluation order: downs, middle, ups, final.
func (u *Unet2D) blocks() []u2Block {
	dims, levels := u.widths(), len(u.DimMults)
	var out []u2Block
	for i := 0; i < levels; i++ {
		in := dims[i]
		out = append(out, u2Block{fmt.Sprintf("downs.%d.0", i), in, in}, u2Block{fmt.Sprintf("downs.%d.1", i), in, in})
	}
	mid := dims[levels]
	out = append(out, u2Block{"mid_block1", mid, mid}, u2Block{"mid_block2", mid, mid})
	for j := 0; j < levels; j++ {
		in, o := dims[levels-1-j], dims[levels-j]
		out = append(out, u2Block{fmt.Sprintf("ups.%d.0", j), o + in, o}, u2Block{fmt.Sprintf("ups.%d.1", j), o + in, o})
	}
	return append(out, u2Block{"final_res_block", 2 * u.Dim, u.Dim})
}

// Validate checks the configuration as nn does, and that Tensors holds exactly the network's tensors with
// their sizes and finite values.
func (u *Unet2D) Validate() error {
	if u == nil {
		return fmt.Errorf("gpu: nil Unet2D")
	}
	if u.Height <= 0 || u.Width <= 0 || u.Channels <= 0 || u.Dim < 4 || u.Dim%2 != 0 || len(u.DimMults) == 0 ||
		u.Groups < 1 || u.AttnHeads < 1 || u.AttnDimHead < 1 || u.InitKernel < 1 || u.InitKernel%2 != 1 {
		return fmt.Errorf("gpu: Unet2D %dx%dx%d, dim %d, mults %v, %d groups, %d heads of %d, init kernel %d: need positive sizes, an even dim >= 4 and an odd kernel",
			u.Channels, u.Height, u.Width, u.Dim, u.DimMults, u.Groups, u.AttnHeads, u.AttnDimHead, u.InitKernel)
	}
	if u.AttnDimHead > min(linattnMaxHeadDim, attentionMaxHeadDim) {
		return fmt.Errorf("gpu: Unet2D attention heads of width %d: the device's attention kernels hold at most %d", u.AttnDimHead, min(linattnMaxHeadDim, attentionMaxHeadDim))
	}
	for _, c := range u.widths() {
		if c <= 0 || c%u.Groups != 0 {
			return fmt.Errorf("gpu: Unet2D width %d not divisible into %d groups", c, u.Groups)
		}
	}
	if f := 1 << (len(u.DimMults) - 1); u.Height%f != 0 || u.Width%f != 0 {
		return fmt.Errorf("gpu: Unet2D image %dx%d not divisible by 2^%d", u.Height, u.Width, len(u.DimMults)-1)
	}
	return checkTensors("Unet2D", u.tensorShapes(), u.Tensors)
}

// activationSize is the most values (per example) any one activation of the forward pass holds: at
// resolution i (P_i pixels), a skip concatenation (dims[i] + dims[i+1] channels), the packed attention
// projections (3 hidden), a block's output (dims[i+1]) and the upsampled map of the level below (P_{i-1}
// pixels, dims[i+1] channels); at full resolution the final concatenation (2 Dim) and the output.
func (u *Unet2D) activationSize() int {
	dims, levels := u.widths(), len(u.DimMults)
	pix := func(i int) int { return (u.Height >> i) * (u.Width >> i) }
	most := pix(0) * max(2*u.Dim, u.Channels)
	for i := 0; i < levels; i++ {
		p := pix(i)
		most = max(most, p*(dims[i]+dims[i+1]), p*3*u.hidden())
		if i > 0 {
			most = max(most, pix(i-1)*dims[i+1])
		}
	}
	return most
}

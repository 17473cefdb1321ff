package gpu

import (
	"fmt"
	"math"
)

// Unet3D is nn's Unet3D (WDNO's smoke denoiser, Hu et al. 2025: video-diffusion-pytorch's
// Unet3D_with_Conv3D) as float32 arrays for the device, on videos x [B, Channels, Frames, Height, Width]
// (PyTorch's layout; the device works channels-last inside, [B, F, H, W, C], one permutation in and one
// out). The time MLP is sinusoidal(Dim), Linear(Dim, 4 Dim), GELU, Linear(4 Dim, 4 Dim), and every block
// but the final one reads SiLU of it. A ResnetBlock (in -> out) is
//
//	h = SiLU(GN(conv3x3x3(x)) (1 + scale) + shift),  [scale | shift] = Linear(SiLU(emb)),
//	y = SiLU(GN(conv3x3x3(h))) + (x or conv1x1x1(x)),
//
// with GN a GroupNorm of Groups groups over frames x positions (the final block: h = SiLU(GN(conv(x))), no
// time). An attention block is x + to_out(attn(to_qkv(LN(x)))) with LN the channel LayerNorm (gain only,
// eps 1e-5): the spatial linear attention per frame (AttnHeads heads of SpatialDimHead; 1x1 projections, to_out
// with a bias and no LayerNorm after it), the middle's full spatial attention per frame (bias-free Linear
// projections), and the temporal attention per position (AttnHeads heads of AttnDimHead; bias-free Linear
// projections; queries and keys turned by rotary embeddings of the frame index; the logits offset by a T5
// relative position bias [heads, F, F] shared by all temporal attentions). Per resolution on the way down:
// two blocks, spatial and temporal attention, a skip saved, and a per-frame Conv2d (4x4, stride 2, padding
// 1) except at the last; the middle: block, full spatial attention, temporal attention, block; per
// resolution on the way up: two blocks on cat(x, skip), the two attentions and a per-frame ConvTranspose2d
// (4x4, stride 2, padding 1) except at the last; a final block on cat(x, features after the initial temporal
// attention) and a 1x1x1 convolution. Time is never downsampled. The network takes no condition vector (WDNO
// conditions by inpainting). Tensors holds the state_dict by name in PyTorch's layouts (gpu/fromnn.Unet3D
// fills it from an nn network), the rotary frequency buffers included.
type Unet3D struct {
	Frames, Height, Width, Channels, Dim int
	DimMults                             []int
	Groups, AttnHeads                    int
	AttnDimHead, SpatialDimHead          int
	InitKernel                           int
	LinearAttention, TemporalAttention   bool
	MidAttention                         bool
	Tensors                              map[string][]float32
}

// T5 relative position bias of the temporal attentions (video-diffusion-pytorch's RelativePositionBias
// defaults), and the rotary embedding's widest span (RotaryEmbedding(min(32, attn_dim_head))).
const (
	unet3dRelPosBuckets  = 32
	unet3dRelPosDistance = 32
	unet3dRotaryMax      = 32
	unet3dRelPosName     = "time_rel_pos_bias.relative_attention_bias.weight"
)

// u3Block names one ResnetBlock, its widths and whether it takes the time embedding.
type u3Block struct {
	name    string
	in, out int
	time    bool
}

// u3Attn names one attention block, its kind and width.
type u3Attn struct {
	name string
	kind int // u3Linear, u3Full, u3Temporal
	dim  int
}

const (
	u3Linear = iota
	u3Full
	u3Temporal
)

// widths returns [Dim, Dim m_0, Dim m_1, ...].
func (u *Unet3D) widths() []int {
	dims := []int{u.Dim}
	for _, m := range u.DimMults {
		dims = append(dims, u.Dim*m)
	}
	return dims
}

// rotaryPairs is the number of rotated feature pairs per head, min(32, AttnDimHead)/2.
func (u *Unet3D) rotaryPairs() int { return min(unet3dRotaryMax, u.AttnDimHead) / 2 }

// blocks lists the ResnetBlocks in evaluation order: downs, middle, ups, final.
func (u *Unet3D) blocks() []u3Block {
	dims, levels := u.widths(), len(u.DimMults)
	var out []u3Block
	for i := 0; i < levels; i++ {
		in, o := dims[i], dims[i+1]
		out = append(out, u3Block{fmt.Sprintf("downs.%d.0", i), in, o, true}, u3Block{fmt.Sprintf("downs.%d.1", i), o, o, true})
	}
	mid := dims[levels]
	out = append(out, u3Block{"mid_block1", mid, mid, true}, u3Block{"mid_block2", mid, mid, true})
	for j := 0; j < levels; j++ {
		in, o := dims[levels-1-j], dims[levels-j]
		out = append(out, u3Block{fmt.Sprintf("ups.%d.0", j), 2 * o, in, true}, u3Block{fmt.Sprintf("ups.%d.1", j), in, in, true})
	}
	return append(out, u3Block{"final_conv.0", 2 * u.Dim, u.Dim, false})
}

// attentions lists the attention blocks that the configuration switches on.
func (u *Unet3D) attentions() []u3Attn {
	dims, levels := u.widths(), len(u.DimMults)
	var out []u3Attn
	level := func(name string, dim int) {
		if u.LinearAttention {
			out = append(out, u3Attn{name + ".2", u3Linear, dim})
		}
		if u.TemporalAttention {
			out = append(out, u3Attn{name + ".3", u3Temporal, dim})
		}
	}
	if u.TemporalAttention {
		out = append(out, u3Attn{"init_temporal_attn", u3Temporal, u.Dim})
	}
	for i := 0; i < levels; i++ {
		level(fmt.Sprintf("downs.%d", i), dims[i+1])
	}
	if u.MidAttention {
		out = append(out, u3Attn{"mid_spatial_attn", u3Full, dims[levels]})
	}
	if u.TemporalAttention {
		out = append(out, u3Attn{"mid_temporal_attn", u3Temporal, dims[levels]})
	}
	for j := 0; j < levels; j++ {
		level(fmt.Sprintf("ups.%d", j), dims[levels-1-j])
	}
	return out
}

// tensorShapes lists every state_dict tensor the network needs with its PyTorch shape.
func (u *Unet3D) tensorShapes() map[string][]int {
	out := map[string][]int{}
	d, e := u.Dim, 4*u.Dim
	hidT, hidS := u.AttnHeads*u.AttnDimHead, u.AttnHeads*u.SpatialDimHead
	linear := func(name string, in, o int, bias bool) {
		out[name+".weight"] = []int{o, in}
		if bias {
			out[name+".bias"] = []int{o}
		}
	}
	conv := func(name string, w ...int) { out[name+".weight"], out[name+".bias"] = w, []int{w[0]} }
	linear("time_mlp.1", d, e, true)
	linear("time_mlp.3", e, e, true)
	k := u.InitKernel
	conv("init_conv", d, u.Channels, k, k, k)
	for _, b := range u.blocks() {
		if b.time {
			linear(b.name+".mlp.1", e, 2*b.out, true)
		}
		for i, c := range []int{b.in, b.out} {
			n := fmt.Sprintf("%s.block%d", b.name, i+1)
			conv(n+".proj", b.out, c, 3, 3, 3)
			out[n+".norm.weight"], out[n+".norm.bias"] = []int{b.out}, []int{b.out}
		}
		if b.in != b.out {
			conv(b.name+".res_conv", b.out, b.in, 1, 1, 1)
		}
	}
	for _, a := range u.attentions() {
		out[a.name+".fn.norm.gamma"] = []int{1, a.dim, 1, 1, 1}
		switch a.kind {
		case u3Linear:
			out[a.name+".fn.fn.to_qkv.weight"] = []int{3 * hidS, a.dim, 1, 1}
			conv(a.name+".fn.fn.to_out", a.dim, hidS, 1, 1)
		case u3Full:
			linear(a.name+".fn.fn.fn.to_qkv", a.dim, 3*hidS, false)
			linear(a.name+".fn.fn.fn.to_out", hidS, a.dim, false)
		case u3Temporal:
			out[a.name+".fn.fn.fn.rotary_emb.freqs"] = []int{u.rotaryPairs()}
			linear(a.name+".fn.fn.fn.to_qkv", a.dim, 3*hidT, false)
			linear(a.name+".fn.fn.fn.to_out", hidT, a.dim, false)
		}
	}
	if u.TemporalAttention {
		out[unet3dRelPosName] = []int{unet3dRelPosBuckets, u.AttnHeads}
	}
	dims, levels := u.widths(), len(u.DimMults)
	for i := 0; i < levels-1; i++ {
		o := dims[i+1]
		conv(fmt.Sprintf("downs.%d.4", i), o, o, 1, 4, 4)
		in := dims[levels-1-i]
		conv(fmt.Sprintf("ups.%d.4", i), in, in, 1, 4, 4) // ConvTranspose3d [in, out, 1, 4, 4], in = out
	}
	conv("final_conv.1", u.Channels, d, 1, 1, 1)
	return out
}

// Validate checks the configuration as nn does, and that Tensors holds exactly the network's tensors with
// their sizes and finite values.
func (u *Unet3D) Validate() error {
	if u == nil {
		return fmt.Errorf("gpu: nil Unet3D")
	}
	if u.Frames <= 0 || u.Height <= 0 || u.Width <= 0 || u.Channels <= 0 || u.Dim < 4 || u.Dim%2 != 0 || len(u.DimMults) == 0 ||
		u.Groups < 1 || u.AttnHeads < 1 || u.AttnDimHead < 1 || u.SpatialDimHead < 1 || u.InitKernel < 1 || u.InitKernel%2 != 1 {
		return fmt.Errorf("gpu: Unet3D %dx%dx%dx%d, dim %d, mults %v, %d groups, %d heads of %d (spatial %d), init kernel %d: need positive sizes, an even dim >= 4 and an odd kernel",
			u.Channels, u.Frames, u.Height, u.Width, u.Dim, u.DimMults, u.Groups, u.AttnHeads, u.AttnDimHead, u.SpatialDimHead, u.InitKernel)
	}
	if u.TemporalAttention && u.AttnDimHead < 2 {
		return fmt.Errorf("gpu: Unet3D temporal heads of width %d: the rotary embedding needs 2 features", u.AttnDimHead)
	}
	if most := min(linattnMaxHeadDim, attentionMaxHeadDim); u.AttnDimHead > most || u.SpatialDimHead > most {
		return fmt.Errorf("gpu: Unet3D attention heads of width %d and %d: the device's attention kernels hold at most %d", u.AttnDimHead, u.SpatialDimHead, most)
	}
	for _, c := range u.widths() {
		if c <= 0 || c%u.Groups != 0 {
			return fmt.Errorf("gpu: Unet3D width %d not divisible into %d groups", c, u.Groups)
		}
	}
	if f := 1 << (len(u.DimMults) - 1); u.Height%f != 0 || u.Width%f != 0 {
		return fmt.Errorf("gpu: Unet3D frames of %dx%d not divisible by 2^%d", u.Height, u.Width, len(u.DimMults)-1)
	}
	return checkTensors("Unet3D", u.tensorShapes(), u.Tensors)
}

// relPosBias is the temporal attentions' logit bias [heads, F, F]: bias[h, i, j] = table[bucket(j - i), h]
// for the state_dict's table [32, heads] (a constant of the trained network, formed once on the host).
func (u *Unet3D) relPosBias() []float32 {
	F, H := u.Frames, u.AttnHeads
	table := u.Tensors[unet3dRelPosName]
	b := make([]float32, H*F*F)
	for h := 0; h < H; h++ {
		for i := 0; i < F; i++ {
			for j := 0; j < F; j++ {
				b[(h*F+i)*F+j] = table[relPosBucket(j-i, unet3dRelPosBuckets, unet3dRelPosDistance)*H+h]
			}
		}
	}
	return b
}

// relPosBucket is the T5 relative position bucket (Raffel et al. 2020) of the key offset rel = j - i as
// video-diffusion-pytorch computes it: half of the buckets per sign (keys after the query in the upper
// half), the distance itself below a quarter of the buckets, logarithmic bins up to maxDistance beyond,
// clamped to the half's last bucket.
func relPosBucket(rel, buckets, maxDistance int) int {
	n, ret := -rel, 0
	buckets /= 2
	if n < 0 {
		ret, n = buckets, -n
	}
	exact := buckets / 2
	if n < exact {
		return ret + n
	}
	large := exact + int(math.Log(float64(n)/float64(exact))/math.Log(float64(maxDistance)/float64(exact))*float64(buckets-exact))
	return ret + min(large, buckets-1)
}

// activationSize is the most values (per example) any one activation of the forward pass holds: at
// resolution i (V_i voxels), a skip concatenation (2 dims[i+1] channels), the packed attention projections
// (3 hidden) and the block outputs; at full resolution the final concatenation (2 Dim) and the input and
// output (Channels).
func (u *Unet3D) activationSize() int {
	dims, levels := u.widths(), len(u.DimMults)
	vox := func(i int) int { return u.Frames * (u.Height >> i) * (u.Width >> i) }
	hid := 3 * u.AttnHeads * max(u.AttnDimHead, u.SpatialDimHead)
	most := vox(0) * max(2*u.Dim, u.Channels)
	for i := 0; i < levels; i++ {
		most = max(most, vox(i)*max(2*dims[i+1], hid))
	}
	return most
}

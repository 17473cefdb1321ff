package nn

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// pointwise adds a 1x1 (rank 2) or 1x1x1 (rank 3) convolution as a linear layer on the channel axis,
// with the convolution's state_dict shape [out, in, 1...].
func pointwise(ps *Params, name string, in, out, rank int, bias bool) *LinearLayer {
	l := NewLinear(ps, name, in, out, bias)
	l.W.TorchShape = append([]int{out, in}, make([]int, rank)...)
	for i := 2; i < len(l.W.TorchShape); i++ {
		l.W.TorchShape[i] = 1
	}
	return l
}

// videoNorm is video-diffusion-pytorch's channel LayerNorm ("<name>.gamma", state_dict shape [1, C, 1,
// 1, 1]): a LayerNorm over the channels with a gain and no bias, eps 1e-5, biased variance.
func videoNorm(ps *Params, name string, c int) *Param {
	p := ps.add(name+".gamma", true, constant(1), c)
	p.TorchShape = []int{1, c, 1, 1, 1}
	return p
}

// resnetBlock3D is video-diffusion-pytorch's ResnetBlock: Block(3x3x3 conv "block1.proj", GroupNorm
// "block1.norm", x (1 + scale) + shift from the time embedding through SiLU and Linear "mlp.1", SiLU),
// a second Block without modulation, and a 1x1x1 "res_conv" on the skip path when the width changes.
// mlp is nil for the final block, which takes no time embedding.
type resnetBlock3D struct {
	mlp   *LinearLayer
	convW [2]*Param
	convB [2]*Param
	norm  [2]*NormLayer
	res   *LinearLayer
	out   int
}

func newResnetBlock3D(ps *Params, name string, in, out, embed, groups int) *resnetBlock3D {
	r := &resnetBlock3D{out: out}
	if embed > 0 {
		r.mlp = NewLinear(ps, name+".mlp.1", embed, 2*out, true)
	}
	act := Identity
	if r.mlp == nil {
		act = SiLU
	}
	for i, c := range []int{in, out} {
		n := fmt.Sprintf("%s.block%d", name, i+1)
		r.convW[i] = ps.addTapMajor(n+".proj.weight", uniform(27*c), out, c, 3, 3, 3)
		r.convB[i] = ps.add(n+".proj.bias", true, uniform(27*c), out)
		r.norm[i] = NewGroupNorm(ps, n+".norm", groups, out, act)
		act = SiLU
	}
	if in != out {
		r.res = pointwise(ps, name+".res_conv", in, out, 3, true)
	}
	return r
}

// forward applies the block to x [B, F, H, W, in] with siluEmb = SiLU(time embedding) (nil for the
// final block).
func (r *resnetBlock3D) forward(b *Builder, x, siluEmb *G.Node) *G.Node {
	one := [3]int{1, 1, 1}
	conv := func(i int, x *G.Node) *G.Node {
		return r.norm[i].Forward(b, b.Conv3d(x, b.Param(r.convW[i]), b.Param(r.convB[i]), one, one))
	}
	h := conv(0, x)
	if r.mlp != nil {
		mod := r.mlp.Forward(b, siluEmb) // [scale | shift], torch's chunk(2)
		h = b.Act(b.Modulate(h, mod, Chunk{E: 2 * r.out, Off: r.out}, Chunk{E: 2 * r.out, Off: 0}), SiLU)
	}
	h = conv(1, h)
	skip := x
	if r.res != nil {
		skip = r.res.Forward(b, x)
	}
	return b.Add(h, skip)
}

// attnKind is the axis an attention block mixes.
type attnKind int

const (
	spatialLinear attnKind = iota // linear attention over the positions of each frame
	spatialFull                   // full attention over the positions of each frame (middle)
	temporal                      // full attention over the frames of each position, rotary + relative bias
)

// attnBlock3D is Residual(PreNorm(attention)): x + to_out(attn(to_qkv(LayerNorm(x)))). The spatial linear
// attention's projections are 1x1 convolutions (to_out with a bias, and, unlike lucidrains' 2-D U-Net, no
// LayerNorm after it); the full attentions' are bias-free Linear layers.
type attnBlock3D struct {
	kind       attnKind
	qkv, out   *LinearLayer
	norm       *Param
	freqs      *Param // rotary frequencies (temporal)
	heads, hid int
}

func newAttnBlock3D(ps *Params, name string, kind attnKind, dim, heads, dimHead int) *attnBlock3D {
	a := &attnBlock3D{kind: kind, heads: heads, hid: heads * dimHead}
	// state_dict order: PreNorm registers fn before norm; the full attentions sit in EinopsToAndFrom
	// (one more ".fn"), and the temporal attention registers the shared rotary embedding before its
	// projections.
	switch kind {
	case spatialLinear:
		a.qkv = pointwise(ps, name+".fn.fn.to_qkv", dim, 3*a.hid, 2, false)
		a.out = pointwise(ps, name+".fn.fn.to_out", a.hid, dim, 2, true)
	default:
		if kind == temporal {
			rot := min(rotaryMaxDim, dimHead) / 2
			a.freqs = ps.add(name+".fn.fn.fn.rotary_emb.freqs", false, inverseFreqs(10000), rot)
		}
		a.qkv = NewLinear(ps, name+".fn.fn.fn.to_qkv", dim, 3*a.hid, false)
		a.out = NewLinear(ps, name+".fn.fn.fn.to_out", a.hid, dim, false)
	}
	a.norm = videoNorm(ps, name+".fn.norm", dim)
	return a
}

// forward applies the block to x [B, F, H, W, dim]; bias [heads, F, F] is the temporal relative
// position bias.
func (a *attnBlock3D) forward(b *Builder, x, bias *G.Node) *G.Node {
	if a == nil {
		return x
	}
	h := b.LayerNorm(x, b.Param(a.norm), nil, layerNormEps)
	switch a.kind {
	case spatialLinear:
		h = a.out.Forward(b, b.FrameLinearAttention(a.qkv.Forward(b, h), a.heads))
	case spatialFull:
		if s := x.Shape(); b.ok(h) {
			qkv := b.Reshape(a.qkv.Forward(b, h), s[0]*s[1], s[2]*s[3], 3*a.hid)
			h = a.out.Forward(b, b.Reshape(b.Attention(qkv, a.heads, false, nil), s[0], s[1], s[2], s[3], a.hid))
		}
	case temporal:
		qkv := b.Rotary(a.qkv.Forward(b, b.FramesToPositions(h)), b.Param(a.freqs), a.heads)
		h = b.PositionsToFrames(a.out.Forward(b, b.BiasedAttention(qkv, bias, a.heads)))
	}
	return b.Add(x, h)
}

// unet3DLevel is one resolution: two residual blocks, spatial linear attention and temporal attention
// (either may be nil), and the spatial resampler (nil at the last resolution).
type unet3DLevel struct {
	blocks        [2]*resnetBlock3D
	spatial, time *attnBlock3D
	resampW       *Param // [out, 4, 4, in] (down) or [in, 4, 4, out] (up, transposed)
	resampB       *Param
}

// Unet3D is the video U-Net of WDNO's smoke experiments (Hu et al., ICLR 2025; AI4Science-WestlakeU/wdno
// smoke/video_diffusion_pytorch/video_diffusion_pytorch_conv3d.py, Unet3D_with_Conv3D, after Ho et al.'s
// video diffusion U-Net in lucidrains' video-diffusion-pytorch) over the 3-D wavelet coefficients
// (time, y, x) of a trajectory: a k x k x k initial convolution and a temporal attention; a time MLP
// sinusoidal(dim), Linear(dim, 4 dim), GELU, Linear(4 dim, 4 dim); per resolution two ResnetBlocks
// (3x3x3 conv, GroupNorm, time scale/shift, SiLU, twice), Residual(PreNorm(spatial linear attention)),
// Residual(PreNorm(temporal attention)), a skip saved, and a Conv3d (1, 4, 4) stride (1, 2, 2)
// downsampling except at the last resolution; middle ResnetBlock, full spatial attention, temporal
// attention, ResnetBlock; per resolution on the way up ResnetBlocks on cat(x, skip), the two attentions
// and a ConvTranspose3d (1, 4, 4) stride (1, 2, 2) upsampling except at the last; a final ResnetBlock
// without time modulation on cat(x, features after the initial temporal attention) and a 1x1x1
// convolution. Time is never downsampled. Temporal attentions (every position attends over its frames)
// rotate queries and keys by rotary embeddings of the frame index and add a T5 relative position bias
// (32 buckets, max distance 32) shared by all of them. Parameter names and order are the reference's
// state_dict, including the rotary frequency buffers (rotary_emb.freqs, fixed).
//
// The network takes x [B, channels, frames, height, width] and works channels-last inside ([B, F, H, W,
// C]): one transpose in and one out. (The reference's forward takes [B, frames, channels, H, W] and
// permutes to [B, C, F, H, W] first; nn's per-example layout is the permuted one.) Deviations: no text
// condition and no focus_present mask (WDNO trains and samples with focus probability 0), and optional
// switches to drop the linear, temporal or middle attentions (all on in the reference).
type Unet3D struct {
	cfg       Unet3DConfig
	ps        *Params
	relPos    *Param // time_rel_pos_bias.relative_attention_bias.weight [32, heads]
	initW     *Param
	initB     *Param
	initTime  *attnBlock3D
	timeMLP   [2]*LinearLayer
	downs     []unet3DLevel
	mid       [2]*resnetBlock3D
	midAttn   *attnBlock3D
	midTime   *attnBlock3D
	ups       []unet3DLevel
	final     *resnetBlock3D
	finalConv *LinearLayer
}

// NewUnet3D builds the network with parameters of dtype dt (initialise them with Params().Init).
func NewUnet3D(cfg Unet3DConfig, dt tensor.Dtype) (*Unet3D, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	u := &Unet3D{cfg: cfg, ps: newParams(dt)}
	ps, d, g, heads := u.ps, cfg.Dim, cfg.Groups, cfg.AttnHeads
	e := 4 * d
	temporalAttn := func(name string, dim int) *attnBlock3D {
		if !*cfg.TemporalAttention {
			return nil
		}
		return newAttnBlock3D(ps, name, temporal, dim, heads, cfg.AttnDimHead)
	}
	linearAttn := func(name string, dim int) *attnBlock3D {
		if !*cfg.LinearAttention {
			return nil
		}
		return newAttnBlock3D(ps, name, spatialLinear, dim, heads, cfg.SpatialDimHead)
	}
	if *cfg.TemporalAttention {
		// nn.Embedding's default initialisation is N(0, 1).
		u.relPos = ps.add("time_rel_pos_bias.relative_attention_bias.weight", true, normal(1), relPosBuckets, heads)
	}
	k := cfg.InitKernel
	u.initW = ps.addTapMajor("init_conv.weight", uniform(cfg.Channels*k*k*k), d, cfg.Channels, k, k, k)
	u.initB = ps.add("init_conv.bias", true, uniform(cfg.Channels*k*k*k), d)
	u.initTime = temporalAttn("init_temporal_attn", d)
	u.timeMLP = [2]*LinearLayer{NewLinear(ps, "time_mlp.1", d, e, true), NewLinear(ps, "time_mlp.3", e, e, true)}
	dims := []int{d}
	for _, m := range cfg.DimMults {
		dims = append(dims, d*m)
	}
	levels := len(cfg.DimMults)
	for i := 0; i < levels; i++ {
		in, out := dims[i], dims[i+1]
		name := fmt.Sprintf("downs.%d", i)
		l := unet3DLevel{blocks: [2]*resnetBlock3D{newResnetBlock3D(ps, name+".0", in, out, e, g), newResnetBlock3D(ps, name+".1", out, out, e, g)}}
		l.spatial = linearAttn(name+".2", out)
		l.time = temporalAttn(name+".3", out)
		if i < levels-1 {
			l.resampW = ps.addTapMajor(name+".4.weight", uniform(16*out), out, out, 4, 4)
			l.resampW.TorchShape = []int{out, out, 1, 4, 4}
			l.resampB = ps.add(name+".4.bias", true, uniform(16*out), out)
		}
		u.downs = append(u.downs, l)
	}
	mid := dims[levels]
	u.mid[0] = newResnetBlock3D(ps, "mid_block1", mid, mid, e, g)
	if *cfg.MidAttention {
		u.midAttn = newAttnBlock3D(ps, "mid_spatial_attn", spatialFull, mid, heads, cfg.SpatialDimHead)
	}
	u.midTime = temporalAttn("mid_temporal_attn", mid)
	u.mid[1] = newResnetBlock3D(ps, "mid_block2", mid, mid, e, g)
	for j := 0; j < levels; j++ {
		in, out := dims[levels-1-j], dims[levels-j] // reversed(in_out)
		name := fmt.Sprintf("ups.%d", j)
		l := unet3DLevel{blocks: [2]*resnetBlock3D{newResnetBlock3D(ps, name+".0", 2*out, in, e, g), newResnetBlock3D(ps, name+".1", in, in, e, g)}}
		l.spatial = linearAttn(name+".2", in)
		l.time = temporalAttn(name+".3", in)
		if j < levels-1 {
			// ConvTranspose3d weight [in, out, 1, 4, 4]; PyTorch's fan-in is its second axis times the taps.
			l.resampW = ps.addTapMajor(name+".4.weight", uniform(16*in), in, in, 4, 4)
			l.resampW.TorchShape = []int{in, in, 1, 4, 4}
			l.resampB = ps.add(name+".4.bias", true, uniform(16*in), in)
		}
		u.ups = append(u.ups, l)
	}
	u.final = newResnetBlock3D(ps, "final_conv.0", 2*d, d, 0, g)
	u.finalConv = pointwise(ps, "final_conv.1", d, cfg.OutChannels, 3, true)
	return u, nil
}

// Shape implements Net: [channels, frames, height, width].
func (u *Unet3D) Shape() []int {
	return []int{u.cfg.Channels, u.cfg.Frames, u.cfg.Height, u.cfg.Width}
}

// Dim implements Net.
func (u *Unet3D) Dim() int { return u.cfg.Channels * u.cfg.Frames * u.cfg.Height * u.cfg.Width }

// CondDim implements Net (always 0: the U-Net is conditioned by inpainting).
func (u *Unet3D) CondDim() int { return 0 }

// Params implements Net.
func (u *Unet3D) Params() *Params { return u.ps }

// Config returns the configuration with defaults filled in.
func (u *Unet3D) Config() Unet3DConfig { return u.cfg }

// Spec implements Net.
func (u *Unet3D) Spec() Spec {
	c := u.cfg
	c.DimMults = append([]int(nil), c.DimMults...)
	return Spec{Arch: "unet3d", Unet3D: &c}
}

// Forward implements Net.
func (u *Unet3D) Forward(b *Builder, x, t, cond, keep *G.Node) *G.Node {
	if !checkForward(b, u, x, t, cond, keep) {
		return nil
	}
	var bias *G.Node
	if u.relPos != nil {
		bias = b.RelPosBias(b.Param(u.relPos), u.cfg.Frames, relPosMaxDistance)
	}
	p := u.cfg.InitKernel / 2
	h := b.Conv3d(b.ChannelsLast(x), b.Param(u.initW), b.Param(u.initB), [3]int{1, 1, 1}, [3]int{p, p, p})
	h = u.initTime.forward(b, h, bias)
	r := h
	emb := u.timeMLP[1].Forward(b, b.Act(u.timeMLP[0].Forward(b, b.Sinusoidal(t, u.cfg.Dim)), GELU))
	semb := b.Act(emb, SiLU)
	two, one := [2]int{2, 2}, [2]int{1, 1}
	var skips []*G.Node
	for _, l := range u.downs {
		h = l.blocks[1].forward(b, l.blocks[0].forward(b, h, semb), semb)
		h = l.time.forward(b, l.spatial.forward(b, h, nil), bias)
		skips = append(skips, h)
		if l.resampW != nil {
			h = b.FrameConv2d(h, b.Param(l.resampW), b.Param(l.resampB), two, one)
		}
	}
	h = u.mid[0].forward(b, h, semb)
	h = u.midTime.forward(b, u.midAttn.forward(b, h, nil), bias)
	h = u.mid[1].forward(b, h, semb)
	for _, l := range u.ups {
		h = b.Concat(h, skips[len(skips)-1])
		skips = skips[:len(skips)-1]
		h = l.blocks[1].forward(b, l.blocks[0].forward(b, h, semb), semb)
		h = l.time.forward(b, l.spatial.forward(b, h, nil), bias)
		if l.resampW != nil {
			h = b.FrameConvTranspose2d(h, b.Param(l.resampW), b.Param(l.resampB), two, one)
		}
	}
	h = u.final.forward(b, b.Concat(h, r), nil)
	return b.ChannelsFirst(u.finalConv.Forward(b, h))
}

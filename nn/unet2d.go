package nn

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// resnetBlock2D is lucidrains' ResnetBlock: Block(conv3x3 "block1.proj", GroupNorm "block1.norm", x (1 +
// scale) + shift from the time embedding through SiLU and Linear "mlp.1", SiLU), a second Block without
// modulation, and a 1x1 "res_conv" on the skip path when the width changes.
type resnetBlock2D struct {
	mlp  *LinearLayer
	conv [2]*ConvLayer
	norm [2]*NormLayer
	res  *ConvLayer // nil when in == out
	out  int
}

func newResnetBlock2D(ps *Params, name string, in, out, embed, groups int) *resnetBlock2D {
	r := &resnetBlock2D{out: out, mlp: NewLinear(ps, name+".mlp.1", embed, 2*out, true)}
	k, s, p, d := [2]int{3, 3}, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1}
	r.conv[0] = NewConv2d(ps, name+".block1.proj", in, out, k, s, p, d, true)
	r.norm[0] = NewGroupNorm(ps, name+".block1.norm", groups, out, Identity)
	r.conv[1] = NewConv2d(ps, name+".block2.proj", out, out, k, s, p, d, true)
	r.norm[1] = NewGroupNorm(ps, name+".block2.norm", groups, out, SiLU)
	if in != out {
		r.res = newConv1x1(ps, name+".res_conv", in, out, true)
	}
	return r
}

// forward applies the block to x [B, H, W, in] with siluEmb = SiLU(time embedding), shared by all blocks.
func (r *resnetBlock2D) forward(b *Builder, x, siluEmb *G.Node) *G.Node {
	mod := r.mlp.Forward(b, siluEmb) // [scale | shift], torch's chunk(2)
	h := r.norm[0].Forward(b, r.conv[0].Forward(b, x))
	h = b.Act(b.Modulate(h, mod, Chunk{E: 2 * r.out, Off: r.out}, Chunk{E: 2 * r.out, Off: 0}), SiLU)
	h = r.norm[1].Forward(b, r.conv[1].Forward(b, h))
	skip := x
	if r.res != nil {
		skip = r.res.Forward(b, x)
	}
	return b.Add(h, skip)
}

func newConv1x1(ps *Params, name string, in, out int, bias bool) *ConvLayer {
	one := [2]int{1, 1}
	return NewConv2d(ps, name, in, out, one, one, [2]int{}, one, bias)
}

// channelNorm is lucidrains' channel LayerNorm ("<name>.g", state_dict shape [1, C, 1, 1]): a LayerNorm
// over the channels with a gain and no bias.
func channelNorm(ps *Params, name string, c int) *Param {
	p := ps.add(name+".g", true, constant(1), c)
	p.TorchShape = []int{1, c, 1, 1}
	return p
}

// attnBlock2D is Residual(PreNorm(LinearAttention or Attention)): x + to_out(attn(to_qkv(LayerNorm(x)))),
// with to_qkv a bias-free 1x1 convolution and, for linear attention, a channel LayerNorm after the output
// convolution (to_out.1).
type attnBlock2D struct {
	qkv, out     *ConvLayer
	outG, normG  *Param // outG nil for full attention
	heads        int
	linear       bool
	hidden, dims int
}

func newAttnBlock2D(ps *Params, name string, dim, heads, dimHead int, linear bool) *attnBlock2D {
	hidden := heads * dimHead
	a := &attnBlock2D{heads: heads, linear: linear, hidden: hidden, dims: dim}
	// state_dict order: PreNorm registers fn before norm.
	a.qkv = newConv1x1(ps, name+".fn.fn.to_qkv", dim, 3*hidden, false)
	if linear {
		a.out = newConv1x1(ps, name+".fn.fn.to_out.0", hidden, dim, true)
		a.outG = channelNorm(ps, name+".fn.fn.to_out.1", dim)
	} else {
		a.out = newConv1x1(ps, name+".fn.fn.to_out", hidden, dim, true)
	}
	a.normG = channelNorm(ps, name+".fn.norm", dim)
	return a
}

// layerNormEps is the eps of lucidrains' channel LayerNorm in float32 (it switches to 1e-3 for other
// dtypes; nn keeps 1e-5 in float64 too, so that float64 inference matches float32-trained weights).
const layerNormEps = 1e-5

// forward applies the block to x [B, H, W, dim].
func (a *attnBlock2D) forward(b *Builder, x *G.Node) *G.Node {
	if a == nil {
		return x
	}
	qkv := a.qkv.Forward(b, b.LayerNorm(x, b.Param(a.normG), nil, layerNormEps))
	var h *G.Node
	if a.linear {
		h = b.LinearAttention(qkv, a.heads)
		h = b.LayerNorm(a.out.Forward(b, h), b.Param(a.outG), nil, layerNormEps)
	} else if s := x.Shape(); b.ok(qkv) {
		h = b.Attention(b.Reshape(qkv, s[0], s[1]*s[2], 3*a.hidden), a.heads, false, nil)
		h = a.out.Forward(b, b.Reshape(h, s[0], s[1], s[2], a.hidden))
	}
	return b.Add(x, h)
}

// unet2DLevel is one resolution: two residual blocks, linear attention (or nil) and the resampler.
type unet2DLevel struct {
	blocks [2]*resnetBlock2D
	attn   *attnBlock2D
	resamp *ConvLayer
	scale  bool // space-to-depth before (down) or nearest upsampling before (up) resamp
}

// Unet2D is the 2-D U-Net of WDNO (Hu et al., ICLR 2025; AI4Science-WestlakeU/wdno
// burgers/ddpm_burgers/unet.py), lucidrains' denoising-diffusion-pytorch Unet: a 7x7 initial convolution;
// a time MLP sinusoidal(dim), Linear(dim, 4 dim), GELU, Linear(4 dim, 4 dim); per resolution two
// ResnetBlocks (3x3 conv, GroupNorm, time scale/shift, SiLU, twice) with a skip saved after each,
// Residual(PreNorm(LinearAttention)) and a space-to-depth + 1x1 downsampling (a 3x3 convolution at the last
// resolution); middle ResnetBlock, Residual(PreNorm(Attention)), ResnetBlock; per resolution on the way up
// two ResnetBlocks each on cat(x, skip), linear attention and nearest x2 + 3x3 upsampling (3x3 at the
// last); a final ResnetBlock on cat(x, initial features) and a 1x1 convolution. Parameter names and order
// are the reference's state_dict.
//
// The network takes x [B, channels, height, width] (PyTorch's layout) and works channels-last inside: one
// transpose in and one out. PreNorm and the linear attention's output norm are lucidrains' channel
// LayerNorm (gain only, eps 1e-5), not RMSNorm (the reference's 1-D blocks use RMSNorm). Deviations from
// the reference: both attentions use attn_heads and attn_dim_head (the reference's linear attention
// always has 4 heads of 32, the defaults); self-conditioning, learned variance and random Fourier
// time features are not supported; and the channel LayerNorm keeps eps 1e-5 in float64.
type Unet2D struct {
	cfg       Unet2DConfig
	ps        *Params
	timeMLP   [2]*LinearLayer
	initConv  *ConvLayer
	downs     []unet2DLevel
	mid       [2]*resnetBlock2D
	midAttn   *attnBlock2D
	ups       []unet2DLevel
	final     *resnetBlock2D
	finalConv *ConvLayer
}

// NewUnet2D builds the network with parameters of dtype dt (initialise them with Params().Init).
func NewUnet2D(cfg Unet2DConfig, dt tensor.Dtype) (*Unet2D, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	u := &Unet2D{cfg: cfg, ps: newParams(dt)}
	ps, d, g := u.ps, cfg.Dim, cfg.Groups
	e := 4 * d
	one, k3, p1 := [2]int{1, 1}, [2]int{3, 3}, [2]int{1, 1}
	attn := func(name string, dim int, linear bool) *attnBlock2D {
		return newAttnBlock2D(ps, name, dim, cfg.AttnHeads, cfg.AttnDimHead, linear)
	}
	u.timeMLP = [2]*LinearLayer{NewLinear(ps, "time_mlp.1", d, e, true), NewLinear(ps, "time_mlp.3", e, e, true)}
	k := cfg.InitKernel
	u.initConv = NewConv2d(ps, "init_conv", cfg.Channels, d, [2]int{k, k}, one, [2]int{k / 2, k / 2}, one, true)
	dims := []int{d}
	for _, m := range cfg.DimMults {
		dims = append(dims, d*m)
	}
	levels := len(cfg.DimMults)
	for i := 0; i < levels; i++ {
		in, out := dims[i], dims[i+1]
		name := fmt.Sprintf("downs.%d", i)
		l := unet2DLevel{blocks: [2]*resnetBlock2D{newResnetBlock2D(ps, name+".0", in, in, e, g), newResnetBlock2D(ps, name+".1", in, in, e, g)}}
		if *cfg.LinearAttention {
			l.attn = attn(name+".2", in, true)
		}
		if l.scale = i < levels-1; l.scale {
			l.resamp = newConv1x1(ps, name+".3.1", 4*in, out, true)
		} else {
			l.resamp = NewConv2d(ps, name+".3", in, out, k3, one, p1, one, true)
		}
		u.downs = append(u.downs, l)
	}
	mid := dims[levels]
	u.mid[0] = newResnetBlock2D(ps, "mid_block1", mid, mid, e, g)
	if *cfg.MidAttention {
		u.midAttn = attn("mid_attn", mid, false)
	}
	u.mid[1] = newResnetBlock2D(ps, "mid_block2", mid, mid, e, g)
	for j := 0; j < levels; j++ {
		in, out := dims[levels-1-j], dims[levels-j] // reversed(in_out)
		name := fmt.Sprintf("ups.%d", j)
		l := unet2DLevel{blocks: [2]*resnetBlock2D{newResnetBlock2D(ps, name+".0", out+in, out, e, g), newResnetBlock2D(ps, name+".1", out+in, out, e, g)}}
		if *cfg.LinearAttention {
			l.attn = attn(name+".2", out, true)
		}
		if l.scale = j < levels-1; l.scale {
			l.resamp = NewConv2d(ps, name+".3.1", out, in, k3, one, p1, one, true)
		} else {
			l.resamp = NewConv2d(ps, name+".3", out, in, k3, one, p1, one, true)
		}
		u.ups = append(u.ups, l)
	}
	u.final = newResnetBlock2D(ps, "final_res_block", 2*d, d, e, g)
	u.finalConv = newConv1x1(ps, "final_conv", d, cfg.OutChannels, true)
	return u, nil
}

// Shape implements Net: [channels, height, width].
func (u *Unet2D) Shape() []int { return []int{u.cfg.Channels, u.cfg.Height, u.cfg.Width} }

// Dim implements Net.
func (u *Unet2D) Dim() int { return u.cfg.Channels * u.cfg.Height * u.cfg.Width }

// CondDim implements Net (always 0: the U-Net is conditioned by inpainting).
func (u *Unet2D) CondDim() int { return 0 }

// Params implements Net.
func (u *Unet2D) Params() *Params { return u.ps }

// Config returns the configuration with defaults filled in.
func (u *Unet2D) Config() Unet2DConfig { return u.cfg }

// Spec implements Net.
func (u *Unet2D) Spec() Spec {
	c := u.cfg
	c.DimMults = append([]int(nil), c.DimMults...)
	return Spec{Arch: "unet2d", Unet2D: &c}
}

// Forward implements Net.
func (u *Unet2D) Forward(b *Builder, x, t, cond, keep *G.Node) *G.Node {
	if !checkForward(b, u, x, t, cond, keep) {
		return nil
	}
	emb := u.timeMLP[1].Forward(b, b.Act(u.timeMLP[0].Forward(b, b.Sinusoidal(t, u.cfg.Dim)), GELU))
	semb := b.Act(emb, SiLU)
	h := u.initConv.Forward(b, b.ChannelsLast(x))
	r := h
	var skips []*G.Node
	for _, l := range u.downs {
		h = l.blocks[0].forward(b, h, semb)
		skips = append(skips, h)
		h = l.attn.forward(b, l.blocks[1].forward(b, h, semb))
		skips = append(skips, h)
		if l.scale {
			h = b.SpaceToDepth(h)
		}
		h = l.resamp.Forward(b, h)
	}
	h = u.mid[1].forward(b, u.midAttn.forward(b, u.mid[0].forward(b, h, semb)), semb)
	pop := func() *G.Node {
		s := skips[len(skips)-1]
		skips = skips[:len(skips)-1]
		return s
	}
	for _, l := range u.ups {
		h = l.blocks[0].forward(b, b.Concat(h, pop()), semb)
		h = l.attn.forward(b, l.blocks[1].forward(b, b.Concat(h, pop()), semb))
		if l.scale {
			h = b.Upsample2x(h)
		}
		h = l.resamp.Forward(b, h)
	}
	h = u.final.forward(b, b.Concat(h, r), semb)
	return b.ChannelsFirst(u.finalConv.Forward(b, h))
}

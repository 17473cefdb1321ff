package nn

import (
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// NewParams returns an empty parameter set of dtype dt (tensor.Float32, or tensor.Float64 for checks),
// to which the layer constructors add their tensors under PyTorch state_dict names.
func NewParams(dt tensor.Dtype) *Params { return newParams(dt) }

// LinearLayer is PyTorch's nn.Linear: weight [out, in] and bias [out] ("<name>.weight", "<name>.bias").
type LinearLayer struct{ W, B *Param }

// NewLinear adds a linear layer's parameters with PyTorch's default initialisation.
func NewLinear(ps *Params, name string, in, out int, bias bool) *LinearLayer {
	l := &LinearLayer{W: ps.add(name+".weight", true, uniform(in), out, in)}
	if bias {
		l.B = ps.add(name+".bias", true, uniform(in), out)
	}
	return l
}

// Forward applies the layer to the last axis of x.
func (l *LinearLayer) Forward(b *Builder, x *G.Node) *G.Node {
	return b.Linear(x, b.Param(l.W), b.Param(l.B))
}

// ConvLayer is PyTorch's Conv1d/Conv2d or ConvTranspose1d/2d on channels-last data, with weight
// "<name>.weight" (state_dict shape [out, in, k...] or, transposed, [in, out, k...]; stored tap-major) and
// bias "<name>.bias".
type ConvLayer struct {
	W, B                            *Param
	Stride, Padding, Dilation, OutP [2]int // (height, width); 1-D layers use index 1
	Transposed                      bool
	Dims                            int // 1 or 2
}

// NewConv1d adds a Conv1d(in, out, k, stride, padding, dilation) layer.
func NewConv1d(ps *Params, name string, in, out, k, stride, padding, dilation int, bias bool) *ConvLayer {
	l := &ConvLayer{W: ps.addTapMajor(name+".weight", uniform(in*k), out, in, k), Dims: 1,
		Stride: [2]int{1, stride}, Padding: [2]int{0, padding}, Dilation: [2]int{1, dilation}}
	if bias {
		l.B = ps.add(name+".bias", true, uniform(in*k), out)
	}
	return l
}

// NewConvTranspose1d adds a ConvTranspose1d(in, out, k, stride, padding, output_padding, dilation) layer.
// PyTorch computes the fan-in of its initialisation from the weight's second axis, out k.
func NewConvTranspose1d(ps *Params, name string, in, out, k, stride, padding, outPadding, dilation int, bias bool) *ConvLayer {
	l := &ConvLayer{W: ps.addTapMajor(name+".weight", uniform(out*k), in, out, k), Dims: 1, Transposed: true,
		Stride: [2]int{1, stride}, Padding: [2]int{0, padding}, Dilation: [2]int{1, dilation}, OutP: [2]int{0, outPadding}}
	if bias {
		l.B = ps.add(name+".bias", true, uniform(out*k), out)
	}
	return l
}

// NewConv2d adds a Conv2d(in, out, (kh, kw), stride, padding, dilation) layer.
func NewConv2d(ps *Params, name string, in, out int, k, stride, padding, dilation [2]int, bias bool) *ConvLayer {
	fan := in * k[0] * k[1]
	l := &ConvLayer{W: ps.addTapMajor(name+".weight", uniform(fan), out, in, k[0], k[1]), Dims: 2,
		Stride: stride, Padding: padding, Dilation: dilation}
	if bias {
		l.B = ps.add(name+".bias", true, uniform(fan), out)
	}
	return l
}

// NewConvTranspose2d adds a ConvTranspose2d(in, out, (kh, kw), stride, padding, output_padding, dilation).
func NewConvTranspose2d(ps *Params, name string, in, out int, k, stride, padding, outPadding, dilation [2]int, bias bool) *ConvLayer {
	fan := out * k[0] * k[1]
	l := &ConvLayer{W: ps.addTapMajor(name+".weight", uniform(fan), in, out, k[0], k[1]), Dims: 2, Transposed: true,
		Stride: stride, Padding: padding, Dilation: dilation, OutP: outPadding}
	if bias {
		l.B = ps.add(name+".bias", true, uniform(fan), out)
	}
	return l
}

// Forward applies the convolution to channels-last x ([B, L, C] or [B, H, W, C]).
func (l *ConvLayer) Forward(b *Builder, x *G.Node) *G.Node {
	w, bias := b.Param(l.W), b.Param(l.B)
	switch {
	case l.Dims == 1 && !l.Transposed:
		return b.Conv1d(x, w, bias, l.Stride[1], l.Padding[1], l.Dilation[1])
	case l.Dims == 1:
		return b.ConvTranspose1d(x, w, bias, l.Stride[1], l.Padding[1], l.OutP[1], l.Dilation[1])
	case !l.Transposed:
		return b.Conv2d(x, w, bias, l.Stride, l.Padding, l.Dilation)
	default:
		return b.ConvTranspose2d(x, w, bias, l.Stride, l.Padding, l.OutP, l.Dilation)
	}
}

// NormLayer is PyTorch's GroupNorm (Groups > 0) or LayerNorm (Groups == 0) with weight "<name>.weight" and
// bias "<name>.bias" (absent for a LayerNorm without affine map), followed by Act.
type NormLayer struct {
	Gamma, Beta *Param
	Groups      int
	Eps         float64
	Act         Activation
}

// NewGroupNorm adds GroupNorm(groups, channels) (eps 1e-5, weight 1, bias 0) followed by act.
func NewGroupNorm(ps *Params, name string, groups, channels int, act Activation) *NormLayer {
	return &NormLayer{Gamma: ps.add(name+".weight", true, constant(1), channels),
		Beta: ps.add(name+".bias", true, constant(0), channels), Groups: groups, Eps: 1e-5, Act: act}
}

// NewLayerNorm adds LayerNorm(channels, eps), with or without its affine map.
func NewLayerNorm(ps *Params, name string, channels int, eps float64, affine bool) *NormLayer {
	l := &NormLayer{Eps: eps}
	if affine {
		l.Gamma = ps.add(name+".weight", true, constant(1), channels)
		l.Beta = ps.add(name+".bias", true, constant(0), channels)
	}
	return l
}

// Forward normalises x over its last (channel) axis.
func (l *NormLayer) Forward(b *Builder, x *G.Node) *G.Node {
	if l.Groups > 0 {
		return b.GroupNorm(x, b.Param(l.Gamma), b.Param(l.Beta), l.Groups, l.Eps, l.Act)
	}
	return b.Act(b.LayerNorm(x, b.Param(l.Gamma), b.Param(l.Beta), l.Eps), l.Act)
}

// AttentionLayer is multi-head self-attention with a packed input projection qkv Linear(D, 3D) and an
// output projection proj Linear(D, D) (timm's Attention as used by DiT: "<name>.qkv", "<name>.proj").
type AttentionLayer struct {
	QKV, Proj *LinearLayer
	Heads     int
	Causal    bool
}

// NewAttention adds a self-attention layer of width d with heads heads.
func NewAttention(ps *Params, name string, d, heads int, causal bool) *AttentionLayer {
	return &AttentionLayer{QKV: NewLinear(ps, name+".qkv", d, 3*d, true), Proj: NewLinear(ps, name+".proj", d, d, true),
		Heads: heads, Causal: causal}
}

// Forward attends over the positions of x [B, L, D]; keyMask [B, L] (or nil) marks attendable keys.
func (l *AttentionLayer) Forward(b *Builder, x, keyMask *G.Node) *G.Node {
	return l.Proj.Forward(b, b.Attention(l.QKV.Forward(b, x), l.Heads, l.Causal, keyMask))
}

// TimeEmbedding maps times t [B] to features [B, Dim]: sinusoidal (Freqs nil) or random Fourier features
// with a fixed frequency buffer "<name>.freqs" ~ N(0, scale^2) of Dim/2 values.
type TimeEmbedding struct {
	Dim   int
	Freqs *Param
}

// NewSinusoidal is the sinusoidal embedding of width dim (no parameters).
func NewSinusoidal(dim int) *TimeEmbedding { return &TimeEmbedding{Dim: dim} }

// NewFourier adds a random Fourier embedding of width dim with frequency scale scale (EDM uses 16).
func NewFourier(ps *Params, name string, dim int, scale float64) *TimeEmbedding {
	return &TimeEmbedding{Dim: dim, Freqs: ps.add(name+".freqs", false, normal(scale), dim/2)}
}

// Forward embeds t [B].
func (e *TimeEmbedding) Forward(b *Builder, t *G.Node) *G.Node {
	if e.Freqs != nil {
		return b.Fourier(t, b.Param(e.Freqs))
	}
	return b.Sinusoidal(t, e.Dim)
}

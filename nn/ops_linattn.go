package nn

import (
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/nn/internal/kern"
)

// linAttnState is shared by linear attention and its gradient: the softmaxed queries and keys and the
// per-head contexts of the forward pass, and scratch.
type linAttnState struct {
	g                  kern.LinAttnGeom
	sm, ctx, stat, dcx scratch
}

// LinearAttention is the linear attention of lucidrains' U-Nets on packed projections qkv [B, S..., 3D]
// (the layout Attention takes, with any number of position axes, N positions in all), heads heads of width D/heads: per head, queries softmaxed over their
// features and scaled by Dh^-1/2, keys softmaxed over the N positions, context = K^T V and output Q context,
// [B, S..., D] before the output projection. Cost is linear in N, which is why the U-Net uses it at every
// resolution and keeps full attention for the coarsest.
func (b *Builder) LinearAttention(qkv *G.Node, heads int) *G.Node {
	return b.linearAttention("LinearAttention", qkv, heads, 1)
}

// FrameLinearAttention is LinearAttention over the positions of each frame of a video qkv [B, F, S...,
// 3D] separately (video-diffusion-pytorch's SpatialLinearAttention on 'b c f h w -> (b f) c h w').
func (b *Builder) FrameLinearAttention(qkv *G.Node, heads int) *G.Node {
	return b.linearAttention("FrameLinearAttention", qkv, heads, 2)
}

// linearAttention attends over all positions after the first lead axes of qkv.
func (b *Builder) linearAttention(name string, qkv *G.Node, heads, lead int) *G.Node {
	if !b.ok(qkv) {
		return nil
	}
	s := qkv.Shape()
	r := len(s)
	if r < lead+2 || s[r-1]%3 != 0 || heads <= 0 || (s[r-1]/3)%heads != 0 {
		return b.failf("%s: qkv %v with %d heads, want %d lead axes, positions and 3D with D divisible by heads", name, s, heads, lead)
	}
	D := s[r-1] / 3
	seqs := tensor.Shape(s[:lead]).TotalSize()
	st := &linAttnState{g: kern.LinAttnGeom{B: seqs, N: s.TotalSize() / (seqs * 3 * D), H: heads, Dh: D / heads}}
	shape := s.Clone()
	shape[r-1] = D
	k := kernel{f32: func(y []float32, in [][]float32) { linAttnFwd(st, y, in[0]) },
		f64: func(y []float64, in [][]float64) { linAttnFwd(st, y, in[0]) }}
	grad := func(_ int, in G.Nodes, _, dy *G.Node) (*G.Node, error) {
		k := kernel{f32: func(y []float32, in [][]float32) { linAttnBwd(st, y, in[0], in[1]) },
			f64: func(y []float64, in [][]float64) { linAttnBwd(st, y, in[0], in[1]) }}
		return gradFn(b.dt, "LinearAttentionGrad", in[0].Shape(), k, dy, in[0])
	}
	return b.fn(name, shape, k, grad, nodes(qkv))
}

func linAttnFwd[T Float](st *linAttnState, y, qkv []T) {
	g := &st.g
	bh := g.B * g.H
	kern.LinAttnFwd(y, buf[T](&st.sm, 2*g.B*g.N*g.D()), buf[T](&st.ctx, bh*g.Dh*g.Dh), buf[T](&st.stat, 2*bh*g.Dh), qkv, g)
}

func linAttnBwd[T Float](st *linAttnState, dqkv, dy, qkv []T) {
	g := &st.g
	bh := g.B * g.H
	kern.LinAttnBwd(dqkv, dy, qkv, buf[T](&st.sm, 2*g.B*g.N*g.D()), buf[T](&st.ctx, bh*g.Dh*g.Dh), buf[T](&st.dcx, bh*g.Dh*g.Dh), g)
}

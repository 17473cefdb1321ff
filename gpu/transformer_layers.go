//go:build cuda || trajdiff_cuda

package gpu

import (
	"fmt"
	"math"
)

// Layer kernels of nn's 1-D DiT (Transformer): the token embedding, adaLN's modulated LayerNorm and gated
// residual, and fused multi-head self-attention. Like the convolution kernels they enqueue on the stream,
// allocate nothing and can be captured into a graph.

// Modulation addresses adaLN's per-example vectors for rows [Rows, Channels] that come in examples of
// Positions consecutive rows (a window's positions): example e reads mod[e Stride + off ... + Channels] for a
// chunk at column off, so Stride 0 shares one row of mod across the batch and Stride E (the row width of
// mod) gives every example its own.
type Modulation struct {
	Rows, Channels, Positions, Stride int
}

// check validates the geometry against x (Rows*Channels values) and mod, for chunks at offs.
func (m Modulation) check(what string, x, mod Buffer, offs ...int) error {
	if m.Rows < 1 || m.Channels < 1 || m.Positions < 1 || m.Rows%m.Positions != 0 || m.Stride < 0 {
		return fmt.Errorf("gpu: %s of %+v: need positive sizes, rows a multiple of positions, stride >= 0", what, m)
	}
	if x.n != m.Rows*m.Channels {
		return fmt.Errorf("gpu: %s of [%d, %d]: x has %d values", what, m.Rows, m.Channels, x.n)
	}
	last := (m.Rows/m.Positions - 1) * m.Stride
	for _, off := range offs {
		if off < 0 || last+off+m.Channels > mod.n {
			return fmt.Errorf("gpu: %s of %+v: chunk at %d outside mod's %d values", what, m, off, mod.n)
		}
	}
	return nil
}

// LayerNormModulate enqueues y = LayerNorm(x) (1 + scale) + shift (layer_norm_mod_f32: nn's LayerNorm without
// affine map followed by Modulate), with scale and shift the chunks of mod at scaleOff and shiftOff. y may be
// x.
func (s *Stream) LayerNormModulate(y, x, mod Buffer, m Modulation, shiftOff, scaleOff int, eps float64) error {
	if err := m.check("modulated layer norm", x, mod, shiftOff, scaleOff); err != nil {
		return err
	}
	if y.n != x.n {
		return fmt.Errorf("gpu: modulated layer norm: y has %d values, x %d", y.n, x.n)
	}
	if !(eps > 0) || math.IsInf(eps, 0) {
		return fmt.Errorf("gpu: modulated layer norm eps %v", eps)
	}
	const rowsPerBlock = 8 // LN_THREADS / 32 of kernels/adaln.cu
	return s.d.do(func() error {
		return s.launch(kLayerNormMod, (m.Rows+rowsPerBlock-1)/rowsPerBlock, 1, 256, 0, pArg(y.ptr), pArg(x.ptr), pArg(mod.ptr),
			iArg(int64(m.Rows)), iArg(int64(m.Channels)), iArg(int64(m.Positions)), iArg(int64(m.Stride)), iArg(int64(shiftOff)),
			iArg(int64(scaleOff)), fArg(eps))
	})
}

// GatedAdd enqueues adaLN-Zero's gated residual x += gate z in place (gated_add_f32), gate the chunk of mod
// at gateOff.
func (s *Stream) GatedAdd(x, z, mod Buffer, m Modulation, gateOff int) error {
	if err := m.check("gated residual", x, mod, gateOff); err != nil {
		return err
	}
	if z.n != x.n {
		return fmt.Errorf("gpu: gated residual: z has %d values, x %d", z.n, x.n)
	}
	return s.d.do(func() error {
		return s.grid1(kGatedAdd, int64(x.n), pArg(x.ptr), pArg(z.ptr), pArg(mod.ptr), iArg(int64(m.Rows)), iArg(int64(m.Channels)),
			iArg(int64(m.Positions)), iArg(int64(m.Stride)), iArg(int64(gateOff)))
	})
}

// AttentionShape is the geometry of multi-head self-attention over Batch sequences of Length positions with
// Heads heads of width HeadDim.
type AttentionShape struct {
	Batch, Length, Heads, HeadDim int
	Causal                        bool // query i attends to keys j <= i only
}

// Attention enqueues o = softmax(Q K^T / sqrt(HeadDim)) V per head (attention_f32, an online softmax over
// key tiles that never stores the score matrix) on packed projections qkv [Batch, Length, 3 D] (queries,
// keys, values; D = Heads HeadDim), o [Batch, Length, D]: nn's Attention without a key mask.
func (s *Stream) Attention(o, qkv Buffer, a AttentionShape) error {
	if err := checkAttention(o, qkv, a); err != nil {
		return err
	}
	const queries = 64 // ATT_Q of kernels/attention.cu
	qblocks := (a.Length + queries - 1) / queries
	causal := int64(0)
	if a.Causal {
		causal = 1
	}
	return s.d.do(func() error {
		return s.launch(kAttention, qblocks*a.Heads, a.Batch, queries, 0, pArg(o.ptr), pArg(qkv.ptr), iArg(int64(a.Length)),
			iArg(int64(a.Heads)), iArg(int64(a.HeadDim)), iArg(causal), iArg(int64(qblocks)))
	})
}

// TokenEmbed enqueues h [rows, width] = (xscale x) wt + bias + pos[row mod length] (token_embed_f32: nn's
// Transformer input, x_embed then pos_embed) for x [rows, channels], wt the embedding weight transposed
// [channels, width], bias [width] and pos [length, width]; rows is a multiple of length.
func (s *Stream) TokenEmbed(h, x, wt, bias, pos Buffer, rows, length, channels, width int, xscale float64) error {
	if rows < 1 || length < 1 || channels < 1 || width < 1 || rows%length != 0 {
		return fmt.Errorf("gpu: token embedding of [%d, %d] into %d (length %d)", rows, channels, width, length)
	}
	if h.n != rows*width || x.n != rows*channels || wt.n != channels*width || bias.n != width || pos.n != length*width {
		return fmt.Errorf("gpu: token embedding of [%d, %d] into %d: h %d, x %d, wt %d, bias %d, pos %d values", rows, channels, width,
			h.n, x.n, wt.n, bias.n, pos.n)
	}
	if math.IsNaN(xscale) || math.IsInf(xscale, 0) {
		return fmt.Errorf("gpu: token embedding input scale %v", xscale)
	}
	return s.d.do(func() error {
		return s.grid1(kTokenEmbed, int64(h.n), pArg(h.ptr), pArg(x.ptr), pArg(wt.ptr), pArg(bias.ptr), pArg(pos.ptr), iArg(int64(rows)),
			iArg(int64(length)), iArg(int64(channels)), iArg(int64(width)), fArg(xscale))
	})
}

// checkAttention checks an attention's shape (positive, heads at most attentionMaxHeadDim wide, at most
// attentionMaxBatch sequences) and its buffers.
func checkAttention(o, qkv Buffer, a AttentionShape) error {
	if a.Batch > attentionMaxBatch {
		return fmt.Errorf("gpu: attention over %d sequences, at most %d", a.Batch, attentionMaxBatch)
	}
	return checkAttentionBuffers(o, qkv, a)
}

// attentionMaxBatch is the most sequences one attention launch takes (the grid's y dimension).
const attentionMaxBatch = 65535

// checkAttentionBuffers checks an attention's sizes (positive, heads at most attentionMaxHeadDim wide) and
// buffers, whatever the number of sequences.
func checkAttentionBuffers(o, qkv Buffer, a AttentionShape) error {
	if a.Batch < 1 || a.Length < 1 || a.Heads < 1 || a.HeadDim < 1 {
		return fmt.Errorf("gpu: attention %+v: need positive sizes", a)
	}
	if a.HeadDim > attentionMaxHeadDim {
		return fmt.Errorf("gpu: attention heads of width %d: the device kernel supports at most %d", a.HeadDim, attentionMaxHeadDim)
	}
	D := a.Heads * a.HeadDim
	if qkv.n != a.Batch*a.Length*3*D || o.n != a.Batch*a.Length*D {
		return fmt.Errorf("gpu: attention %+v: qkv has %d values (want %d), o %d (want %d)", a, qkv.n, a.Batch*a.Length*3*D, o.n, a.Batch*a.Length*D)
	}
	return nil
}

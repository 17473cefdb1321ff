package nn

import (
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/nn/internal/kern"
)

// Ops of the video U-Net's temporal attention (nn/unet3d.go): every spatial position of a channels-last
// video attends over its own frames, with rotary embeddings of the frame index on queries and keys and a
// learned relative position bias on the logits.

// FramesToPositions turns a video x [B, F, H, W, C] into [B, H, W, F, C], one sequence of frames per
// position; its gradient is PositionsToFrames.
func (b *Builder) FramesToPositions(x *G.Node) *G.Node {
	if !b.ok(x) {
		return nil
	}
	xs := x.Shape()
	if len(xs) != 5 {
		return b.failf("FramesToPositions: x %v, want [B, F, H, W, C]", xs)
	}
	return b.swapMid("FramesToPositions", x, tensor.Shape{xs[0], xs[2], xs[3], xs[1], xs[4]}, xs[0], xs[1], xs[2]*xs[3], xs[4])
}

// PositionsToFrames turns x [B, H, W, F, C] back into a video [B, F, H, W, C].
func (b *Builder) PositionsToFrames(x *G.Node) *G.Node {
	if !b.ok(x) {
		return nil
	}
	xs := x.Shape()
	if len(xs) != 5 {
		return b.failf("PositionsToFrames: x %v, want [B, H, W, F, C]", xs)
	}
	return b.swapMid("PositionsToFrames", x, tensor.Shape{xs[0], xs[3], xs[1], xs[2], xs[4]}, xs[0], xs[1]*xs[2], xs[3], xs[4])
}

// swapMid is y [B, Q, P, C] = x [B, P, Q, C]; the gradient swaps back.
func (b *Builder) swapMid(name string, x *G.Node, shape tensor.Shape, B, P, Q, C int) *G.Node {
	k := swapKernel(B, P, Q, C)
	grad := func(_ int, in G.Nodes, _, dy *G.Node) (*G.Node, error) {
		return gradFn(b.dt, name+"Grad", in[0].Shape(), swapKernel(B, Q, P, C), dy)
	}
	return b.fn(name, shape, k, grad, nodes(x))
}

func swapKernel(B, P, Q, C int) kernel {
	return kernel{f32: func(y []float32, in [][]float32) { kern.SwapMid(y, in[0], B, P, Q, C) },
		f64: func(y []float64, in [][]float64) { kern.SwapMid(y, in[0], B, P, Q, C) }}
}

// qkvSeqs checks packed projections qkv [..., L, 3D] with heads heads and returns the sequence count N
// and per-head width Dh.
func (b *Builder) qkvSeqs(name string, qkv *G.Node, heads int) (N, L, Dh int, ok bool) {
	s := qkv.Shape()
	r := len(s)
	if r < 3 || s[r-1]%3 != 0 || heads <= 0 || (s[r-1]/3)%heads != 0 {
		b.failf("%s: qkv %v with %d heads, want [..., L, 3D] with D divisible by heads", name, s, heads)
		return 0, 0, 0, false
	}
	L = s[r-2]
	return s.TotalSize() / (L * s[r-1]), L, s[r-1] / 3 / heads, true
}

// Rotary applies rotary position embeddings (Su et al. 2021) of the sequence index to the first
// 2 len(freqs) features of every head of the queries and keys in qkv [..., L, 3D]
// (rotary_embedding_torch's rotate_queries_or_keys on q and k: interleaved pairs rotated by l freqs[i]
// at position l); values pass unchanged. freqs [R] is a fixed buffer (no gradient). The map is a
// rotation, so its gradient is the inverse rotation.
func (b *Builder) Rotary(qkv, freqs *G.Node, heads int) *G.Node {
	if !b.ok(qkv, freqs) {
		return nil
	}
	N, L, Dh, ok := b.qkvSeqs("Rotary", qkv, heads)
	if !ok {
		return nil
	}
	fs := freqs.Shape()
	if len(fs) != 1 || 2*fs[0] > Dh || fs[0] < 1 {
		return b.failf("Rotary: frequencies %v for heads of %d features, want [R] with 2 R up to the head width", fs, Dh)
	}
	g := kern.RotaryGeom{N: N, L: L, H: heads, Dh: Dh, Rot: 2 * fs[0]}
	k := rotaryKernel(g, false)
	grad := func(_ int, in G.Nodes, _, dy *G.Node) (*G.Node, error) {
		return gradFn(b.dt, "RotaryGrad", in[0].Shape(), rotaryKernel(g, true), dy, in[1])
	}
	return b.fn("Rotary", qkv.Shape().Clone(), k, grad, nodes(qkv, freqs), 1)
}

func rotaryKernel(g kern.RotaryGeom, inverse bool) kernel {
	return kernel{f32: func(y []float32, in [][]float32) { kern.Rotary(y, in[0], in[1], g, inverse) },
		f64: func(y []float64, in [][]float64) { kern.Rotary(y, in[0], in[1], g, inverse) }}
}

// biasAttnState holds the forward pass's probabilities for both gradients.
type biasAttnState struct {
	g     kern.BiasAttnGeom
	p, ds scratch
}

// BiasedAttention is multi-head scaled dot-product self-attention on packed projections qkv [..., L, 3D]
// (Attention's layout, any number of leading sequence axes) with an additive logit bias [H, L, L] shared
// by all sequences: softmax(Q K^T / sqrt(Dh) + bias_h) V, [..., L, D] before the output projection.
// Both qkv and the bias get gradients.
func (b *Builder) BiasedAttention(qkv, bias *G.Node, heads int) *G.Node {
	if !b.ok(qkv, bias) {
		return nil
	}
	N, L, Dh, ok := b.qkvSeqs("BiasedAttention", qkv, heads)
	if !ok {
		return nil
	}
	if bs := bias.Shape(); len(bs) != 3 || bs[0] != heads || bs[1] != L || bs[2] != L {
		return b.failf("BiasedAttention: bias %v, want [%d, %d, %d]", bs, heads, L, L)
	}
	st := &biasAttnState{g: kern.BiasAttnGeom{N: N, L: L, H: heads, Dh: Dh}}
	g := st.g
	np := N * heads * L * L
	k := kernel{f32: func(y []float32, in [][]float32) { kern.BiasAttnFwd(y, buf[float32](&st.p, np), in[0], in[1], g) },
		f64: func(y []float64, in [][]float64) { kern.BiasAttnFwd(y, buf[float64](&st.p, np), in[0], in[1], g) }}
	shape := qkv.Shape().Clone()
	shape[len(shape)-1] /= 3
	// Each gradient op recomputes the logit gradient from the saved probabilities: the two ops then need
	// no order between them, and the attention is cheap next to the convolutions around it.
	grad := func(i int, in G.Nodes, _, dy *G.Node) (*G.Node, error) {
		if i == 0 {
			k := kernel{f32: func(y []float32, v [][]float32) { biasAttnGradQKV(st, y, v[0], v[1]) },
				f64: func(y []float64, v [][]float64) { biasAttnGradQKV(st, y, v[0], v[1]) }}
			return gradFn(b.dt, "BiasedAttentionGrad", in[0].Shape(), k, dy, in[0])
		}
		k := kernel{f32: func(y []float32, v [][]float32) { biasAttnGradBias(st, y, v[0], v[1]) },
			f64: func(y []float64, v [][]float64) { biasAttnGradBias(st, y, v[0], v[1]) }}
		return gradFn(b.dt, "BiasedAttentionGradBias", in[1].Shape(), k, dy, in[0])
	}
	return b.fn("BiasedAttention", shape, k, grad, nodes(qkv, bias))
}

func biasAttnGradQKV[T Float](st *biasAttnState, dqkv, dy, qkv []T) {
	g := st.g
	n := g.N * g.H * g.L * g.L
	p, ds := buf[T](&st.p, n), buf[T](&st.ds, n)
	kern.BiasAttnLogitGrad(ds, dy, qkv, p, g)
	kern.BiasAttnBwd(dqkv, ds, dy, qkv, p, g)
}

func biasAttnGradBias[T Float](st *biasAttnState, dbias, dy, qkv []T) {
	g := st.g
	n := g.N * g.H * g.L * g.L
	ds := buf[T](&st.ds, n)
	kern.BiasAttnLogitGrad(ds, dy, qkv, buf[T](&st.p, n), g)
	kern.ReduceRows(dbias, ds, g.N, g.H*g.L*g.L)
}

// RelPosBias is the T5 relative position bias of video-diffusion-pytorch's RelativePositionBias: the
// table emb [buckets, H] (an nn.Embedding) looked up at the bucket of every key offset j - i of a
// sequence of length L (kern.RelPosBucket), giving bias [H, L, L]; the gradient adds back into the table.
func (b *Builder) RelPosBias(emb *G.Node, L, maxDistance int) *G.Node {
	if !b.ok(emb) {
		return nil
	}
	es := emb.Shape()
	if len(es) != 2 || es[0] < 2 || L <= 0 || maxDistance <= es[0]/4 {
		return b.failf("RelPosBias: table %v, length %d, max distance %d", es, L, maxDistance)
	}
	nb, H := es[0], es[1]
	idx := make([]int, L*L)
	for i := 0; i < L; i++ {
		for j := 0; j < L; j++ {
			idx[i*L+j] = kern.RelPosBucket(j-i, nb, maxDistance)
		}
	}
	k := kernel{f32: func(y []float32, in [][]float32) { relPosGather(y, in[0], idx, H) },
		f64: func(y []float64, in [][]float64) { relPosGather(y, in[0], idx, H) }}
	grad := func(_ int, in G.Nodes, _, dy *G.Node) (*G.Node, error) {
		k := kernel{f32: func(y []float32, v [][]float32) { relPosScatter(y, v[0], idx, H) },
			f64: func(y []float64, v [][]float64) { relPosScatter(y, v[0], idx, H) }}
		return gradFn(b.dt, "RelPosBiasGrad", in[0].Shape(), k, dy)
	}
	return b.fn("RelPosBias", tensor.Shape{H, L, L}, k, grad, nodes(emb))
}

func relPosGather[T Float](y, emb []T, idx []int, H int) {
	n := len(idx)
	for h := 0; h < H; h++ {
		for ij, bk := range idx {
			y[h*n+ij] = emb[bk*H+h]
		}
	}
}

func relPosScatter[T Float](demb, dy []T, idx []int, H int) {
	clear(demb)
	n := len(idx)
	for h := 0; h < H; h++ {
		for ij, bk := range idx {
			demb[bk*H+h] += dy[h*n+ij]
		}
	}
}

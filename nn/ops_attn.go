package nn

import (
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/nn/internal/kern"
)

// attnState holds the attention probabilities of the forward pass for the backward pass.
type attnState struct {
	g       kern.AttnGeom
	masked  bool
	p, work scratch
}

// attnOp is the core of multi-head self-attention, softmax(Q K^T/sqrt(Dh) + mask) V per head, or its
// gradient with respect to the packed qkv.
type attnOp struct {
	op
	st   *attnState
	grad bool
}

// Attention is multi-head scaled dot-product self-attention on packed projections qkv [B, L, 3D]
// (queries, keys and values side by side, as PyTorch's MultiheadAttention in_proj produces them), with
// heads heads of width D/heads; the result is [B, L, D], before the output projection. causal restricts
// query i to keys j <= i; keyMask [B, L] (data, or nil) marks attendable keys with nonzero values.
func (b *Builder) Attention(qkv *G.Node, heads int, causal bool, keyMask *G.Node) *G.Node {
	if !b.ok(qkv) {
		return nil
	}
	s := qkv.Shape()
	if len(s) != 3 || s[2]%3 != 0 || heads <= 0 || (s[2]/3)%heads != 0 {
		return b.failf("Attention: qkv %v with %d heads, want [B, L, 3D] with D divisible by heads", s, heads)
	}
	D := s[2] / 3
	st := &attnState{g: kern.AttnGeom{B: s[0], L: s[1], H: heads, Dh: D / heads, Causal: causal}}
	inputs := []*G.Node{qkv}
	if keyMask != nil {
		if ms := keyMask.Shape(); len(ms) != 2 || ms[0] != s[0] || ms[1] != s[1] {
			return b.failf("Attention: key mask %v, want [%d, %d]", ms, s[0], s[1])
		}
		inputs = append(inputs, keyMask)
		st.masked = true
	}
	o := &attnOp{op: newOp("Attention", b.dt, tensor.Shape{s[0], s[1], D}, inputs...), st: st}
	return b.apply(o, o.diff, inputs, 1)
}

func (o *attnOp) Do(in ...G.Value) (G.Value, error) {
	g := &o.st.g
	n := g.B * g.L * g.D()
	var err error
	if o.grad {
		err = o.check(in, n, 3*n)
	} else {
		err = o.check(in, 3*n, g.B*g.L)
	}
	if err != nil {
		return nil, err
	}
	y := o.output()
	if o.dt == tensor.Float32 {
		attnDo[float32](o, data[float32](y), in)
	} else {
		attnDo[float64](o, data[float64](y), in)
	}
	return y, nil
}

func attnDo[T Float](o *attnOp, y []T, in []G.Value) {
	g := &o.st.g
	p := buf[T](&o.st.p, g.B*g.H*g.L*g.L)
	if o.grad {
		kern.AttnBwd(y, data[T](in[0]), data[T](in[1]), p, buf[T](&o.st.work, g.B*g.H*g.L*g.L), g)
		return
	}
	var mask []T
	if o.st.masked {
		mask = data[T](in[1])
	}
	kern.AttnFwd(y, p, data[T](in[0]), mask, g)
}

func (o *attnOp) UsePreallocDo(_ G.Value, in ...G.Value) (G.Value, error) { return o.Do(in...) }

func (o *attnOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if o.grad {
		return nil, errNoSecondOrder(o.name)
	}
	g := &attnOp{op: newOp("AttentionGrad", o.dt, inputs[0].Shape(), grad, inputs[0]), st: o.st, grad: true}
	n, err := G.ApplyOp(g, grad, inputs[0])
	if err != nil {
		return nil, err
	}
	res := make(G.Nodes, len(inputs))
	res[0] = n
	return res, nil
}

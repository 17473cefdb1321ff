package nn

import (
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/nn/internal/kern"
)

// rowScaleOp is y[b, :] = s_b x[b, :] for x [B, D] and a data vector s [B]: classifier-free guidance's
// condition dropout (s_b = 0 drops the condition of example b, Ho & Salimans 2022).
type rowScaleOp struct {
	op
	b, d int
}

// RowScale multiplies row b of x [B, ...] by s[b] (s [B] is data, e.g. a keep mask).
func (b *Builder) RowScale(x, s *G.Node) *G.Node {
	if !b.ok(x, s) {
		return nil
	}
	xs, ss := x.Shape(), s.Shape()
	if len(ss) != 1 || len(xs) < 1 || xs[0] != ss[0] {
		return b.failf("RowScale: x %v and s %v do not match (want [B, ...] and [B])", xs, ss)
	}
	o := &rowScaleOp{op: newOp("RowScale", b.dt, xs, x, s), b: xs[0], d: xs.TotalSize() / xs[0]}
	return b.apply(o, o.diff, []*G.Node{x, s}, 1)
}

func (o *rowScaleOp) Do(in ...G.Value) (G.Value, error) {
	if err := o.check(in, o.b*o.d, o.b); err != nil {
		return nil, err
	}
	y := o.output()
	if o.dt == tensor.Float32 {
		kern.RowScale(data[float32](y), data[float32](in[0]), data[float32](in[1]), o.d)
	} else {
		kern.RowScale(data[float64](y), data[float64](in[0]), data[float64](in[1]), o.d)
	}
	return y, nil
}

func (o *rowScaleOp) UsePreallocDo(_ G.Value, in ...G.Value) (G.Value, error) { return o.Do(in...) }

func (o *rowScaleOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	g := &rowScaleOp{op: newOp("RowScaleGrad", o.dt, inputs[0].Shape(), grad, inputs[1]), b: o.b, d: o.d}
	n, err := G.ApplyOp(g, grad, inputs[1])
	return G.Nodes{n, nil}, err
}

// dropoutOp is inverted dropout (Srivastava et al. 2014): y = x m with m = 1/(1-p) with probability
// 1-p and 0 otherwise, redrawn each step from Philox4x32 keyed by (seed, step, op stream).
type dropoutOp struct {
	op
	p      float64
	n      int
	stream uint32
	mask   scratch
	seed   uint64
	step   uint64
	drawn  bool
	drawnS uint64
}

// Dropout zeroes each element with probability p during training and scales the rest by 1/(1-p); in
// inference graphs it is the identity.
func (b *Builder) Dropout(x *G.Node, p float64) *G.Node {
	if !b.ok(x) {
		return nil
	}
	if p < 0 || p >= 1 {
		return b.failf("Dropout: probability %v outside [0, 1)", p)
	}
	if !b.training || p == 0 {
		return x
	}
	o := &dropoutOp{op: newOp("Dropout", b.dt, x.Shape(), x), p: p, n: x.Shape().TotalSize(), stream: uint32(len(b.random) + 1)}
	b.random = append(b.random, o)
	return b.apply(o, o.diff, []*G.Node{x})
}

func (o *dropoutOp) setStep(seed, step uint64) { o.seed, o.step = seed, step }

// dropoutMask returns the mask of the current step, drawing it on the forward pass (which resets drawn)
// and reusing it in the backward pass.
func dropoutMask[T Float](o *dropoutOp) []T {
	m := buf[T](&o.mask, o.n)
	if o.drawn && o.drawnS == o.step {
		return m
	}
	g := diffusion.NewPhilox(o.seed)
	keep := T(1 / (1 - o.p))
	for i := 0; i < o.n; i += 4 {
		w := g.Block([4]uint32{uint32(i / 4), uint32(uint64(i/4) >> 32), o.stream, uint32(o.step)})
		for j := 0; j < 4 && i+j < o.n; j++ {
			u := float64(w[j]>>8) / (1 << 24)
			if u < o.p {
				m[i+j] = 0
			} else {
				m[i+j] = keep
			}
		}
	}
	o.drawn, o.drawnS = true, o.step
	return m
}

func (o *dropoutOp) Do(in ...G.Value) (G.Value, error) {
	if err := o.check(in, o.n); err != nil {
		return nil, err
	}
	o.drawn = false
	y := o.output()
	if o.dt == tensor.Float32 {
		kern.Mul(data[float32](y), data[float32](in[0]), dropoutMask[float32](o))
	} else {
		kern.Mul(data[float64](y), data[float64](in[0]), dropoutMask[float64](o))
	}
	return y, nil
}

func (o *dropoutOp) UsePreallocDo(_ G.Value, in ...G.Value) (G.Value, error) { return o.Do(in...) }

func (o *dropoutOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	g := &dropoutGradOp{op: newOp("DropoutGrad", o.dt, inputs[0].Shape(), grad), fwd: o}
	n, err := G.ApplyOp(g, grad)
	return G.Nodes{n}, err
}

type dropoutGradOp struct {
	op
	fwd *dropoutOp
}

func (o *dropoutGradOp) Do(in ...G.Value) (G.Value, error) {
	if err := o.check(in, o.fwd.n); err != nil {
		return nil, err
	}
	y := o.output()
	if o.dt == tensor.Float32 {
		kern.Mul(data[float32](y), data[float32](in[0]), dropoutMask[float32](o.fwd))
	} else {
		kern.Mul(data[float64](y), data[float64](in[0]), dropoutMask[float64](o.fwd))
	}
	return y, nil
}

func (o *dropoutGradOp) UsePreallocDo(_ G.Value, in ...G.Value) (G.Value, error) { return o.Do(in...) }
func (o *dropoutGradOp) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, errNoSecondOrder(o.name)
}

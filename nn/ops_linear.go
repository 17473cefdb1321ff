package nn

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/nn/internal/kern"
)

// linearOp is y [..., Out] = x [..., In] W^T + b with W [Out, In]: one GEMM and a bias pass.
type linearOp struct {
	op
	n, in, out int
	bias       bool
}

// Linear applies x W^T + bias to the last axis of x (PyTorch's nn.Linear; bias may be nil).
func (b *Builder) Linear(x, w, bias *G.Node) *G.Node {
	if !b.ok(x, w) {
		return nil
	}
	xs, ws := x.Shape(), w.Shape()
	if len(ws) != 2 || len(xs) < 1 || xs[len(xs)-1] != ws[1] {
		return b.failf("Linear: x %v and weight %v do not match (want x [..., in], weight [out, in])", xs, ws)
	}
	in, out := ws[1], ws[0]
	shape := append(tensor.Shape{}, xs...)
	shape[len(shape)-1] = out
	inputs := []*G.Node{x, w}
	if bias != nil {
		if bs := bias.Shape(); len(bs) != 1 || bs[0] != out {
			return b.failf("Linear: bias %v, want [%d]", bs, out)
		}
		inputs = append(inputs, bias)
	}
	o := &linearOp{op: newOp("Linear", b.dt, shape, inputs...), n: xs.TotalSize() / in, in: in, out: out, bias: bias != nil}
	return b.apply(o, o.diff, inputs)
}

func (o *linearOp) Do(in ...G.Value) (G.Value, error) {
	if err := o.check(in, o.n*o.in, o.out*o.in, o.out); err != nil {
		return nil, err
	}
	y := o.output()
	if o.dt == tensor.Float32 {
		linearDo[float32](o, y, in)
	} else {
		linearDo[float64](o, y, in)
	}
	return y, nil
}

func linearDo[T Float](o *linearOp, y *tensor.Dense, in []G.Value) {
	var bias []T
	if o.bias {
		bias = data[T](in[2])
	}
	kern.LinearFwd(data[T](y), data[T](in[0]), data[T](in[1]), bias, o.n, o.in, o.out)
}

func (o *linearOp) UsePreallocDo(_ G.Value, in ...G.Value) (G.Value, error) { return o.Do(in...) }

func (o *linearOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	res := make(G.Nodes, len(inputs))
	var err error
	if o.diff[0] {
		g := &linearGradOp{op: newOp("LinearGradX", o.dt, inputs[0].Shape(), grad, inputs[1]), fwd: o}
		if res[0], err = G.ApplyOp(g, grad, inputs[1]); err != nil {
			return nil, err
		}
	}
	if o.diff[1] {
		g := &linearGradOp{op: newOp("LinearGradW", o.dt, inputs[1].Shape(), grad, inputs[0]), fwd: o, weight: true}
		if res[1], err = G.ApplyOp(g, grad, inputs[0]); err != nil {
			return nil, err
		}
	}
	if o.bias && o.diff[2] {
		if res[2], err = colSum(grad, o.n, tensor.Shape{o.out}); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// linearGradOp is dx = dy W (weight false: inputs dy, W) or dW = dy^T x (weight true: inputs dy, x).
type linearGradOp struct {
	op
	fwd    *linearOp
	weight bool
}

func (o *linearGradOp) Do(in ...G.Value) (G.Value, error) {
	f := o.fwd
	second := f.out * f.in
	if o.weight {
		second = f.n * f.in
	}
	if err := o.check(in, f.n*f.out, second); err != nil {
		return nil, err
	}
	y := o.output()
	if o.dt == tensor.Float32 {
		linearGradDo[float32](o, y, in)
	} else {
		linearGradDo[float64](o, y, in)
	}
	return y, nil
}

func linearGradDo[T Float](o *linearGradOp, y *tensor.Dense, in []G.Value) {
	f := o.fwd
	if o.weight {
		kern.LinearBwdWeight(data[T](y), data[T](in[0]), data[T](in[1]), f.n, f.in, f.out)
	} else {
		kern.LinearBwdData(data[T](y), data[T](in[0]), data[T](in[1]), f.n, f.in, f.out)
	}
}

func (o *linearGradOp) UsePreallocDo(_ G.Value, in ...G.Value) (G.Value, error) { return o.Do(in...) }
func (o *linearGradOp) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, errNoSecondOrder(o.name)
}

func errNoSecondOrder(name string) error {
	return fmt.Errorf("nn: %s: second derivatives are not implemented", name)
}

// colSumOp is the bias gradient db [C] = sum over rows of dy [N, C].
type colSumOp struct {
	op
	n, c int
}

// colSum adds the op db = column sums of dy viewed as [n, c]; db has the given shape (c values).
func colSum(dy *G.Node, n int, shape tensor.Shape) (*G.Node, error) {
	o := &colSumOp{op: newOp("BiasGrad", dy.Dtype(), shape, dy), n: n, c: shape.TotalSize()}
	return G.ApplyOp(o, dy)
}

func (o *colSumOp) Do(in ...G.Value) (G.Value, error) {
	if err := o.check(in, o.n*o.c); err != nil {
		return nil, err
	}
	y := o.output()
	if o.dt == tensor.Float32 {
		kern.ColSum(data[float32](y), data[float32](in[0]), o.n, o.c)
	} else {
		kern.ColSum(data[float64](y), data[float64](in[0]), o.n, o.c)
	}
	return y, nil
}

func (o *colSumOp) UsePreallocDo(_ G.Value, in ...G.Value) (G.Value, error) { return o.Do(in...) }
func (o *colSumOp) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, errNoSecondOrder(o.name)
}

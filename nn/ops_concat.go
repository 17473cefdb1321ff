package nn

import (
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/nn/internal/kern"
)

// concatOp is y [..., C1+C2] = [a [..., C1] | b [..., C2]] (the U-Net's skip connections).
type concatOp struct {
	op
	n, c1, c2 int
}

// Concat joins x and y along the last (channel) axis; the other axes must agree.
func (b *Builder) Concat(x, y *G.Node) *G.Node {
	if !b.ok(x, y) {
		return nil
	}
	xs, ys := x.Shape(), y.Shape()
	if len(xs) != len(ys) || len(xs) < 1 || !xs[:len(xs)-1].Eq(ys[:len(ys)-1]) {
		return b.failf("Concat: shapes %v and %v differ outside the last axis", xs, ys)
	}
	c1, c2 := xs[len(xs)-1], ys[len(ys)-1]
	shape := append(tensor.Shape{}, xs...)
	shape[len(shape)-1] = c1 + c2
	o := &concatOp{op: newOp("Concat", b.dt, shape, x, y), n: xs.TotalSize() / c1, c1: c1, c2: c2}
	return b.apply(o, o.diff, []*G.Node{x, y})
}

func (o *concatOp) Do(in ...G.Value) (G.Value, error) {
	if err := o.check(in, o.n*o.c1, o.n*o.c2); err != nil {
		return nil, err
	}
	y := o.output()
	if o.dt == tensor.Float32 {
		kern.ConcatFwd(data[float32](y), data[float32](in[0]), data[float32](in[1]), o.n, o.c1, o.c2)
	} else {
		kern.ConcatFwd(data[float64](y), data[float64](in[0]), data[float64](in[1]), o.n, o.c1, o.c2)
	}
	return y, nil
}

func (o *concatOp) UsePreallocDo(_ G.Value, in ...G.Value) (G.Value, error) { return o.Do(in...) }

func (o *concatOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	res := G.Nodes{nil, nil}
	offs := [2]int{0, o.c1}
	widths := [2]int{o.c1, o.c2}
	for i := range res {
		if !o.diff[i] {
			continue
		}
		g := &sliceColsOp{op: newOp("SliceCols", o.dt, inputs[i].Shape(), grad), n: o.n, c: o.c1 + o.c2, off: offs[i], w: widths[i]}
		n, err := G.ApplyOp(g, grad)
		if err != nil {
			return nil, err
		}
		res[i] = n
	}
	return res, nil
}

type sliceColsOp struct {
	op
	n, c, off, w int
}

func (o *sliceColsOp) Do(in ...G.Value) (G.Value, error) {
	if err := o.check(in, o.n*o.c); err != nil {
		return nil, err
	}
	y := o.output()
	if o.dt == tensor.Float32 {
		kern.SliceCols(data[float32](y), data[float32](in[0]), o.n, o.c, o.off, o.w)
	} else {
		kern.SliceCols(data[float64](y), data[float64](in[0]), o.n, o.c, o.off, o.w)
	}
	return y, nil
}

func (o *sliceColsOp) UsePreallocDo(_ G.Value, in ...G.Value) (G.Value, error) { return o.Do(in...) }
func (o *sliceColsOp) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, errNoSecondOrder(o.name)
}

package nn

import (
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// kernel is a forward computation on flat buffers in both precisions: y (the op's output, to be fully
// written) from the input values in, in the order the op was applied to.
type kernel struct {
	f32 func(y []float32, in [][]float32)
	f64 func(y []float64, in [][]float64)
}

// kernelOf binds the parameters p of a generic kernel to both of its instantiations.
func kernelOf[P any](p P, f32 func(P, []float32, [][]float32), f64 func(P, []float64, [][]float64)) kernel {
	return kernel{
		f32: func(y []float32, in [][]float32) { f32(p, y, in) },
		f64: func(y []float64, in [][]float64) { f64(p, y, in) },
	}
}

// fnOp is an op defined by a kernel and, for each differentiable input, a function that adds the op
// computing that input's gradient. The geometric layers (EGTN) are built from such ops: each is small,
// its gradient ops are fnOps too, and none of them supports second-order differentiation.
type fnOp struct {
	op
	sizes []int // value count of each input
	k     kernel
	// grad returns the gradient node of input i given the op's inputs and the output's gradient; nil
	// means the op is a gradient op itself.
	grad func(i int, inputs G.Nodes, output, dy *G.Node) (*G.Node, error)
	in32 [][]float32 // input views, reused
	in64 [][]float64
}

// fn applies a kernel op to inputs; nondiff lists inputs that never get a gradient (data such as times).
func (b *Builder) fn(name string, shape tensor.Shape, k kernel, grad func(int, G.Nodes, *G.Node, *G.Node) (*G.Node, error), inputs []*G.Node, nondiff ...int) *G.Node {
	if !b.ok(inputs...) {
		return nil
	}
	o := &fnOp{op: newOp(name, b.dt, shape, inputs...), k: k, grad: grad}
	for _, n := range inputs {
		o.sizes = append(o.sizes, n.Shape().TotalSize())
	}
	return b.apply(o, o.diff, inputs, nondiff...)
}

// gradFn builds a gradient op (no further derivative) with a kernel over (inputs..., dy).
func gradFn(dt tensor.Dtype, name string, shape tensor.Shape, k kernel, inputs ...*G.Node) (*G.Node, error) {
	o := &fnOp{op: newOp(name, dt, shape, inputs...), k: k}
	for _, n := range inputs {
		o.sizes = append(o.sizes, n.Shape().TotalSize())
	}
	return G.ApplyOp(o, inputs...)
}

func (o *fnOp) Do(in ...G.Value) (G.Value, error) {
	if err := o.check(in, o.sizes...); err != nil {
		return nil, err
	}
	y := o.output()
	if o.dt == tensor.Float32 {
		if o.in32 == nil {
			o.in32 = make([][]float32, len(in))
		}
		for i, v := range in {
			o.in32[i] = data[float32](v)
		}
		o.k.f32(data[float32](y), o.in32)
	} else {
		if o.in64 == nil {
			o.in64 = make([][]float64, len(in))
		}
		for i, v := range in {
			o.in64[i] = data[float64](v)
		}
		o.k.f64(data[float64](y), o.in64)
	}
	return y, nil
}

func (o *fnOp) UsePreallocDo(_ G.Value, in ...G.Value) (G.Value, error) { return o.Do(in...) }

func (o *fnOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if o.grad == nil {
		return nil, errNoSecondOrder(o.name)
	}
	res := make(G.Nodes, len(inputs))
	for i := range res {
		if !o.diff[i] {
			continue
		}
		n, err := o.grad(i, inputs, output, grad)
		if err != nil {
			return nil, err
		}
		res[i] = n
	}
	return res, nil
}

// nodes is a convenience for building input lists.
func nodes(ns ...*G.Node) G.Nodes { return ns }

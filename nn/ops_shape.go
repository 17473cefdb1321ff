package nn

import (
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/nn/internal/kern"
)

func copyKernel() kernel {
	return kernel{f32: func(y []float32, in [][]float32) { copy(y, in[0]) }, f64: func(y []float64, in [][]float64) { copy(y, in[0]) }}
}

// Reshape returns x with another shape of the same size (a copy: ops own their outputs).
func (b *Builder) Reshape(x *G.Node, shape ...int) *G.Node {
	if !b.ok(x) {
		return nil
	}
	if tensor.Shape(shape).TotalSize() != x.Shape().TotalSize() {
		return b.failf("Reshape: %v to %v changes the size", x.Shape(), shape)
	}
	grad := func(_ int, in G.Nodes, _, dy *G.Node) (*G.Node, error) {
		return gradFn(b.dt, "ReshapeGrad", in[0].Shape(), copyKernel(), dy)
	}
	return b.fn("Reshape", tensor.Shape(shape).Clone(), copyKernel(), grad, nodes(x))
}

// SliceCols returns columns [off, off+w) of x [N, C] -> [N, w].
func (b *Builder) SliceCols(x *G.Node, off, w int) *G.Node {
	if !b.ok(x) {
		return nil
	}
	xs := x.Shape()
	if len(xs) != 2 || off < 0 || w < 1 || off+w > xs[1] {
		return b.failf("SliceCols: columns [%d, %d) of %v", off, off+w, xs)
	}
	n, c := xs[0], xs[1]
	k := kernel{f32: func(y []float32, in [][]float32) { kern.SliceCols(y, in[0], n, c, off, w) },
		f64: func(y []float64, in [][]float64) { kern.SliceCols(y, in[0], n, c, off, w) }}
	grad := func(_ int, in G.Nodes, _, dy *G.Node) (*G.Node, error) {
		k := kernel{f32: func(y []float32, in [][]float32) { kern.PadColsFwd(y, in[0], n, c, off, w) },
			f64: func(y []float64, in [][]float64) { kern.PadColsFwd(y, in[0], n, c, off, w) }}
		return gradFn(b.dt, "PadCols", in[0].Shape(), k, dy)
	}
	return b.fn("SliceCols", tensor.Shape{n, w}, k, grad, nodes(x))
}

// Sub returns x - y for nodes of the same shape.
func (b *Builder) Sub(x, y *G.Node) *G.Node {
	if !b.ok(x, y) {
		return nil
	}
	if !x.Shape().Eq(y.Shape()) {
		return b.failf("Sub: shapes %v and %v differ", x.Shape(), y.Shape())
	}
	k := kernel{f32: func(o []float32, in [][]float32) { subKernel(o, in[0], in[1]) },
		f64: func(o []float64, in [][]float64) { subKernel(o, in[0], in[1]) }}
	grad := func(i int, in G.Nodes, _, dy *G.Node) (*G.Node, error) {
		if i == 0 {
			return dy, nil
		}
		k := kernel{f32: func(o []float32, in [][]float32) { negKernel(o, in[0]) },
			f64: func(o []float64, in [][]float64) { negKernel(o, in[0]) }}
		return gradFn(b.dt, "Neg", in[1].Shape(), k, dy)
	}
	return b.fn("Sub", x.Shape().Clone(), k, grad, nodes(x, y))
}

func subKernel[T Float](o, x, y []T) {
	for i := range o {
		o[i] = x[i] - y[i]
	}
}

func negKernel[T Float](o, x []T) {
	for i := range o {
		o[i] = -x[i]
	}
}

// Center subtracts from each of the B examples of x the mean of its p points of d values (total size B p
// d): the zero-centre-of-mass projection of unconditional geometric generation. The projection is
// symmetric, so its gradient is the same projection.
func (b *Builder) Center(x *G.Node, p, d int) *G.Node {
	if !b.ok(x) {
		return nil
	}
	if n := x.Shape().TotalSize(); p < 1 || d < 1 || n%(p*d) != 0 {
		return b.failf("Center: %v does not split into examples of %d points of %d values", x.Shape(), p, d)
	}
	k := kernel{f32: func(y []float32, in [][]float32) { kern.CenterFwd(y, in[0], p, d) },
		f64: func(y []float64, in [][]float64) { kern.CenterFwd(y, in[0], p, d) }}
	grad := func(_ int, in G.Nodes, _, dy *G.Node) (*G.Node, error) {
		return gradFn(b.dt, "CenterGrad", in[0].Shape(), k, dy)
	}
	return b.fn("Center", x.Shape().Clone(), k, grad, nodes(x))
}

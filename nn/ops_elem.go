package nn

import (
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/nn/internal/kern"
)

// addOp is y = a + b for equal shapes (residual connections); the gradient passes to both unchanged.
type addOp struct {
	op
	n int
}

// Add returns a + b for nodes of the same shape.
func (b *Builder) Add(x, y *G.Node) *G.Node {
	if !b.ok(x, y) {
		return nil
	}
	if !x.Shape().Eq(y.Shape()) {
		return b.failf("Add: shapes %v and %v differ", x.Shape(), y.Shape())
	}
	o := &addOp{op: newOp("Add", b.dt, x.Shape(), x, y), n: x.Shape().TotalSize()}
	return b.apply(o, o.diff, []*G.Node{x, y})
}

func (o *addOp) Do(in ...G.Value) (G.Value, error) {
	if err := o.check(in, o.n, o.n); err != nil {
		return nil, err
	}
	y := o.output()
	if o.dt == tensor.Float32 {
		kern.Add(data[float32](y), data[float32](in[0]), data[float32](in[1]))
	} else {
		kern.Add(data[float64](y), data[float64](in[0]), data[float64](in[1]))
	}
	return y, nil
}

func (o *addOp) UsePreallocDo(_ G.Value, in ...G.Value) (G.Value, error) { return o.Do(in...) }

func (o *addOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	res := G.Nodes{nil, nil}
	for i := range res {
		if o.diff[i] {
			res[i] = grad
		}
	}
	return res, nil
}

// addRowsOp is y[b, s, c] = x[b, s, c] + e[b, c] for x [B, S..., C] and e [B, C] (a per-example channel
// shift, such as Diffuser's time embedding added after a block).
type addRowsOp struct {
	op
	b, s, c int
}

// AddRows adds e [B, C] to every position of x [B, ..., C].
func (b *Builder) AddRows(x, e *G.Node) *G.Node {
	if !b.ok(x, e) {
		return nil
	}
	xs, es := x.Shape(), e.Shape()
	if len(xs) < 2 || len(es) != 2 || es[0] != xs[0] || es[1] != xs[len(xs)-1] {
		return b.failf("AddRows: x %v and e %v do not match (want x [B, ..., C], e [B, C])", xs, es)
	}
	B, C := xs[0], xs[len(xs)-1]
	o := &addRowsOp{op: newOp("AddRows", b.dt, xs, x, e), b: B, s: xs.TotalSize() / (B * C), c: C}
	return b.apply(o, o.diff, []*G.Node{x, e})
}

func (o *addRowsOp) Do(in ...G.Value) (G.Value, error) {
	if err := o.check(in, o.b*o.s*o.c, o.b*o.c); err != nil {
		return nil, err
	}
	y := o.output()
	ch := kern.Chunk{E: o.c}
	if o.dt == tensor.Float32 {
		kern.AddRowsFwd(data[float32](y), data[float32](in[0]), data[float32](in[1]), o.b, o.s, o.c, ch)
	} else {
		kern.AddRowsFwd(data[float64](y), data[float64](in[0]), data[float64](in[1]), o.b, o.s, o.c, ch)
	}
	return y, nil
}

func (o *addRowsOp) UsePreallocDo(_ G.Value, in ...G.Value) (G.Value, error) { return o.Do(in...) }

func (o *addRowsOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	res := G.Nodes{nil, nil}
	if o.diff[0] {
		res[0] = grad
	}
	if o.diff[1] {
		g := &sumPosOp{op: newOp("SumPositions", o.dt, inputs[1].Shape(), grad), b: o.b, s: o.s, c: o.c}
		n, err := G.ApplyOp(g, grad)
		if err != nil {
			return nil, err
		}
		res[1] = n
	}
	return res, nil
}

// sumPosOp writes de[b, c] = sum_s dy[b, s, c]: the gradient of a per-example row added to every position.
type sumPosOp struct {
	op
	b, s, c int
}

func (o *sumPosOp) Do(in ...G.Value) (G.Value, error) {
	n := o.b * o.s * o.c
	if err := o.check(in, n, n); err != nil {
		return nil, err
	}
	y := o.output()
	if o.dt == tensor.Float32 {
		sumPosDo[float32](o, y, in)
	} else {
		sumPosDo[float64](o, y, in)
	}
	return y, nil
}

func sumPosDo[T Float](o *sumPosOp, y *tensor.Dense, in []G.Value) {
	kern.SumPositions(data[T](y), data[T](in[0]), nil, o.b, o.s, o.c, kern.Chunk{E: o.c})
}

func (o *sumPosOp) UsePreallocDo(_ G.Value, in ...G.Value) (G.Value, error) { return o.Do(in...) }
func (o *sumPosOp) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, errNoSecondOrder(o.name)
}

// biasOp is y = x + p with p broadcast over the leading axes of x (p's shape is x's trailing shape): a
// bias, or a learned position embedding [L, D] added to every example of [B, L, D].
type biasOp struct {
	op
	n, c int
}

// AddBias returns x + p, broadcasting p over x's leading axes.
func (b *Builder) AddBias(x, p *G.Node) *G.Node {
	if !b.ok(x, p) {
		return nil
	}
	xs, ps := x.Shape(), p.Shape()
	if len(ps) > len(xs) || !xs[len(xs)-len(ps):].Eq(ps) {
		return b.failf("AddBias: p %v is not a trailing shape of x %v", ps, xs)
	}
	c := ps.TotalSize()
	o := &biasOp{op: newOp("AddBias", b.dt, xs, x, p), n: xs.TotalSize() / c, c: c}
	return b.apply(o, o.diff, []*G.Node{x, p})
}

func (o *biasOp) Do(in ...G.Value) (G.Value, error) {
	if err := o.check(in, o.n*o.c, o.c); err != nil {
		return nil, err
	}
	y := o.output()
	if o.dt == tensor.Float32 {
		copy(data[float32](y), data[float32](in[0]))
		kern.AddBias(data[float32](y), data[float32](in[1]), o.n, o.c)
	} else {
		copy(data[float64](y), data[float64](in[0]))
		kern.AddBias(data[float64](y), data[float64](in[1]), o.n, o.c)
	}
	return y, nil
}

func (o *biasOp) UsePreallocDo(_ G.Value, in ...G.Value) (G.Value, error) { return o.Do(in...) }

func (o *biasOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	res := G.Nodes{nil, nil}
	if o.diff[0] {
		res[0] = grad
	}
	if o.diff[1] {
		n, err := colSum(grad, o.n, inputs[1].Shape())
		if err != nil {
			return nil, err
		}
		res[1] = n
	}
	return res, nil
}

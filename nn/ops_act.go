package nn

import (
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/nn/internal/kern"
)

// Activation is a pointwise nonlinearity.
type Activation = kern.Act

// The activations.
const (
	Identity = kern.Identity
	Mish     = kern.Mish
	SiLU     = kern.SiLU
	GELU     = kern.GELU
	ReLU     = kern.ReLU
)

// actOp is y = act(x) elementwise, in one pass with one exponential per element.
type actOp struct {
	op
	act Activation
	n   int
}

// Act applies a pointwise activation.
func (b *Builder) Act(x *G.Node, act Activation) *G.Node {
	if !b.ok(x) {
		return nil
	}
	if act == Identity {
		return x
	}
	o := &actOp{op: newOp(act.String(), b.dt, x.Shape(), x), act: act, n: x.Shape().TotalSize()}
	return b.apply(o, o.diff, []*G.Node{x})
}

func (o *actOp) Do(in ...G.Value) (G.Value, error) {
	if err := o.check(in, o.n); err != nil {
		return nil, err
	}
	y := o.output()
	if o.dt == tensor.Float32 {
		kern.ActFwd(o.act, data[float32](y), data[float32](in[0]))
	} else {
		kern.ActFwd(o.act, data[float64](y), data[float64](in[0]))
	}
	return y, nil
}

func (o *actOp) UsePreallocDo(_ G.Value, in ...G.Value) (G.Value, error) { return o.Do(in...) }

func (o *actOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	g := &actGradOp{op: newOp(o.name+"Grad", o.dt, inputs[0].Shape(), inputs[0], grad), fwd: o}
	n, err := G.ApplyOp(g, inputs[0], grad)
	return G.Nodes{n}, err
}

type actGradOp struct {
	op
	fwd *actOp
}

func (o *actGradOp) Do(in ...G.Value) (G.Value, error) {
	if err := o.check(in, o.fwd.n, o.fwd.n); err != nil {
		return nil, err
	}
	y := o.output()
	if o.dt == tensor.Float32 {
		kern.ActBwd(o.fwd.act, data[float32](y), data[float32](in[0]), data[float32](in[1]))
	} else {
		kern.ActBwd(o.fwd.act, data[float64](y), data[float64](in[0]), data[float64](in[1]))
	}
	return y, nil
}

func (o *actGradOp) UsePreallocDo(_ G.Value, in ...G.Value) (G.Value, error) { return o.Do(in...) }
func (o *actGradOp) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, errNoSecondOrder(o.name)
}

package nn

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Builder adds nn ops to a gorgonia expression graph. It records which nodes carry gradients (parameters
// and everything computed from them; data inputs do not), so that no op computes a gradient nobody needs,
// and it keeps the first error: after a failure every method returns nil and Err reports the cause, so a
// network is written as straight-line code and checked once.
type Builder struct {
	G        *G.ExprGraph
	dt       tensor.Dtype
	training bool

	nodes  map[*Param]*G.Node
	params []*Param
	grad   map[*G.Node]bool
	random []randomized
	err    error
	// transient is work memory that an op needs only during its own Do (the tape machine runs one op at a
	// time), shared by all ops of the graph.
	transient scratch
}

// randomized is an op that draws new random numbers for every step (dropout).
type randomized interface{ setStep(seed, step uint64) }

// NewBuilder starts a graph of the given dtype (tensor.Float32, or tensor.Float64 for gradient checks).
// In training mode dropout is active.
func NewBuilder(dt tensor.Dtype, training bool) *Builder {
	b := &Builder{G: G.NewGraph(), dt: dt, training: training, nodes: map[*Param]*G.Node{}, grad: map[*G.Node]bool{}}
	if dt != tensor.Float32 && dt != tensor.Float64 {
		b.err = fmt.Errorf("nn: dtype %v not supported (float32 or float64)", dt)
	}
	return b
}

// Dtype is the graph's element type.
func (b *Builder) Dtype() tensor.Dtype { return b.dt }

// Training reports whether dropout is active.
func (b *Builder) Training() bool { return b.training }

// Err returns the first error met while building.
func (b *Builder) Err() error { return b.err }

// Fail records err (if it is the first) and returns nil, for use in layer code.
func (b *Builder) Fail(err error) *G.Node {
	if b.err == nil && err != nil {
		b.err = err
	}
	return nil
}

func (b *Builder) failf(format string, args ...any) *G.Node {
	return b.Fail(fmt.Errorf("nn: "+format, args...))
}

// ok reports whether building can go on with these nodes.
func (b *Builder) ok(nodes ...*G.Node) bool {
	if b.err != nil {
		return false
	}
	for _, n := range nodes {
		if n == nil {
			b.failf("nil node")
			return false
		}
	}
	return true
}

// Input adds a data node (no gradient) with a zero value of the given shape; fill it through Value.
func (b *Builder) Input(name string, shape ...int) *G.Node {
	if b.err != nil {
		return nil
	}
	v := tensor.New(tensor.WithShape(shape...), tensor.Of(b.dt))
	n := G.NewTensor(b.G, b.dt, len(shape), G.WithName(name), G.WithShape(shape...), G.WithValue(v))
	b.grad[n] = false
	return n
}

// Param returns the node of p in this graph (created on first use; nil for a nil p, such as an absent bias). The node's value is p.Value itself,
// so every graph built from the same parameters sees optimiser updates.
func (b *Builder) Param(p *Param) *G.Node {
	if b.err != nil || p == nil {
		return nil
	}
	if n, ok := b.nodes[p]; ok {
		return n
	}
	if p.Value.Dtype() != b.dt {
		return b.failf("parameter %s has dtype %v, graph has %v", p.Name, p.Value.Dtype(), b.dt)
	}
	n := G.NewTensor(b.G, b.dt, len(p.Shape), G.WithName(p.Name), G.WithShape(p.Shape...), G.WithValue(p.Value))
	b.nodes[p] = n
	b.params = append(b.params, p)
	b.grad[n] = p.Learnable
	return n
}

// Learnables returns the learnable parameters used by the graph and their nodes, in first-use order.
func (b *Builder) Learnables() ([]*Param, G.Nodes) {
	var ps []*Param
	var ns G.Nodes
	for _, p := range b.params {
		if p.Learnable {
			ps = append(ps, p)
			ns = append(ns, b.nodes[p])
		}
	}
	return ps, ns
}

// NeedsGrad reports whether gradients flow into n: true for learnable parameters, false for data
// inputs and buffers, and for op outputs whether any input needs one. Nodes the builder did not make
// (gorgonia's own ops) are assumed to need one.
func (b *Builder) NeedsGrad(n *G.Node) bool {
	if n == nil {
		return false
	}
	g, ok := b.grad[n]
	return g || !ok
}

// SetStep keys the random ops (dropout) of the graph for one training step: their masks are a pure
// function of (seed, step, op), so a run is reproducible from its seed and a resumed run continues the
// same stream.
func (b *Builder) SetStep(seed, step uint64) {
	for _, r := range b.random {
		r.setStep(seed, step)
	}
}

// apply adds an op node, recording in diff (the op's DiffWRT) which inputs need gradients; inputs listed in
// nondiff never get one (the op has no gradient for them, e.g. the times of an embedding).
func (b *Builder) apply(o G.Op, diff []bool, inputs []*G.Node, nondiff ...int) *G.Node {
	needs := false
	for i, in := range inputs {
		diff[i] = b.NeedsGrad(in)
	}
	for _, i := range nondiff {
		if i < len(diff) {
			diff[i] = false
		}
	}
	for _, d := range diff {
		needs = needs || d
	}
	n, err := G.ApplyOp(o, inputs...)
	if err != nil {
		return b.Fail(fmt.Errorf("nn: %v: %w", o, err))
	}
	b.grad[n] = needs
	return n
}

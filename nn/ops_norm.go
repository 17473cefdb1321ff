package nn

import (
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/nn/internal/kern"
)

// normState is shared by a normalisation and its gradients: the normalised input xhat and the inverse
// standard deviations saved by the forward pass, and (group norm) the parameter gradients that the data
// gradient computes in the same pass.
type normState struct {
	b, s, c, groups int // group norm: [B, S, C]; layer norm: N = b*s rows of c
	eps             float64
	act             Activation
	xhat, rstd      scratch
	part            scratch // per-example dgamma and dbeta partial sums [2 B C]
	dgamma, dbeta   *tensor.Dense
}

type normKind int

const (
	normFwd normKind = iota
	normGradX
	normGradGamma
	normGradBeta
)

// groupNormOp is GroupNorm followed by an activation, fused: one pass for the statistics, one for
// normalisation, affine map and activation; the backward pass is two passes that also produce dgamma
// and dbeta.
type groupNormOp struct {
	op
	st   *normState
	kind normKind
}

// GroupNorm normalises x [B, S..., C] over groups of C/groups channels and all positions (PyTorch's
// GroupNorm on channels-last data), applies gamma [C], beta [C] and then act (Identity for none).
// Diffuser's Conv1dBlock is Conv1d, GroupNorm(8), Mish: GroupNorm(conv, gamma, beta, 8, 1e-5, Mish).
func (b *Builder) GroupNorm(x, gamma, beta *G.Node, groups int, eps float64, act Activation) *G.Node {
	if !b.ok(x, gamma, beta) {
		return nil
	}
	xs := x.Shape()
	if len(xs) < 2 {
		return b.failf("GroupNorm: x %v, want [B, ..., C]", xs)
	}
	C := xs[len(xs)-1]
	if groups <= 0 || C%groups != 0 {
		return b.failf("GroupNorm: %d channels not divisible into %d groups", C, groups)
	}
	if gs, bs := gamma.Shape(), beta.Shape(); len(gs) != 1 || gs[0] != C || len(bs) != 1 || bs[0] != C {
		return b.failf("GroupNorm: gamma %v and beta %v, want [%d]", gs, bs, C)
	}
	st := &normState{b: xs[0], s: xs.TotalSize() / (xs[0] * C), c: C, groups: groups, eps: eps, act: act}
	o := &groupNormOp{op: newOp("GroupNorm+"+act.String(), b.dt, xs, x, gamma, beta), st: st}
	return b.apply(o, o.diff, []*G.Node{x, gamma, beta})
}

func (o *groupNormOp) Do(in ...G.Value) (G.Value, error) {
	st := o.st
	n := st.b * st.s * st.c
	var err error
	switch o.kind {
	case normFwd:
		err = o.check(in, n, st.c, st.c)
	case normGradX:
		err = o.check(in, n, st.c, st.c)
	default:
		err = o.check(in, n)
	}
	if err != nil {
		return nil, err
	}
	switch o.kind {
	case normGradGamma:
		return st.dgamma, nil
	case normGradBeta:
		return st.dbeta, nil
	}
	y := o.output()
	if o.dt == tensor.Float32 {
		groupNormDo[float32](o, y, in)
	} else {
		groupNormDo[float64](o, y, in)
	}
	return y, nil
}

func groupNormDo[T Float](o *groupNormOp, y *tensor.Dense, in []G.Value) {
	st := o.st
	n := st.b * st.s * st.c
	xhat, rstd := buf[T](&st.xhat, n), buf[T](&st.rstd, st.b*st.groups)
	if o.kind == normFwd {
		kern.GroupNormFwd(data[T](y), xhat, rstd, data[T](in[0]), data[T](in[1]), data[T](in[2]), st.b, st.s, st.c, st.groups, st.eps, st.act)
		return
	}
	part := buf[T](&st.part, 2*st.b*st.c)
	kern.GroupNormBwd(data[T](y), part[:st.b*st.c], part[st.b*st.c:], data[T](in[0]), xhat, rstd, data[T](in[1]), data[T](in[2]),
		st.b, st.s, st.c, st.groups, st.act)
	kern.ReduceRows(data[T](st.dgamma), part[:st.b*st.c], st.b, st.c)
	kern.ReduceRows(data[T](st.dbeta), part[st.b*st.c:], st.b, st.c)
}

func (o *groupNormOp) UsePreallocDo(_ G.Value, in ...G.Value) (G.Value, error) { return o.Do(in...) }

func (o *groupNormOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if o.kind != normFwd {
		return nil, errNoSecondOrder(o.name)
	}
	st := o.st
	st.dgamma = tensor.New(tensor.WithShape(st.c), tensor.Of(o.dt))
	st.dbeta = tensor.New(tensor.WithShape(st.c), tensor.Of(o.dt))
	gx := &groupNormOp{op: newOp(o.name+"Grad", o.dt, inputs[0].Shape(), grad, inputs[1], inputs[2]), st: st, kind: normGradX}
	dx, err := G.ApplyOp(gx, grad, inputs[1], inputs[2])
	if err != nil {
		return nil, err
	}
	res := G.Nodes{nil, nil, nil}
	if o.diff[0] {
		res[0] = dx
	}
	for i, k := range []normKind{normGradGamma, normGradBeta} {
		if !o.diff[i+1] {
			continue
		}
		g := &groupNormOp{op: newOp(o.name+[]string{"GradGamma", "GradBeta"}[i], o.dt, tensor.Shape{st.c}, dx), st: st, kind: k}
		if res[i+1], err = G.ApplyOp(g, dx); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// layerNormOp is LayerNorm over the last axis with an optional affine map, or one of its gradients.
type layerNormOp struct {
	op
	st   *normState
	kind normKind
}

// LayerNorm normalises x [..., C] over its last axis (PyTorch's LayerNorm(C)); gamma and beta [C] may both
// be nil (elementwise_affine=False, as adaLN uses it) or beta alone may be nil.
func (b *Builder) LayerNorm(x, gamma, beta *G.Node, eps float64) *G.Node {
	if !b.ok(x) {
		return nil
	}
	xs := x.Shape()
	C := xs[len(xs)-1]
	inputs := []*G.Node{x}
	for _, p := range []*G.Node{gamma, beta} {
		if p == nil {
			continue
		}
		if gamma == nil {
			return b.failf("LayerNorm: beta without gamma")
		}
		if ps := p.Shape(); len(ps) != 1 || ps[0] != C {
			return b.failf("LayerNorm: affine parameter %v, want [%d]", ps, C)
		}
		inputs = append(inputs, p)
	}
	st := &normState{b: xs.TotalSize() / C, s: 1, c: C, eps: eps}
	o := &layerNormOp{op: newOp("LayerNorm", b.dt, xs, inputs...), st: st}
	return b.apply(o, o.diff, inputs)
}

func (o *layerNormOp) Do(in ...G.Value) (G.Value, error) {
	st := o.st
	n := st.b * st.c
	if err := o.check(in, n, st.c, st.c); err != nil {
		return nil, err
	}
	y := o.output()
	if o.dt == tensor.Float32 {
		layerNormDo[float32](o, data[float32](y), in)
	} else {
		layerNormDo[float64](o, data[float64](y), in)
	}
	return y, nil
}

func layerNormDo[T Float](o *layerNormOp, y []T, in []G.Value) {
	st := o.st
	N, C := st.b, st.c
	xhat, rstd := buf[T](&st.xhat, N*C), buf[T](&st.rstd, N)
	var gamma, beta []T
	switch o.kind {
	case normFwd:
		if len(in) > 1 {
			gamma = data[T](in[1])
		}
		if len(in) > 2 {
			beta = data[T](in[2])
		}
		kern.LayerNormFwd(y, xhat, rstd, data[T](in[0]), gamma, beta, N, C, st.eps)
	case normGradX:
		if len(in) > 1 {
			gamma = data[T](in[1])
		}
		kern.LayerNormBwd(y, data[T](in[0]), xhat, rstd, gamma, N, C)
	case normGradGamma:
		kern.ColDot(y, data[T](in[0]), xhat, N, C)
	}
}

func (o *layerNormOp) UsePreallocDo(_ G.Value, in ...G.Value) (G.Value, error) { return o.Do(in...) }

func (o *layerNormOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if o.kind != normFwd {
		return nil, errNoSecondOrder(o.name)
	}
	st := o.st
	res := make(G.Nodes, len(inputs))
	var err error
	if o.diff[0] {
		args := G.Nodes{grad}
		if len(inputs) > 1 {
			args = append(args, inputs[1])
		}
		g := &layerNormOp{op: newOp("LayerNormGrad", o.dt, inputs[0].Shape(), args...), st: st, kind: normGradX}
		if res[0], err = G.ApplyOp(g, args...); err != nil {
			return nil, err
		}
	}
	if len(inputs) > 1 && o.diff[1] {
		g := &layerNormOp{op: newOp("LayerNormGradGamma", o.dt, tensor.Shape{st.c}, grad), st: st, kind: normGradGamma}
		if res[1], err = G.ApplyOp(g, grad); err != nil {
			return nil, err
		}
	}
	if len(inputs) > 2 && o.diff[2] {
		if res[2], err = colSum(grad, st.b, tensor.Shape{st.c}); err != nil {
			return nil, err
		}
	}
	return res, nil
}

package nn

import (
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/nn/internal/kern"
)

// Chunk addresses C consecutive columns, starting at column Off, of a per-example vector of E values: one
// of the modulation vectors (shift, scale, gate) that adaLN packs into one [B, E] tensor.
type Chunk = kern.Chunk

type modKind int

const (
	modModulate modKind = iota // y = x (1 + scale) + shift
	modGated                   // y = x + gate z
	modGradX                   // modulate: dx = dy (1 + scale); gated: dz = dy gate
	modGradMod                 // d mod
)

// modOp is adaLN's per-example modulation of x [B, S..., C] by chunks of mod [B, E] (Peebles & Xie 2023),
// or one of its gradients.
type modOp struct {
	op
	b, s, c      int
	shift, scale Chunk // modulate: shift and scale; gated: scale is the gate
	kind, of     modKind
}

// Modulate returns x (1 + scale) + shift, with shift and scale per example and channel taken from mod.
func (b *Builder) Modulate(x, mod *G.Node, shift, scale Chunk) *G.Node {
	o := b.modOp(x, mod, "Modulate", shift, scale, modModulate)
	if o == nil {
		return nil
	}
	return b.apply(o, o.diff, []*G.Node{x, mod})
}

// GatedAdd returns x + gate z, adaLN-Zero's gated residual, with the gate per example and channel from mod.
func (b *Builder) GatedAdd(x, z, mod *G.Node, gate Chunk) *G.Node {
	if !b.ok(z) {
		return nil
	}
	if !x.Shape().Eq(z.Shape()) {
		return b.failf("GatedAdd: x %v and z %v differ", x.Shape(), z.Shape())
	}
	o := b.modOp(x, mod, "GatedAdd", Chunk{}, gate, modGated)
	if o == nil {
		return nil
	}
	o.ranks = []int{x.Dims(), z.Dims(), mod.Dims()}
	o.diff = make([]bool, 3)
	return b.apply(o, o.diff, []*G.Node{x, z, mod})
}

func (b *Builder) modOp(x, mod *G.Node, name string, shift, scale Chunk, kind modKind) *modOp {
	if !b.ok(x, mod) {
		return nil
	}
	xs, ms := x.Shape(), mod.Shape()
	if len(xs) < 2 || len(ms) != 2 || ms[0] != xs[0] {
		b.failf("%s: x %v and mod %v, want [B, ..., C] and [B, E]", name, xs, ms)
		return nil
	}
	C := xs[len(xs)-1]
	for _, ch := range []Chunk{shift, scale} {
		if ch == (Chunk{}) {
			continue
		}
		if ch.E != ms[1] || ch.Off < 0 || ch.Off+C > ch.E {
			b.failf("%s: chunk %+v does not fit %d channels of mod %v", name, ch, C, ms)
			return nil
		}
	}
	return &modOp{op: newOp(name, b.dt, xs, x, mod), b: xs[0], s: xs.TotalSize() / (xs[0] * C), c: C,
		shift: shift, scale: scale, kind: kind, of: kind}
}

func (o *modOp) Do(in ...G.Value) (G.Value, error) {
	n, e := o.b*o.s*o.c, o.b*o.scale.E
	var err error
	switch {
	case o.kind == modModulate:
		err = o.check(in, n, e)
	case o.kind == modGated:
		err = o.check(in, n, n, e)
	case o.kind == modGradX:
		err = o.check(in, n, e)
	default:
		err = o.check(in, n, n)
	}
	if err != nil {
		return nil, err
	}
	y := o.output()
	if o.dt == tensor.Float32 {
		modDo[float32](o, data[float32](y), in)
	} else {
		modDo[float64](o, data[float64](y), in)
	}
	return y, nil
}

func modDo[T Float](o *modOp, y []T, in []G.Value) {
	switch o.kind {
	case modModulate:
		kern.ModulateFwd(y, data[T](in[0]), data[T](in[1]), o.b, o.s, o.c, o.shift, o.scale)
	case modGated:
		kern.GatedAddFwd(y, data[T](in[0]), data[T](in[1]), data[T](in[2]), o.b, o.s, o.c, o.scale)
	case modGradX: // inputs dy, mod
		bias := T(1)
		if o.of == modGated {
			bias = 0
		}
		kern.ScaleRowsBwd(y, data[T](in[0]), data[T](in[1]), o.b, o.s, o.c, o.scale, bias)
	case modGradMod: // inputs dy and x (modulate) or z (gated)
		clear(y)
		dy, x := data[T](in[0]), data[T](in[1])
		if o.of == modModulate {
			kern.SumPositions(y, dy, nil, o.b, o.s, o.c, o.shift)
		}
		kern.SumPositions(y, dy, x, o.b, o.s, o.c, o.scale)
	}
}

func (o *modOp) UsePreallocDo(_ G.Value, in ...G.Value) (G.Value, error) { return o.Do(in...) }

func (o *modOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if o.kind != modModulate && o.kind != modGated {
		return nil, errNoSecondOrder(o.name)
	}
	res := make(G.Nodes, len(inputs))
	mod := inputs[len(inputs)-1]
	grad2 := func(name string, kind modKind, shape tensor.Shape, args ...*G.Node) (*G.Node, error) {
		g := &modOp{op: newOp(name, o.dt, shape, args...), b: o.b, s: o.s, c: o.c, shift: o.shift, scale: o.scale, kind: kind, of: o.kind}
		return G.ApplyOp(g, args...)
	}
	var err error
	if o.kind == modModulate {
		if o.diff[0] {
			if res[0], err = grad2("ModulateGradX", modGradX, inputs[0].Shape(), grad, mod); err != nil {
				return nil, err
			}
		}
		if o.diff[1] {
			if res[1], err = grad2("ModulateGradMod", modGradMod, mod.Shape(), grad, inputs[0]); err != nil {
				return nil, err
			}
		}
		return res, nil
	}
	if o.diff[0] {
		res[0] = grad
	}
	if o.diff[1] {
		if res[1], err = grad2("GatedAddGradZ", modGradX, inputs[1].Shape(), grad, mod); err != nil {
			return nil, err
		}
	}
	if o.diff[2] {
		if res[2], err = grad2("GatedAddGradMod", modGradMod, mod.Shape(), grad, inputs[1]); err != nil {
			return nil, err
		}
	}
	return res, nil
}

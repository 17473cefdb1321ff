package nn

import (
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/nn/internal/kern"
)

// mseOp is the weighted regression loss mean_b w_b ||pred_b - target_b||^2 / D of the denoising
// objectives (diffusion.Objective gives target and weight per example).
type mseOp struct {
	op
	b, d int
	val  G.Value
}

// WeightedMSE returns the scalar loss mean_b w_b ||pred_b - target_b||^2 / D for pred and target
// [B, ...] with D values per example and weights w [B]. Only pred receives a gradient.
func (b *Builder) WeightedMSE(pred, target, w *G.Node) *G.Node {
	if !b.ok(pred, target, w) {
		return nil
	}
	ps, ts, ws := pred.Shape(), target.Shape(), w.Shape()
	if !ps.Eq(ts) || len(ws) != 1 || len(ps) < 1 || ps[0] != ws[0] {
		return b.failf("WeightedMSE: pred %v, target %v and weight %v do not match (want [B, ...], [B, ...], [B])", ps, ts, ws)
	}
	o := &mseOp{op: newOp("WeightedMSE", b.dt, tensor.ScalarShape(), pred, target, w), b: ws[0], d: ps.TotalSize() / ws[0]}
	if b.dt == tensor.Float32 {
		o.val = G.NewF32(0)
	} else {
		o.val = G.NewF64(0)
	}
	return b.apply(o, o.diff, []*G.Node{pred, target, w}, 1, 2)
}

func (o *mseOp) Do(in ...G.Value) (G.Value, error) {
	n := o.b * o.d
	if err := o.check(in, n, n, o.b); err != nil {
		return nil, err
	}
	if o.dt == tensor.Float32 {
		*o.val.(*G.F32) = G.F32(kern.WeightedMSE(data[float32](in[0]), data[float32](in[1]), data[float32](in[2]), o.d))
	} else {
		*o.val.(*G.F64) = G.F64(kern.WeightedMSE(data[float64](in[0]), data[float64](in[1]), data[float64](in[2]), o.d))
	}
	return o.val, nil
}

func (o *mseOp) UsePreallocDo(_ G.Value, in ...G.Value) (G.Value, error) { return o.Do(in...) }

func (o *mseOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	g := &mseGradOp{op: newOp("WeightedMSEGrad", o.dt, inputs[0].Shape(), inputs[0], inputs[1], inputs[2], grad), fwd: o}
	n, err := G.ApplyOp(g, inputs[0], inputs[1], inputs[2], grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{n, nil, nil}, nil
}

type mseGradOp struct {
	op
	fwd *mseOp
}

func (o *mseGradOp) Do(in ...G.Value) (G.Value, error) {
	f := o.fwd
	n := f.b * f.d
	if err := o.check(in, n, n, f.b, -1); err != nil {
		return nil, err
	}
	g, err := scalar(in[3])
	if err != nil {
		return nil, err
	}
	y := o.output()
	if o.dt == tensor.Float32 {
		kern.WeightedMSEBwd(data[float32](y), data[float32](in[0]), data[float32](in[1]), data[float32](in[2]), f.d, g)
	} else {
		kern.WeightedMSEBwd(data[float64](y), data[float64](in[0]), data[float64](in[1]), data[float64](in[2]), f.d, g)
	}
	return y, nil
}

func (o *mseGradOp) UsePreallocDo(_ G.Value, in ...G.Value) (G.Value, error) { return o.Do(in...) }
func (o *mseGradOp) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, errNoSecondOrder(o.name)
}

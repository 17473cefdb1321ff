package nn

import (
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/nn/internal/kern"
)

// convState is what the forward and backward ops of one convolution share: the geometry, the im2col
// matrix and the permuted weight of the forward pass (reused by the weight and data gradients), and for
// a transposed convolution the im2col of the output gradient (shared by its two gradients).
type convState struct {
	g           kern.ConvGeom // for a transposed convolution: the adjoint convolution's geometry
	transposed  bool
	bias        bool
	inShape     tensor.Shape
	wShape      tensor.Shape
	cols, dcols scratch
	transient   *scratch // the graph's shared work memory (dcols of a convolution's data gradient)
	fwdRuns     uint64   // forward evaluations so far
	dcolsRun    uint64   // forward evaluation whose output gradient dcols holds (transposed only)
}

type convKind int

const (
	convFwd convKind = iota
	convGradX
	convGradW
)

// convOp is a convolution (or transposed convolution) of channels-last data as im2col + one GEMM, or
// one of its gradients.
type convOp struct {
	op
	st   *convState
	kind convKind
}

// Conv1d is PyTorch's Conv1d on channels-last sequences: x [B, L, Cin], tap-major weights w [Cout, K, Cin]
// (PyTorch's [Cout, Cin, K] with the input axis last; ConvLayer parameters convert on load and save),
// bias [Cout] or nil, giving [B, Lo, Cout] with Lo = (L + 2 padding - dilation (K-1) - 1)/stride + 1.
func (b *Builder) Conv1d(x, w, bias *G.Node, stride, padding, dilation int) *G.Node {
	if !b.ok(x, w) {
		return nil
	}
	xs, ws := x.Shape(), w.Shape()
	if len(xs) != 3 || len(ws) != 3 {
		return b.failf("Conv1d: x %v and weight %v, want [B, L, Cin] and [Cout, K, Cin]", xs, ws)
	}
	g := kern.ConvGeom{B: xs[0], H: 1, W: xs[1], Cin: xs[2], Cout: ws[0], KH: 1, KW: ws[1],
		SH: 1, SW: stride, PH: 0, PW: padding, DH: 1, DW: dilation}
	return b.conv("Conv1d", x, w, bias, g, false, ws[2], 3)
}

// Conv2d is PyTorch's Conv2d on channels-last images: x [B, H, W, Cin], tap-major weights w [Cout, KH, KW,
// Cin], bias [Cout] or nil; stride, padding and dilation are (height, width).
func (b *Builder) Conv2d(x, w, bias *G.Node, stride, padding, dilation [2]int) *G.Node {
	if !b.ok(x, w) {
		return nil
	}
	xs, ws := x.Shape(), w.Shape()
	if len(xs) != 4 || len(ws) != 4 {
		return b.failf("Conv2d: x %v and weight %v, want [B, H, W, Cin] and [Cout, KH, KW, Cin]", xs, ws)
	}
	g := kern.ConvGeom{B: xs[0], H: xs[1], W: xs[2], Cin: xs[3], Cout: ws[0], KH: ws[1], KW: ws[2],
		SH: stride[0], SW: stride[1], PH: padding[0], PW: padding[1], DH: dilation[0], DW: dilation[1]}
	return b.conv("Conv2d", x, w, bias, g, false, ws[3], 4)
}

// ConvTranspose1d is PyTorch's ConvTranspose1d on channels-last sequences: x [B, L, Cin], tap-major
// weights w [Cin, K, Cout] (PyTorch's [Cin, Cout, K] with the output axis last), giving [B, Lo, Cout] with
// Lo = (L-1) stride - 2 padding + dilation (K-1) + outputPadding + 1.
func (b *Builder) ConvTranspose1d(x, w, bias *G.Node, stride, padding, outputPadding, dilation int) *G.Node {
	if !b.ok(x, w) {
		return nil
	}
	xs, ws := x.Shape(), w.Shape()
	if len(xs) != 3 || len(ws) != 3 || xs[2] != ws[0] {
		return b.failf("ConvTranspose1d: x %v and weight %v, want [B, L, Cin] and [Cin, K, Cout]", xs, ws)
	}
	if stride <= 0 || dilation <= 0 {
		return b.failf("ConvTranspose1d: stride %d and dilation %d must be positive", stride, dilation)
	}
	g, err := kern.ConvTGeom(xs[0], 1, xs[1], ws[0], ws[2], 1, ws[1], 1, stride, 0, padding, 1, dilation, 0, outputPadding)
	if err != nil {
		return b.Fail(err)
	}
	return b.conv("ConvTranspose1d", x, w, bias, g, true, ws[0], 3)
}

// ConvTranspose2d is PyTorch's ConvTranspose2d on channels-last images: x [B, H, W, Cin], tap-major
// weights w [Cin, KH, KW, Cout]; stride, padding, output padding and dilation are (height, width).
func (b *Builder) ConvTranspose2d(x, w, bias *G.Node, stride, padding, outputPadding, dilation [2]int) *G.Node {
	if !b.ok(x, w) {
		return nil
	}
	xs, ws := x.Shape(), w.Shape()
	if len(xs) != 4 || len(ws) != 4 || xs[3] != ws[0] {
		return b.failf("ConvTranspose2d: x %v and weight %v, want [B, H, W, Cin] and [Cin, KH, KW, Cout]", xs, ws)
	}
	for i := 0; i < 2; i++ {
		if stride[i] <= 0 || dilation[i] <= 0 {
			return b.failf("ConvTranspose2d: stride %v and dilation %v must be positive", stride, dilation)
		}
	}
	g, err := kern.ConvTGeom(xs[0], xs[1], xs[2], ws[0], ws[3], ws[1], ws[2], stride[0], stride[1], padding[0], padding[1],
		dilation[0], dilation[1], outputPadding[0], outputPadding[1])
	if err != nil {
		return b.Fail(err)
	}
	return b.conv("ConvTranspose2d", x, w, bias, g, true, ws[0], 4)
}

// conv checks the geometry and adds the forward op; wIn is the weight's input-channel size.
func (b *Builder) conv(name string, x, w, bias *G.Node, g kern.ConvGeom, transposed bool, wIn, rank int) *G.Node {
	if !transposed {
		if wIn != g.Cin {
			return b.failf("%s: x has %d channels, weight %v expects %d", name, g.Cin, w.Shape(), wIn)
		}
		if err := g.Complete(); err != nil {
			return b.Fail(err)
		}
	}
	outC := g.Cout
	oh, ow := g.Ho, g.Wo
	if transposed {
		outC, oh, ow = g.Cin, g.H, g.W
	}
	shape := tensor.Shape{g.B, oh, ow, outC}
	switch rank {
	case 3:
		shape = tensor.Shape{g.B, ow, outC}
	case 5: // a video [B, F, H, W, C] convolved frame by frame (FrameConv2d): g.B is B F
		xs := x.Shape()
		shape = tensor.Shape{xs[0], xs[1], oh, ow, outC}
	}
	inputs := []*G.Node{x, w}
	if bias != nil {
		if bs := bias.Shape(); len(bs) != 1 || bs[0] != outC {
			return b.failf("%s: bias %v, want [%d]", name, bs, outC)
		}
		inputs = append(inputs, bias)
	}
	st := &convState{g: g, transposed: transposed, bias: bias != nil, inShape: x.Shape(), wShape: w.Shape(), transient: &b.transient}
	o := &convOp{op: newOp(name, b.dt, shape, inputs...), st: st}
	return b.apply(o, o.diff, inputs)
}

func (o *convOp) sizes() (x, w, y int) {
	g := &o.st.g
	w = o.st.wShape.TotalSize()
	if o.st.transposed {
		return g.Rows() * g.Cout, w, g.B * g.H * g.W * g.Cin
	}
	return g.B * g.H * g.W * g.Cin, w, g.Rows() * g.Cout
}

func (o *convOp) Do(in ...G.Value) (G.Value, error) {
	nx, nw, ny := o.sizes()
	var err error
	switch o.kind {
	case convFwd:
		outC := o.st.g.Cout
		if o.st.transposed {
			outC = o.st.g.Cin
		}
		err = o.check(in, nx, nw, outC)
	case convGradX:
		err = o.check(in, ny, nw)
	case convGradW:
		err = o.check(in, ny, nx)
	}
	if err != nil {
		return nil, err
	}
	y := o.output()
	if o.dt == tensor.Float32 {
		convDo[float32](o, data[float32](y), in)
	} else {
		convDo[float64](o, data[float64](y), in)
	}
	return y, nil
}

func convDo[T Float](o *convOp, y []T, in []G.Value) {
	st, g := o.st, &o.st.g
	K := g.Taps() * g.Cin
	switch {
	case o.kind == convFwd && !st.transposed:
		var bias, cols []T
		if st.bias {
			bias = data[T](in[2])
		}
		if !g.Pointwise() {
			cols = buf[T](&st.cols, g.Rows()*K)
		}
		kern.ConvFwd(y, data[T](in[0]), data[T](in[1]), bias, cols, g)
		st.fwdRuns++
	case o.kind == convGradX && !st.transposed:
		var dcols []T
		if !g.Pointwise() {
			dcols = buf[T](st.transient, g.Rows()*K)
		}
		kern.ConvBwdData(y, data[T](in[0]), data[T](in[1]), dcols, g)
	case o.kind == convGradW && !st.transposed:
		var cols []T
		if !g.Pointwise() {
			cols = buf[T](&st.cols, g.Rows()*K)
		}
		kern.ConvBwdWeight(y, data[T](in[0]), data[T](in[1]), cols, g)
	case o.kind == convFwd:
		var bias []T
		if st.bias {
			bias = data[T](in[2])
		}
		kern.ConvTFwd(y, data[T](in[0]), data[T](in[1]), bias, buf[T](&st.cols, g.Rows()*K), g)
		st.fwdRuns++
	default:
		dcols := buf[T](&st.dcols, g.Rows()*K)
		if st.dcolsRun != st.fwdRuns {
			kern.ConvTBwdCols(dcols, data[T](in[0]), g)
			st.dcolsRun = st.fwdRuns
		}
		if o.kind == convGradX {
			kern.ConvTBwdData(y, dcols, data[T](in[1]), g)
		} else {
			kern.ConvTBwdWeight(y, data[T](in[1]), dcols, g)
		}
	}
}

func (o *convOp) UsePreallocDo(_ G.Value, in ...G.Value) (G.Value, error) { return o.Do(in...) }

func (o *convOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if o.kind != convFwd {
		return nil, errNoSecondOrder(o.name)
	}
	res := make(G.Nodes, len(inputs))
	var err error
	if o.diff[0] {
		g := &convOp{op: newOp(o.name+"GradX", o.dt, inputs[0].Shape(), grad, inputs[1]), st: o.st, kind: convGradX}
		if res[0], err = G.ApplyOp(g, grad, inputs[1]); err != nil {
			return nil, err
		}
	}
	if o.diff[1] {
		g := &convOp{op: newOp(o.name+"GradW", o.dt, inputs[1].Shape(), grad, inputs[0]), st: o.st, kind: convGradW}
		if res[1], err = G.ApplyOp(g, grad, inputs[0]); err != nil {
			return nil, err
		}
	}
	if o.st.bias && o.diff[2] {
		outC := o.shape[len(o.shape)-1]
		if res[2], err = colSum(grad, o.shape.TotalSize()/outC, tensor.Shape{outC}); err != nil {
			return nil, err
		}
	}
	return res, nil
}

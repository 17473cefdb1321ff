package nn

import (
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/nn/internal/kern"
)

// conv3State is what a 3-D convolution and its gradients share: the geometry, the im2col of the forward
// pass when it is small enough to keep (full), and scratch.
type conv3State struct {
	g         kern.Conv3Geom
	bias      bool
	full      bool // the forward pass keeps the whole im2col in cols for the weight gradient
	cols, wf  scratch
	pad       scratch // narrow convolutions' padded weight and output (kern.Conv3Geom.PadScratch)
	transient *scratch
}

// conv3Op is a 3-D convolution of channels-last videos as im2col + GEMM, or one of its gradients.
type conv3Op struct {
	op
	st   *conv3State
	kind convKind
}

// conv3KeepLimit is the largest im2col (values) that the forward pass keeps for the weight gradient;
// larger ones are rebuilt chunk by chunk. Rebuilding costs no time in the smoke U-Net's training step
// (measured: keeping every im2col up to 2^24 values was no faster, the chunks staying in cache), and
// keeps the memory of a step small.
const conv3KeepLimit = 1 << 20

// Conv3d is PyTorch's Conv3d (no dilation, no groups) on channels-last videos: x [B, F, H, W, Cin],
// tap-major weights w [Cout, KT, KH, KW, Cin] (PyTorch's [Cout, Cin, KT, KH, KW] with the input axis last),
// bias [Cout] or nil; stride and padding are (frames, height, width). The result is [B, Fo, Ho, Wo, Cout].
func (b *Builder) Conv3d(x, w, bias *G.Node, stride, padding [3]int) *G.Node {
	if !b.ok(x, w) {
		return nil
	}
	xs, ws := x.Shape(), w.Shape()
	if len(xs) != 5 || len(ws) != 5 || ws[4] != xs[4] {
		return b.failf("Conv3d: x %v and weight %v, want [B, F, H, W, Cin] and [Cout, KT, KH, KW, Cin]", xs, ws)
	}
	g := kern.Conv3Geom{B: xs[0], F: xs[1], H: xs[2], W: xs[3], Cin: xs[4], Cout: ws[0], KT: ws[1], KH: ws[2], KW: ws[3],
		ST: stride[0], SH: stride[1], SW: stride[2], PT: padding[0], PH: padding[1], PW: padding[2]}
	if err := g.Complete(); err != nil {
		return b.Fail(err)
	}
	inputs := []*G.Node{x, w}
	if bias != nil {
		if bs := bias.Shape(); len(bs) != 1 || bs[0] != g.Cout {
			return b.failf("Conv3d: bias %v, want [%d]", bs, g.Cout)
		}
		inputs = append(inputs, bias)
	}
	st := &conv3State{g: g, bias: bias != nil, full: g.Rows()*g.K() <= conv3KeepLimit, transient: &b.transient}
	o := &conv3Op{op: newOp("Conv3d", b.dt, tensor.Shape{g.B, g.Fo, g.Ho, g.Wo, g.Cout}, inputs...), st: st}
	return b.apply(o, o.diff, inputs)
}

// FrameConv2d is Conv2d applied to every frame of a channels-last video x [B, F, H, W, Cin] (weights
// [Cout, KH, KW, Cin]): PyTorch's Conv3d with a kernel of one frame, stride 1 and no padding in time.
func (b *Builder) FrameConv2d(x, w, bias *G.Node, stride, padding [2]int) *G.Node {
	if !b.ok(x, w) {
		return nil
	}
	xs, ws := x.Shape(), w.Shape()
	if len(xs) != 5 || len(ws) != 4 {
		return b.failf("FrameConv2d: x %v and weight %v, want [B, F, H, W, Cin] and [Cout, KH, KW, Cin]", xs, ws)
	}
	g := kern.ConvGeom{B: xs[0] * xs[1], H: xs[2], W: xs[3], Cin: xs[4], Cout: ws[0], KH: ws[1], KW: ws[2],
		SH: stride[0], SW: stride[1], PH: padding[0], PW: padding[1], DH: 1, DW: 1}
	return b.conv("FrameConv2d", x, w, bias, g, false, ws[3], 5)
}

// FrameConvTranspose2d is ConvTranspose2d applied to every frame of x [B, F, H, W, Cin] (weights [Cin, KH,
// KW, Cout]): PyTorch's ConvTranspose3d with a kernel of one frame, stride 1 and no padding in time.
func (b *Builder) FrameConvTranspose2d(x, w, bias *G.Node, stride, padding [2]int) *G.Node {
	if !b.ok(x, w) {
		return nil
	}
	xs, ws := x.Shape(), w.Shape()
	if len(xs) != 5 || len(ws) != 4 || xs[4] != ws[0] {
		return b.failf("FrameConvTranspose2d: x %v and weight %v, want [B, F, H, W, Cin] and [Cin, KH, KW, Cout]", xs, ws)
	}
	if stride[0] <= 0 || stride[1] <= 0 {
		return b.failf("FrameConvTranspose2d: stride %v must be positive", stride)
	}
	g, err := kern.ConvTGeom(xs[0]*xs[1], xs[2], xs[3], ws[0], ws[3], ws[1], ws[2], stride[0], stride[1], padding[0], padding[1], 1, 1, 0, 0)
	if err != nil {
		return b.Fail(err)
	}
	return b.conv("FrameConvTranspose2d", x, w, bias, g, true, ws[0], 5)
}

func (o *conv3Op) Do(in ...G.Value) (G.Value, error) {
	g := &o.st.g
	nx, nw, ny := g.B*g.F*g.H*g.W*g.Cin, g.Cout*g.K(), g.Rows()*g.Cout
	var err error
	switch o.kind {
	case convFwd:
		err = o.check(in, nx, nw, g.Cout)
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
		conv3Do[float32](o, data[float32](y), in)
	} else {
		conv3Do[float64](o, data[float64](y), in)
	}
	return y, nil
}

func conv3Do[T Float](o *conv3Op, y []T, in []G.Value) {
	st, g := o.st, &o.st.g
	M, K := g.Rows(), g.K()
	// The forward pass keeps its im2col for the weight gradient when it is small enough; otherwise both
	// work chunk by chunk in the graph's transient memory. pad (narrow convolutions) follows the chunking.
	rows := g.Conv3ChunkRows()
	if st.full {
		rows = M
	}
	cols := func() []T {
		switch {
		case g.Pointwise():
			return nil
		case st.full:
			return buf[T](&st.cols, M*K)
		}
		return buf[T](st.transient, rows*K)
	}
	switch o.kind {
	case convFwd:
		var bias []T
		if st.bias {
			bias = data[T](in[2])
		}
		kern.Conv3Fwd(y, data[T](in[0]), data[T](in[1]), bias, cols(), buf[T](&st.pad, g.PadScratch(rows)), g)
	case convGradX:
		nc, np := g.Conv3DataScratch()
		var c []T
		if !g.Pointwise() {
			c = buf[T](st.transient, nc)
		}
		kern.Conv3BwdData(y, data[T](in[0]), data[T](in[1]), buf[T](&st.wf, g.Cout*K), c, buf[T](&st.pad, np), g)
	case convGradW:
		kern.Conv3BwdWeight(y, data[T](in[0]), data[T](in[1]), cols(), buf[T](&st.pad, g.PadScratch(rows)), g, st.full)
	}
}

func (o *conv3Op) UsePreallocDo(_ G.Value, in ...G.Value) (G.Value, error) { return o.Do(in...) }

func (o *conv3Op) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if o.kind != convFwd {
		return nil, errNoSecondOrder(o.name)
	}
	res := make(G.Nodes, len(inputs))
	var err error
	if o.diff[0] {
		g := &conv3Op{op: newOp("Conv3dGradX", o.dt, inputs[0].Shape(), grad, inputs[1]), st: o.st, kind: convGradX}
		if res[0], err = G.ApplyOp(g, grad, inputs[1]); err != nil {
			return nil, err
		}
	}
	if o.diff[1] {
		g := &conv3Op{op: newOp("Conv3dGradW", o.dt, inputs[1].Shape(), grad, inputs[0]), st: o.st, kind: convGradW}
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

package nn

import (
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/nn/internal/kern"
)

// The 2-D U-Net's layout and resampling ops. Each is a permutation or a copy pattern of a channels-last
// image batch; the gradient of each is its adjoint, written as another kernel, so no op goes through
// gorgonia's per-element code.

// ChannelsLast turns x [B, C, S...] (PyTorch's channels-first images) into [B, S..., C], the layout of
// nn's convolutions and norms; its gradient is ChannelsFirst.
func (b *Builder) ChannelsLast(x *G.Node) *G.Node {
	if !b.ok(x) {
		return nil
	}
	xs := x.Shape()
	if len(xs) < 3 {
		return b.failf("ChannelsLast: x %v, want [B, C, S...]", xs)
	}
	shape := append(append(tensor.Shape{xs[0]}, xs[2:]...), xs[1])
	return b.transposeOp("ChannelsLast", x, shape, xs[0], xs[1], xs.TotalSize()/(xs[0]*xs[1]))
}

// ChannelsFirst turns x [B, S..., C] into [B, C, S...]; its gradient is ChannelsLast.
func (b *Builder) ChannelsFirst(x *G.Node) *G.Node {
	if !b.ok(x) {
		return nil
	}
	xs := x.Shape()
	if len(xs) < 3 {
		return b.failf("ChannelsFirst: x %v, want [B, S..., C]", xs)
	}
	C := xs[len(xs)-1]
	shape := append(tensor.Shape{xs[0], C}, xs[1:len(xs)-1]...)
	return b.transposeOp("ChannelsFirst", x, shape, xs[0], xs.TotalSize()/(xs[0]*C), C)
}

// transposeOp is y [B, R, Q] = x [B, Q, R] transposed per example; the gradient transposes back.
func (b *Builder) transposeOp(name string, x *G.Node, shape tensor.Shape, B, Q, R int) *G.Node {
	k := transposeKernel(B, Q, R)
	grad := func(_ int, in G.Nodes, _, dy *G.Node) (*G.Node, error) {
		return gradFn(b.dt, name+"Grad", in[0].Shape(), transposeKernel(B, R, Q), dy)
	}
	return b.fn(name, shape, k, grad, nodes(x))
}

func transposeKernel(B, Q, R int) kernel {
	return kernel{f32: func(y []float32, in [][]float32) { kern.PermuteInner(y, in[0], B, Q, R) },
		f64: func(y []float64, in [][]float64) { kern.PermuteInner(y, in[0], B, Q, R) }}
}

// SpaceToDepth moves each 2x2 block of x [B, H, W, C] into channels: [B, H/2, W/2, 4C], channel 4c + 2p + q
// holding pixel (2i + p, 2j + q) of channel c, the order of einops' 'b c (h p1) (w p2) -> b (c p1 p2) h w'
// that lucidrains' Downsample uses before its 1x1 convolution. Lossless, unlike strided convolution.
func (b *Builder) SpaceToDepth(x *G.Node) *G.Node {
	if !b.ok(x) {
		return nil
	}
	xs := x.Shape()
	if len(xs) != 4 || xs[1]%2 != 0 || xs[2]%2 != 0 {
		return b.failf("SpaceToDepth: x %v, want [B, H, W, C] with H and W even", xs)
	}
	g := kern.SpaceGeom{B: xs[0], H: xs[1], W: xs[2], C: xs[3]}
	k := spaceKernel(g, false)
	grad := func(_ int, in G.Nodes, _, dy *G.Node) (*G.Node, error) {
		return gradFn(b.dt, "DepthToSpace", in[0].Shape(), spaceKernel(g, true), dy)
	}
	return b.fn("SpaceToDepth", tensor.Shape{g.B, g.H / 2, g.W / 2, 4 * g.C}, k, grad, nodes(x))
}

// spaceKernel is space-to-depth (y from x) or, inverse, depth-to-space (x from y: y is then the
// op's output, in[0] the deep tensor).
func spaceKernel(g kern.SpaceGeom, inverse bool) kernel {
	if inverse {
		return kernel{f32: func(y []float32, in [][]float32) { kern.SpaceToDepth(in[0], y, g, true) },
			f64: func(y []float64, in [][]float64) { kern.SpaceToDepth(in[0], y, g, true) }}
	}
	return kernel{f32: func(y []float32, in [][]float32) { kern.SpaceToDepth(y, in[0], g, false) },
		f64: func(y []float64, in [][]float64) { kern.SpaceToDepth(y, in[0], g, false) }}
}

// Upsample2x is nearest-neighbour upsampling by 2 of x [B, H, W, C] to [B, 2H, 2W, C] (PyTorch's
// nn.Upsample(scale_factor=2, mode='nearest')); its gradient sums each 2x2 block.
func (b *Builder) Upsample2x(x *G.Node) *G.Node {
	if !b.ok(x) {
		return nil
	}
	xs := x.Shape()
	if len(xs) != 4 {
		return b.failf("Upsample2x: x %v, want [B, H, W, C]", xs)
	}
	g := kern.SpaceGeom{B: xs[0], H: xs[1], W: xs[2], C: xs[3]}
	k := kernel{f32: func(y []float32, in [][]float32) { kern.UpsampleFwd(y, in[0], g) },
		f64: func(y []float64, in [][]float64) { kern.UpsampleFwd(y, in[0], g) }}
	grad := func(_ int, in G.Nodes, _, dy *G.Node) (*G.Node, error) {
		k := kernel{f32: func(y []float32, in [][]float32) { kern.UpsampleBwd(y, in[0], g) },
			f64: func(y []float64, in [][]float64) { kern.UpsampleBwd(y, in[0], g) }}
		return gradFn(b.dt, "Upsample2xGrad", in[0].Shape(), k, dy)
	}
	return b.fn("Upsample2x", tensor.Shape{g.B, 2 * g.H, 2 * g.W, g.C}, k, grad, nodes(x))
}

// Upsample1d2x is nearest-neighbour upsampling by 2 of a sequence x [B, L, C] to [B, 2L, C] (PyTorch's
// nn.Upsample(scale_factor=2, mode='nearest') on [B, C, L]); its gradient sums each pair of rows.
func (b *Builder) Upsample1d2x(x *G.Node) *G.Node {
	if !b.ok(x) {
		return nil
	}
	xs := x.Shape()
	if len(xs) != 3 {
		return b.failf("Upsample1d2x: x %v, want [B, L, C]", xs)
	}
	B, L, C := xs[0], xs[1], xs[2]
	k := kernel{f32: func(y []float32, in [][]float32) { kern.Upsample1dFwd(y, in[0], B, L, C) },
		f64: func(y []float64, in [][]float64) { kern.Upsample1dFwd(y, in[0], B, L, C) }}
	grad := func(_ int, in G.Nodes, _, dy *G.Node) (*G.Node, error) {
		k := kernel{f32: func(y []float32, in [][]float32) { kern.Upsample1dBwd(y, in[0], B, L, C) },
			f64: func(y []float64, in [][]float64) { kern.Upsample1dBwd(y, in[0], B, L, C) }}
		return gradFn(b.dt, "Upsample1d2xGrad", in[0].Shape(), k, dy)
	}
	return b.fn("Upsample1d2x", tensor.Shape{B, 2 * L, C}, k, grad, nodes(x))
}

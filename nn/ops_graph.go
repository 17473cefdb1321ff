package nn

import (
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/nn/internal/kern"
)

// Ops of EGTN's spatial (EGNN) layer over fully connected frame graphs (layout: kern.Frames). Node rows are
// gathered into edge rows and edge messages are summed back by fixed index arithmetic, so a layer is a
// handful of ops however many edges there are, and the MLPs between them are ordinary Linear ops on
// [rows, channels].

// EdgePair returns [h_i | h_j] for every edge j -> i of the frame graphs, h [Rows, C] -> [EdgeRows, 2C].
func (b *Builder) EdgePair(h *G.Node, g kern.Frames) *G.Node {
	if !b.ok(h) {
		return nil
	}
	if hs := h.Shape(); len(hs) != 2 || hs[0] != g.Rows() {
		return b.failf("EdgePair: h %v, want [%d, C]", hs, g.Rows())
	}
	c := h.Shape()[1]
	k := kernelOf(c, func(c int, y []float32, in [][]float32) { kern.EdgePairFwd(g, y, in[0], c) },
		func(c int, y []float64, in [][]float64) { kern.EdgePairFwd(g, y, in[0], c) })
	grad := func(_ int, in G.Nodes, _, dy *G.Node) (*G.Node, error) {
		k := kernelOf(c, func(c int, y []float32, in [][]float32) { kern.EdgePairBwd(g, y, in[0], c) },
			func(c int, y []float64, in [][]float64) { kern.EdgePairBwd(g, y, in[0], c) })
		return gradFn(b.dt, "EdgePairGrad", in[0].Shape(), k, dy)
	}
	return b.fn("EdgePair", tensor.Shape{g.EdgeRows(), 2 * c}, k, grad, nodes(h))
}

// EdgeDiff returns x_i - x_j for every edge j -> i, x [Rows, D] -> [EdgeRows, D].
func (b *Builder) EdgeDiff(x *G.Node, g kern.Frames) *G.Node {
	if !b.ok(x) {
		return nil
	}
	if xs := x.Shape(); len(xs) != 2 || xs[0] != g.Rows() {
		return b.failf("EdgeDiff: x %v, want [%d, D]", xs, g.Rows())
	}
	d := x.Shape()[1]
	k := kernelOf(d, func(d int, y []float32, in [][]float32) { kern.EdgeDiffFwd(g, y, in[0], d) },
		func(d int, y []float64, in [][]float64) { kern.EdgeDiffFwd(g, y, in[0], d) })
	grad := func(_ int, in G.Nodes, _, dy *G.Node) (*G.Node, error) {
		k := kernelOf(d, func(d int, y []float32, in [][]float32) { kern.EdgeDiffBwd(g, y, in[0], d) },
			func(d int, y []float64, in [][]float64) { kern.EdgeDiffBwd(g, y, in[0], d) })
		return gradFn(b.dt, "EdgeDiffGrad", in[0].Shape(), k, dy)
	}
	return b.fn("EdgeDiff", tensor.Shape{g.EdgeRows(), d}, k, grad, nodes(x))
}

// SegmentSum sums consecutive groups of s rows, x [R s, C] -> [R, C] (the messages into each node).
func (b *Builder) SegmentSum(x *G.Node, s int) *G.Node {
	if !b.ok(x) {
		return nil
	}
	xs := x.Shape()
	if len(xs) != 2 || s < 1 || xs[0]%s != 0 {
		return b.failf("SegmentSum: x %v does not split into groups of %d rows", xs, s)
	}
	c := xs[1]
	k := kernelOf(c, func(c int, y []float32, in [][]float32) { kern.SegmentSumFwd(y, in[0], s, c) },
		func(c int, y []float64, in [][]float64) { kern.SegmentSumFwd(y, in[0], s, c) })
	grad := func(_ int, in G.Nodes, _, dy *G.Node) (*G.Node, error) {
		k := kernelOf(c, func(c int, y []float32, in [][]float32) { kern.SegmentSumBwd(y, in[0], s, c) },
			func(c int, y []float64, in [][]float64) { kern.SegmentSumBwd(y, in[0], s, c) })
		return gradFn(b.dt, "SegmentSumGrad", in[0].Shape(), k, dy)
	}
	return b.fn("SegmentSum", tensor.Shape{xs[0] / s, c}, k, grad, nodes(x))
}

// RowSqNorm returns |x_m|^2 of every row, x [M, D] -> [M, 1].
func (b *Builder) RowSqNorm(x *G.Node) *G.Node {
	if !b.ok(x) {
		return nil
	}
	xs := x.Shape()
	if len(xs) != 2 {
		return b.failf("RowSqNorm: x %v, want [M, D]", xs)
	}
	d := xs[1]
	k := kernelOf(d, func(d int, y []float32, in [][]float32) { kern.RowSqNormFwd(y, in[0], d) },
		func(d int, y []float64, in [][]float64) { kern.RowSqNormFwd(y, in[0], d) })
	grad := func(_ int, in G.Nodes, _, dy *G.Node) (*G.Node, error) {
		k := kernelOf(d, func(d int, y []float32, in [][]float32) { kern.RowSqNormBwd(y, in[0], in[1], d) },
			func(d int, y []float64, in [][]float64) { kern.RowSqNormBwd(y, in[0], in[1], d) })
		return gradFn(b.dt, "RowSqNormGrad", in[0].Shape(), k, in[0], dy)
	}
	return b.fn("RowSqNorm", tensor.Shape{xs[0], 1}, k, grad, nodes(x))
}

// EdgeCoordMean is the EGNN coordinate update with GeoTDM's normalisation: for every node row r,
// (1/s) sum_k dx_e phi_e / (sqrt(|dx_e|^2 + 1e-8) + 1) over its s edges e = r s + k; dx [R s, D], phi
// [R s, 1] -> [R, D].
func (b *Builder) EdgeCoordMean(dx, phi *G.Node, s int) *G.Node {
	if !b.ok(dx, phi) {
		return nil
	}
	xs, ps := dx.Shape(), phi.Shape()
	if len(xs) != 2 || ps.TotalSize() != xs[0] || s < 1 || xs[0]%s != 0 {
		return b.failf("EdgeCoordMean: dx %v and phi %v (want [R*%d, D] and [R*%d, 1])", xs, ps, s, s)
	}
	d := xs[1]
	k := kernelOf(d, func(d int, y []float32, in [][]float32) { kern.EdgeCoordMeanFwd(y, in[0], in[1], s, d) },
		func(d int, y []float64, in [][]float64) { kern.EdgeCoordMeanFwd(y, in[0], in[1], s, d) })
	grad := func(i int, in G.Nodes, _, dy *G.Node) (*G.Node, error) {
		if i == 0 {
			k := kernelOf(d, func(d int, y []float32, in [][]float32) { kern.EdgeCoordMeanBwdDx(y, in[0], in[1], in[2], s, d) },
				func(d int, y []float64, in [][]float64) { kern.EdgeCoordMeanBwdDx(y, in[0], in[1], in[2], s, d) })
			return gradFn(b.dt, "EdgeCoordMeanGradDx", in[0].Shape(), k, in[0], in[1], dy)
		}
		k := kernelOf(d, func(d int, y []float32, in [][]float32) { kern.EdgeCoordMeanBwdPhi(y, in[0], in[1], s, d) },
			func(d int, y []float64, in [][]float64) { kern.EdgeCoordMeanBwdPhi(y, in[0], in[1], s, d) })
		return gradFn(b.dt, "EdgeCoordMeanGradPhi", in[1].Shape(), k, in[0], dy)
	}
	return b.fn("EdgeCoordMean", tensor.Shape{xs[0] / s, d}, k, grad, nodes(dx, phi))
}

// Tile repeats each example's vector f times, x [B, K] -> [B*f, K] (node features and edge attributes
// for every frame; the step embedding for every node row).
func (b *Builder) Tile(x *G.Node, f int) *G.Node {
	if !b.ok(x) {
		return nil
	}
	xs := x.Shape()
	if len(xs) != 2 || f < 1 {
		return b.failf("Tile: x %v, f %d (want [B, K], f >= 1)", xs, f)
	}
	kk := xs[1]
	k := kernelOf(kk, func(c int, y []float32, in [][]float32) { kern.TileFwd(y, in[0], f, c) },
		func(c int, y []float64, in [][]float64) { kern.TileFwd(y, in[0], f, c) })
	grad := func(_ int, in G.Nodes, _, dy *G.Node) (*G.Node, error) {
		k := kernelOf(kk, func(c int, y []float32, in [][]float32) { kern.TileBwd(y, in[0], f, c) },
			func(c int, y []float64, in [][]float64) { kern.TileBwd(y, in[0], f, c) })
		return gradFn(b.dt, "TileGrad", in[0].Shape(), k, dy)
	}
	return b.fn("Tile", tensor.Shape{xs[0] * f, kk}, k, grad, nodes(x))
}

// RowMean returns the mean of every row, x [M, C] -> [M, 1].
func (b *Builder) RowMean(x *G.Node) *G.Node {
	if !b.ok(x) {
		return nil
	}
	xs := x.Shape()
	if len(xs) != 2 {
		return b.failf("RowMean: x %v, want [M, C]", xs)
	}
	c := xs[1]
	k := kernelOf(c, func(c int, y []float32, in [][]float32) { kern.RowMeanFwd(y, in[0], c) },
		func(c int, y []float64, in [][]float64) { kern.RowMeanFwd(y, in[0], c) })
	grad := func(_ int, in G.Nodes, _, dy *G.Node) (*G.Node, error) {
		k := kernelOf(c, func(c int, y []float32, in [][]float32) { kern.RowMeanBwd(y, in[0], c) },
			func(c int, y []float64, in [][]float64) { kern.RowMeanBwd(y, in[0], c) })
		return gradFn(b.dt, "RowMeanGrad", in[0].Shape(), k, dy)
	}
	return b.fn("RowMean", tensor.Shape{xs[0], 1}, k, grad, nodes(x))
}

// EdgeCombine returns a[i] + b[j] + c[e] for every edge e: j -> i, a and b [Rows, H], c [EdgeRows, H]
// (the edge MLP's first layer split into node-level and edge-level products).
func (b *Builder) EdgeCombine(a, bn, c *G.Node, g kern.Frames) *G.Node {
	if !b.ok(a, bn, c) {
		return nil
	}
	as := a.Shape()
	if len(as) != 2 || as[0] != g.Rows() || !bn.Shape().Eq(as) || c.Shape().TotalSize() != g.EdgeRows()*as[1] {
		return b.failf("EdgeCombine: a %v, b %v, c %v for %d node rows and %d edge rows", as, bn.Shape(), c.Shape(), g.Rows(), g.EdgeRows())
	}
	h := as[1]
	k := kernelOf(h, func(h int, y []float32, in [][]float32) { kern.EdgeCombineFwd(g, y, in[0], in[1], in[2], h) },
		func(h int, y []float64, in [][]float64) { kern.EdgeCombineFwd(g, y, in[0], in[1], in[2], h) })
	grad := func(i int, in G.Nodes, _, dy *G.Node) (*G.Node, error) {
		switch i {
		case 0:
			k := kernelOf(h, func(h int, y []float32, in [][]float32) { kern.SegmentSumFwd(y, in[0], g.N-1, h) },
				func(h int, y []float64, in [][]float64) { kern.SegmentSumFwd(y, in[0], g.N-1, h) })
			return gradFn(b.dt, "EdgeCombineGradA", in[0].Shape(), k, dy)
		case 1:
			k := kernelOf(h, func(h int, y []float32, in [][]float32) { kern.EdgeSourceSum(g, y, in[0], h) },
				func(h int, y []float64, in [][]float64) { kern.EdgeSourceSum(g, y, in[0], h) })
			return gradFn(b.dt, "EdgeCombineGradB", in[1].Shape(), k, dy)
		}
		return gradFn(b.dt, "EdgeCombineGradC", in[2].Shape(), copyKernel(), dy)
	}
	return b.fn("EdgeCombine", tensor.Shape{g.EdgeRows(), h}, k, grad, nodes(a, bn, c))
}

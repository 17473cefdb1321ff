package nn

import (
	"math"
	"testing"

	G "gorgonia.org/gorgonia"

	"github.com/trajdiff/trajdiff/nn/internal/kern"
)

func TestGradEdgeOps(t *testing.T) {
	g := kern.Frames{B: 2, F: 2, N: 3}
	R, E := g.Rows(), g.EdgeRows()
	checkGrads(t, gradCase{name: "edgepair", shapes: [][]int{{R, 4}},
		build: func(b *Builder, in []*G.Node) *G.Node { return b.Act(b.EdgePair(in[0], g), SiLU) }})
	checkGrads(t, gradCase{name: "edgediff-sqnorm", shapes: [][]int{{R, 3}},
		build: func(b *Builder, in []*G.Node) *G.Node { return b.RowSqNorm(b.EdgeDiff(in[0], g)) }})
	checkGrads(t, gradCase{name: "segmentsum", shapes: [][]int{{E, 5}},
		build: func(b *Builder, in []*G.Node) *G.Node { return b.Act(b.SegmentSum(in[0], g.N-1), Mish) }})
	checkGrads(t, gradCase{name: "edgecoordmean", shapes: [][]int{{R, 3}, {E, 1}},
		build: func(b *Builder, in []*G.Node) *G.Node {
			return b.EdgeCoordMean(b.EdgeDiff(in[0], g), in[1], g.N-1)
		}})
	checkGrads(t, gradCase{name: "tile-rowmean", shapes: [][]int{{2, 6}},
		build: func(b *Builder, in []*G.Node) *G.Node { return b.Act(b.RowMean(b.Tile(in[0], 3)), SiLU) }})
}

func TestGradShapeOps(t *testing.T) {
	checkGrads(t, gradCase{name: "reshape-slice-sub", shapes: [][]int{{2, 3, 4}, {2, 5}},
		build: func(b *Builder, in []*G.Node) *G.Node {
			x := b.Reshape(in[0], 2, 12)
			return b.Act(b.Sub(b.SliceCols(x, 4, 5), in[1]), Mish)
		}})
	checkGrads(t, gradCase{name: "center", shapes: [][]int{{2, 12}},
		build: func(b *Builder, in []*G.Node) *G.Node { return b.Act(b.Center(in[0], 4, 3), SiLU) }})
}

func TestGradTemporalOps(t *testing.T) {
	g := kern.Frames{B: 2, F: 4, N: 2}
	R, H := g.Rows(), 3
	// Scale the inputs down so that the softmax is not saturated and every path carries gradient.
	small := func(_ int, v []float64) {
		for j := range v {
			v[j] *= 0.5
		}
	}
	checkGrads(t, gradCase{name: "relattn", shapes: [][]int{{R, H}, {R, H}, {g.F * g.F, H}, {R, H}}, fill: small,
		build: func(b *Builder, in []*G.Node) *G.Node {
			a := b.RelAttnWeights(in[0], in[1], in[2], g)
			return b.RelAttnApply(a, in[3], in[2], g)
		}})
	checkGrads(t, gradCase{name: "temporalcoord", shapes: [][]int{{R, H}, {R, H}, {g.F * g.F, H}, {R, 3}, {R, 1}}, fill: small,
		build: func(b *Builder, in []*G.Node) *G.Node {
			a := b.RelAttnWeights(in[0], in[1], in[2], g)
			return b.TemporalCoord(in[3], a, in[4], g)
		}})
}

func TestGradPriorOps(t *testing.T) {
	const B, Tc, N, D, Tf = 2, 3, 2, 3, 4
	checkGrads(t, gradCase{name: "convexframemix", shapes: [][]int{{B, Tc * N * D}, {B * Tc * N, 1}, {Tf}},
		build: func(b *Builder, in []*G.Node) *G.Node { return b.ConvexFrameMix(in[0], in[1], in[2], Tc, N, D) }})
	checkGrads(t, gradCase{name: "centroid", shapes: [][]int{{B, Tc * N * D}},
		build: func(b *Builder, in []*G.Node) *G.Node { return b.Act(b.Centroid(in[0], Tc*N, Tf*N, D), SiLU) }})
	alpha := func(t float64) float64 { return math.Cos(t) }
	checkGrads(t, gradCase{name: "signalmix", shapes: [][]int{{B, 5}, {B, 5}, {B}}, data: []bool{false, false, true},
		build: func(b *Builder, in []*G.Node) *G.Node { return b.Act(b.SignalMix(in[0], in[1], in[2], alpha), Mish) }})
}

// TestConvexFrameMixKeepsTranslations checks the prior's defining property: weights that sum to one
// map condition frames translated by c to target frames translated by c.
func TestConvexFrameMixKeepsTranslations(t *testing.T) {
	const Tc, N, D, Tf = 3, 2, 3, 2
	xh := []float64{}
	for i := 0; i < Tc*N*D; i++ {
		xh = append(xh, float64(i%7)-2.5)
	}
	w := []float64{0.3, -0.2, 0.7, 0.1, 0.4, 0.9}
	gamma := []float64{1.3, -0.4}
	y := make([]float64, Tf*N*D)
	kern.ConvexFrameMixFwd(y, xh, w, gamma, 1, Tc, N, D)
	shift := []float64{1.5, -2, 0.25}
	xs := append([]float64(nil), xh...)
	for i := range xs {
		xs[i] += shift[i%D]
	}
	ys := make([]float64, len(y))
	kern.ConvexFrameMixFwd(ys, xs, w, gamma, 1, Tc, N, D)
	for i := range y {
		if math.Abs(ys[i]-y[i]-shift[i%D]) > 1e-12 {
			t.Fatalf("value %d: shifted input gives %v, want %v + %v", i, ys[i], y[i], shift[i%D])
		}
	}
}

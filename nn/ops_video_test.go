package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/nn/internal/kern"
)

func TestGradConv3d(t *testing.T) {
	cases := []struct {
		name            string
		x, w            []int
		stride, padding [3]int
	}{
		{"conv3d-same", []int{2, 4, 3, 5, 2}, []int{3, 3, 3, 3, 2}, [3]int{1, 1, 1}, [3]int{1, 1, 1}},
		{"conv3d-valid", []int{1, 5, 4, 4, 3}, []int{2, 2, 3, 1, 3}, [3]int{1, 1, 1}, [3]int{0, 1, 0}},
		{"conv3d-wide-padding", []int{1, 3, 3, 3, 2}, []int{2, 1, 2, 2, 2}, [3]int{1, 1, 1}, [3]int{1, 2, 2}},
		{"conv3d-strided", []int{2, 5, 6, 6, 2}, []int{3, 3, 4, 4, 2}, [3]int{2, 2, 2}, [3]int{1, 1, 1}},
		{"conv3d-pointwise", []int{2, 3, 2, 2, 4}, []int{3, 1, 1, 1, 4}, [3]int{1, 1, 1}, [3]int{0, 0, 0}},
		// 33 output channels: the products are not padded (kern's narrow path ends at 32).
		{"conv3d-wide", []int{1, 2, 3, 3, 2}, []int{33, 2, 2, 2, 2}, [3]int{1, 1, 1}, [3]int{1, 0, 1}},
	}
	for _, c := range cases {
		checkGrads(t, gradCase{name: c.name, shapes: [][]int{c.x, c.w, {c.w[0]}},
			build: func(b *Builder, in []*G.Node) *G.Node { return b.Conv3d(in[0], in[1], in[2], c.stride, c.padding) }})
	}
}

func TestGradFrameConvs(t *testing.T) {
	checkGrads(t, gradCase{name: "frameconv2d", shapes: [][]int{{2, 3, 4, 4, 2}, {3, 4, 4, 2}, {3}},
		build: func(b *Builder, in []*G.Node) *G.Node {
			return b.FrameConv2d(in[0], in[1], in[2], [2]int{2, 2}, [2]int{1, 1})
		}})
	checkGrads(t, gradCase{name: "frameconvT2d", shapes: [][]int{{2, 3, 2, 3, 2}, {2, 4, 4, 3}, {3}},
		build: func(b *Builder, in []*G.Node) *G.Node {
			return b.FrameConvTranspose2d(in[0], in[1], in[2], [2]int{2, 2}, [2]int{1, 1})
		}})
}

func TestGradTemporalAttention(t *testing.T) {
	checkGrads(t, gradCase{name: "frames-to-positions", shapes: [][]int{{2, 3, 2, 4, 3}},
		build: func(b *Builder, in []*G.Node) *G.Node { return b.Act(b.FramesToPositions(in[0]), Mish) }})
	checkGrads(t, gradCase{name: "positions-to-frames", shapes: [][]int{{2, 2, 4, 3, 3}},
		build: func(b *Builder, in []*G.Node) *G.Node { return b.Act(b.PositionsToFrames(in[0]), Mish) }})
	checkGrads(t, gradCase{name: "rotary", shapes: [][]int{{2, 3, 5, 24}, {1}}, data: []bool{false, true},
		fill: func(i int, v []float64) {
			if i == 1 {
				v[0] = 0.7
			}
		},
		build: func(b *Builder, in []*G.Node) *G.Node { return b.Act(b.Rotary(in[0], in[1], 2), Mish) }})
	checkGrads(t, gradCase{name: "rotary-partial", shapes: [][]int{{2, 4, 36}, {2}}, data: []bool{false, true},
		fill: func(i int, v []float64) {
			if i == 1 {
				v[0], v[1] = 1, 0.1
			}
		},
		build: func(b *Builder, in []*G.Node) *G.Node { return b.Act(b.Rotary(in[0], in[1], 2), Mish) }})
	checkGrads(t, gradCase{name: "biased-attention", shapes: [][]int{{2, 3, 5, 12}, {2, 5, 5}},
		build: func(b *Builder, in []*G.Node) *G.Node { return b.BiasedAttention(in[0], in[1], 2) }})
	checkGrads(t, gradCase{name: "relpos-bias", shapes: [][]int{{32, 2}},
		build: func(b *Builder, in []*G.Node) *G.Node { return b.Act(b.RelPosBias(in[0], 20, 32), Mish) }})
}

// run1 evaluates a graph built from float64 inputs filled with N(0, 1) values and returns the output
// and the inputs.
func run1(t *testing.T, shapes [][]int, build func(b *Builder, in []*G.Node) *G.Node) ([]float64, [][]float64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(3, 4))
	b := NewBuilder(tensor.Float64, false)
	in := make([]*G.Node, len(shapes))
	vals := make([][]float64, len(shapes))
	for i, s := range shapes {
		in[i] = b.Input("in", s...)
		vals[i] = data[float64](in[i].Value())
		for j := range vals[i] {
			vals[i][j] = rng.NormFloat64()
		}
	}
	out := build(b, in)
	defer runGraph(t, b).Close()
	return append([]float64(nil), data[float64](out.Value())...), vals
}

func TestConv3dIsTheDirectSum(t *testing.T) {
	for _, cout := range []int{3, 34} {
		checkConv3dDirectSum(t, []int{2, 4, 5, 3, 2}, []int{cout, 3, 2, 3, 2})
	}
}

func checkConv3dDirectSum(t *testing.T, xs, ws []int) {
	t.Helper()
	stride, pad := [3]int{1, 2, 1}, [3]int{1, 0, 2}
	y, in := run1(t, [][]int{xs, ws, {ws[0]}}, func(b *Builder, in []*G.Node) *G.Node { return b.Conv3d(in[0], in[1], in[2], stride, pad) })
	x, w, bias := in[0], in[1], in[2]
	F, H, W, C := xs[1], xs[2], xs[3], xs[4]
	Fo, Ho, Wo := (F+2*pad[0]-ws[1])/stride[0]+1, (H+2*pad[1]-ws[2])/stride[1]+1, (W+2*pad[2]-ws[3])/stride[2]+1
	worst := 0.0
	for bb := 0; bb < xs[0]; bb++ {
		for f := 0; f < Fo; f++ {
			for i := 0; i < Ho; i++ {
				for j := 0; j < Wo; j++ {
					for co := 0; co < ws[0]; co++ {
						s := bias[co]
						for a := 0; a < ws[1]; a++ {
							for p := 0; p < ws[2]; p++ {
								for q := 0; q < ws[3]; q++ {
									ff, ii, jj := f*stride[0]-pad[0]+a, i*stride[1]-pad[1]+p, j*stride[2]-pad[2]+q
									if ff < 0 || ff >= F || ii < 0 || ii >= H || jj < 0 || jj >= W {
										continue
									}
									for c := 0; c < C; c++ {
										s += x[(((bb*F+ff)*H+ii)*W+jj)*C+c] * w[(((co*ws[1]+a)*ws[2]+p)*ws[3]+q)*C+c]
									}
								}
							}
						}
						got := y[(((bb*Fo+f)*Ho+i)*Wo+j)*ws[0]+co]
						worst = math.Max(worst, math.Abs(got-s))
					}
				}
			}
		}
	}
	if worst > 1e-12 {
		t.Fatalf("Conv3d differs from the direct sum by %g", worst)
	}
}

func TestConv3dChunkedEqualsWhole(t *testing.T) {
	// A 7x7x7 kernel on 42 channels has im2col rows of 14,406 values: the forward pass and the weight
	// gradient go chunk by chunk; they must agree with the whole-matrix path to rounding, for a narrow
	// (padded) and a wide output.
	for _, cout := range []int{2, 40} {
		g := kern.Conv3Geom{B: 1, F: 3, H: 10, W: 10, Cin: 42, Cout: cout, KT: 7, KH: 7, KW: 7, ST: 1, SH: 1, SW: 1, PT: 3, PH: 3, PW: 3}
		if err := g.Complete(); err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(1, 2))
		fill := func(n int) []float64 {
			v := make([]float64, n)
			for i := range v {
				v[i] = rng.NormFloat64()
			}
			return v
		}
		x, w, dy := fill(g.B*g.F*g.H*g.W*g.Cin), fill(g.Cout*g.K()), fill(g.Rows()*g.Cout)
		whole := make([]float64, g.Rows()*g.K())
		chunk := make([]float64, g.Conv3ChunkRows()*g.K())
		if g.Conv3ChunkRows() >= g.Rows() {
			t.Fatalf("chunk of %d rows covers all %d: the test does not exercise chunking", g.Conv3ChunkRows(), g.Rows())
		}
		padWhole, padChunk := make([]float64, g.PadScratch(g.Rows())), make([]float64, g.PadScratch(g.Conv3ChunkRows()))
		y1, y2 := make([]float64, g.Rows()*g.Cout), make([]float64, g.Rows()*g.Cout)
		kern.Conv3Fwd(y1, x, w, nil, whole, padWhole, &g)
		kern.Conv3Fwd(y2, x, w, nil, chunk, padChunk, &g)
		dw1, dw2 := make([]float64, len(w)), make([]float64, len(w))
		kern.Conv3BwdWeight(dw1, dy, x, whole, padWhole, &g, true)
		kern.Conv3BwdWeight(dw2, dy, x, chunk, padChunk, &g, false)
		for name, p := range map[string][2][]float64{"output": {y1, y2}, "weight gradient": {dw1, dw2}} {
			for i := range p[0] {
				if d := math.Abs(p[0][i] - p[1][i]); d > 1e-9 {
					t.Fatalf("%d channels, %s %d: whole %g, chunked %g", cout, name, i, p[0][i], p[1][i])
				}
			}
		}
	}
}

func TestRelPosBucketsFollowT5(t *testing.T) {
	// 32 buckets, max distance 32: offsets j - i <= 0 use buckets 0..15 (|offset| exact below 8,
	// logarithmic to 15), keys after the query 16..31. The table is PyTorch's (float32 logarithms) for
	// offsets -40..40, from scripts/nn/models.py RelPosBias.bucket, which follows the reference's
	// _relative_position_bucket operation by operation.
	want := []int{
		15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 14, 14, 14, 14, 13, 13, 13, 12, 12, 12, 12, 11, 11,
		10, 10, 9, 9, 8, 8, 7, 6, 5, 4, 3, 2, 1, 0, 17, 18, 19, 20, 21, 22, 23, 24, 24, 25, 25, 26, 26,
		27, 27, 28, 28, 28, 28, 29, 29, 29, 30, 30, 30, 30, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31,
	}
	for i, b := range want {
		if got := kern.RelPosBucket(i-40, 32, 32); got != b {
			t.Errorf("offset %d: bucket %d, PyTorch %d", i-40, got, b)
		}
	}
}

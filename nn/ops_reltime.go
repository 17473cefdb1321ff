package nn

import (
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/nn/internal/kern"
)

// Ops of EGTN's temporal layer: attention of every node over its own frames with an embedding of the
// frame offset psi [F*F, H] (psi[t F + s] embeds t - s) added to keys and values (GeoTDM eq. 6-7).

type relDims struct {
	g    kern.Frames
	h    int
	ws   *scratch // the graph's transient memory (the tape runs one op at a time)
	work int      // its length needed, kern.Frames.RelWork
}

// RelAttnWeights returns A [B N, F, F], A[t, s] = softmax_s(q_t . (k_s + psi_ts)), for q, k [Rows, H].
func (b *Builder) RelAttnWeights(q, k, psi *G.Node, g kern.Frames) *G.Node {
	if !b.ok(q, k, psi) {
		return nil
	}
	qs := q.Shape()
	if len(qs) != 2 || qs[0] != g.Rows() || !k.Shape().Eq(qs) || psi.Shape().TotalSize() != g.F*g.F*qs[1] {
		return b.failf("RelAttnWeights: q %v, k %v, psi %v for %d rows of %d frames", qs, k.Shape(), psi.Shape(), g.Rows(), g.F)
	}
	p := relDims{g, qs[1], &b.transient, g.RelWork(qs[1])}
	kf := kernelOf(p, func(p relDims, y []float32, in [][]float32) {
		kern.RelAttnWeightsFwd(p.g, y, in[0], in[1], in[2], buf[float32](p.ws, p.work), p.h)
	},
		func(p relDims, y []float64, in [][]float64) {
			kern.RelAttnWeightsFwd(p.g, y, in[0], in[1], in[2], buf[float64](p.ws, p.work), p.h)
		})
	// The logit gradient is shared by the three input gradients: one op computes it.
	var dl *G.Node
	grad := func(i int, in G.Nodes, out, dy *G.Node) (*G.Node, error) {
		if dl == nil {
			f := g.F
			k := kernel{f32: func(y []float32, v [][]float32) { kern.SoftmaxRowsGrad(y, v[0], v[1], f) },
				f64: func(y []float64, v [][]float64) { kern.SoftmaxRowsGrad(y, v[0], v[1], f) }}
			var err error
			if dl, err = gradFn(b.dt, "SoftmaxGrad", out.Shape(), k, out, dy); err != nil {
				return nil, err
			}
		}
		k := kernelOf(p, func(p relDims, y []float32, v [][]float32) {
			kern.RelAttnWeightsBwd(p.g, i, y, v[0], v[1], v[2], v[3], buf[float32](p.ws, p.work), p.h)
		},
			func(p relDims, y []float64, v [][]float64) {
				kern.RelAttnWeightsBwd(p.g, i, y, v[0], v[1], v[2], v[3], buf[float64](p.ws, p.work), p.h)
			})
		return gradFn(b.dt, "RelAttnWeightsGrad", in[i].Shape(), k, dl, in[0], in[1], in[2])
	}
	return b.fn("RelAttnWeights", tensor.Shape{g.B * g.N, g.F, g.F}, kf, grad, nodes(q, k, psi))
}

// RelAttnApply returns y_t = sum_s A_ts (v_s + psi_ts), v [Rows, H] -> [Rows, H].
func (b *Builder) RelAttnApply(a, v, psi *G.Node, g kern.Frames) *G.Node {
	if !b.ok(a, v, psi) {
		return nil
	}
	vs := v.Shape()
	if len(vs) != 2 || vs[0] != g.Rows() || a.Shape().TotalSize() != g.B*g.N*g.F*g.F || psi.Shape().TotalSize() != g.F*g.F*vs[1] {
		return b.failf("RelAttnApply: A %v, v %v, psi %v for %d rows of %d frames", a.Shape(), vs, psi.Shape(), g.Rows(), g.F)
	}
	p := relDims{g, vs[1], &b.transient, g.RelWork(vs[1])}
	kf := kernelOf(p, func(p relDims, y []float32, in [][]float32) {
		kern.RelAttnApplyFwd(p.g, y, in[0], in[1], in[2], buf[float32](p.ws, p.work), p.h)
	},
		func(p relDims, y []float64, in [][]float64) {
			kern.RelAttnApplyFwd(p.g, y, in[0], in[1], in[2], buf[float64](p.ws, p.work), p.h)
		})
	grad := func(i int, in G.Nodes, _, dy *G.Node) (*G.Node, error) {
		k := kernelOf(p, func(p relDims, y []float32, v [][]float32) {
			kern.RelAttnApplyBwd(p.g, i, y, v[0], v[1], v[2], v[3], buf[float32](p.ws, p.work), p.h)
		},
			func(p relDims, y []float64, v [][]float64) {
				kern.RelAttnApplyBwd(p.g, i, y, v[0], v[1], v[2], v[3], buf[float64](p.ws, p.work), p.h)
			})
		return gradFn(b.dt, "RelAttnApplyGrad", in[i].Shape(), k, in[0], in[1], in[2], dy)
	}
	return b.fn("RelAttnApply", vs.Clone(), kf, grad, nodes(a, v, psi))
}

// TemporalCoord returns the temporal coordinate update y_t = sum_s A_ts w_s (x_t - x_s), x [Rows, D],
// w [Rows, 1] -> [Rows, D].
func (b *Builder) TemporalCoord(x, a, w *G.Node, g kern.Frames) *G.Node {
	if !b.ok(x, a, w) {
		return nil
	}
	xs := x.Shape()
	if len(xs) != 2 || xs[0] != g.Rows() || a.Shape().TotalSize() != g.B*g.N*g.F*g.F || w.Shape().TotalSize() != g.Rows() {
		return b.failf("TemporalCoord: x %v, A %v, w %v for %d rows of %d frames", xs, a.Shape(), w.Shape(), g.Rows(), g.F)
	}
	p := relDims{g: g, h: xs[1]}
	kf := kernelOf(p, func(p relDims, y []float32, in [][]float32) { kern.TemporalCoordFwd(p.g, y, in[0], in[1], in[2], p.h) },
		func(p relDims, y []float64, in [][]float64) { kern.TemporalCoordFwd(p.g, y, in[0], in[1], in[2], p.h) })
	grad := func(i int, in G.Nodes, _, dy *G.Node) (*G.Node, error) {
		k := kernelOf(p, func(p relDims, y []float32, v [][]float32) {
			kern.TemporalCoordBwd(p.g, i, y, v[0], v[1], v[2], v[3], p.h)
		},
			func(p relDims, y []float64, v [][]float64) {
				kern.TemporalCoordBwd(p.g, i, y, v[0], v[1], v[2], v[3], p.h)
			})
		return gradFn(b.dt, "TemporalCoordGrad", in[i].Shape(), k, in[0], in[1], in[2], dy)
	}
	return b.fn("TemporalCoord", xs.Clone(), kf, grad, nodes(x, a, w))
}

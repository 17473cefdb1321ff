package nn

import (
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/nn/internal/kern"
)

// Ops of GeoTDM's conditional priors.

type mixDims struct{ b, tc, n, d int }

// ConvexFrameMix returns GeoTDM's learnable prior (see kern.ConvexFrameMixFwd): target frames as affine
// combinations of the condition frames xhat [B, Tc*N*D], with weights from w [B*Tc*N, 1] (a node's
// frame weights) and gamma [Tf] -> [B, Tf*N*D].
func (b *Builder) ConvexFrameMix(xhat, w, gamma *G.Node, tc, n, d int) *G.Node {
	if !b.ok(xhat, w, gamma) {
		return nil
	}
	xs := xhat.Shape()
	if len(xs) != 2 || xs[1] != tc*n*d || w.Shape().TotalSize() != xs[0]*tc*n || len(gamma.Shape()) != 1 {
		return b.failf("ConvexFrameMix: xhat %v, w %v, gamma %v for %d frames of %d nodes in %d dimensions", xs, w.Shape(), gamma.Shape(), tc, n, d)
	}
	p := mixDims{xs[0], tc, n, d}
	tf := gamma.Shape()[0]
	kf := kernelOf(p, func(p mixDims, y []float32, in [][]float32) {
		kern.ConvexFrameMixFwd(y, in[0], in[1], in[2], p.b, p.tc, p.n, p.d)
	},
		func(p mixDims, y []float64, in [][]float64) {
			kern.ConvexFrameMixFwd(y, in[0], in[1], in[2], p.b, p.tc, p.n, p.d)
		})
	grad := func(i int, in G.Nodes, _, dy *G.Node) (*G.Node, error) {
		k := kernelOf(p, func(p mixDims, y []float32, v [][]float32) {
			kern.ConvexFrameMixBwd(i, y, v[0], v[1], v[2], v[3], p.b, p.tc, p.n, p.d)
		}, func(p mixDims, y []float64, v [][]float64) {
			kern.ConvexFrameMixBwd(i, y, v[0], v[1], v[2], v[3], p.b, p.tc, p.n, p.d)
		})
		return gradFn(b.dt, "ConvexFrameMixGrad", in[i].Shape(), k, in[0], in[1], in[2], dy)
	}
	return b.fn("ConvexFrameMix", tensor.Shape{xs[0], tf * n * d}, kf, grad, nodes(xhat, w, gamma))
}

// Centroid returns the centre-of-mass prior: the mean of the p points of every example of x [B, p*d],
// repeated q times -> [B, q*d].
func (b *Builder) Centroid(x *G.Node, p, q, d int) *G.Node {
	if !b.ok(x) {
		return nil
	}
	xs := x.Shape()
	if len(xs) != 2 || xs[1] != p*d || q < 1 {
		return b.failf("Centroid: x %v, want [B, %d]", xs, p*d)
	}
	kf := kernel{f32: func(y []float32, in [][]float32) { kern.CentroidFwd(y, in[0], p, q, d) },
		f64: func(y []float64, in [][]float64) { kern.CentroidFwd(y, in[0], p, q, d) }}
	grad := func(_ int, in G.Nodes, _, dy *G.Node) (*G.Node, error) {
		k := kernel{f32: func(y []float32, v [][]float32) { kern.CentroidBwd(y, v[0], p, q, d) },
			f64: func(y []float64, v [][]float64) { kern.CentroidBwd(y, v[0], p, q, d) }}
		return gradFn(b.dt, "CentroidGrad", in[0].Shape(), k, dy)
	}
	return b.fn("Centroid", tensor.Shape{xs[0], q * d}, kf, grad, nodes(x))
}

// SignalMix returns z + (1 - alpha(t_b)) r for z, r [B, M] and the times t [B]: the network input of a
// process that runs on x - r while the trainer and the samplers noise x itself (EGTN's prior). t gets no
// gradient.
func (b *Builder) SignalMix(z, r, t *G.Node, alpha func(float64) float64) *G.Node {
	if !b.ok(z, r, t) {
		return nil
	}
	zs := z.Shape()
	if len(zs) != 2 || !r.Shape().Eq(zs) || t.Shape().TotalSize() != zs[0] {
		return b.failf("SignalMix: z %v, r %v, t %v (want [B, M], [B, M], [B])", zs, r.Shape(), t.Shape())
	}
	m := zs[1]
	kf := kernel{f32: func(y []float32, in [][]float32) { signalMix(y, in[0], in[1], in[2], m, alpha) },
		f64: func(y []float64, in [][]float64) { signalMix(y, in[0], in[1], in[2], m, alpha) }}
	grad := func(i int, in G.Nodes, _, dy *G.Node) (*G.Node, error) {
		if i == 0 {
			return dy, nil
		}
		k := kernel{f32: func(y []float32, v [][]float32) { signalScale(y, v[0], v[1], m, alpha) },
			f64: func(y []float64, v [][]float64) { signalScale(y, v[0], v[1], m, alpha) }}
		return gradFn(b.dt, "SignalMixGrad", in[1].Shape(), k, dy, in[2])
	}
	return b.fn("SignalMix", zs.Clone(), kf, grad, nodes(z, r, t), 2)
}

func signalMix[T Float](y, z, r, t []T, m int, alpha func(float64) float64) {
	for b, tv := range t {
		c := T(1 - alpha(float64(tv)))
		for i := b * m; i < (b+1)*m; i++ {
			y[i] = z[i] + c*r[i]
		}
	}
}

func signalScale[T Float](y, dy, t []T, m int, alpha func(float64) float64) {
	for b, tv := range t {
		c := T(1 - alpha(float64(tv)))
		for i := b * m; i < (b+1)*m; i++ {
			y[i] = c * dy[i]
		}
	}
}

package kern

import "math"

// Frames is the layout of a batch of geometric trajectories inside EGTN: B examples of F frames of N
// nodes, one row per (example, frame, node), r = (b F + f) N + n. The graph of every frame is fully
// connected without self loops; edge row e = r (N-1) + k carries the message from node j to node n of
// row r, j = k for k < n and k+1 otherwise, so the edges into a node are contiguous.
type Frames struct{ B, F, N int }

// Rows is the number of node rows, B F N.
func (g Frames) Rows() int { return g.B * g.F * g.N }

// EdgeRows is the number of edge rows, B F N (N-1).
func (g Frames) EdgeRows() int { return g.Rows() * (g.N - 1) }

// source returns the row of the source node of edge k into row r (node n).
func (g Frames) source(r, k int) int {
	n := r % g.N
	j := k
	if k >= n {
		j++
	}
	return r - n + j
}

// frames runs f over the rows [lo, hi) of chunks of whole frames (every edge of a frame stays inside
// it), in parallel; cost is the work per frame.
func (g Frames) frames(cost int, f func(lo, hi int)) {
	parallel(g.B*g.F, cost, func(lo, hi int) { f(lo*g.N, hi*g.N) })
}

// EdgePairFwd writes y[e] = [h[r] | h[source]] for every edge, h [Rows, C], y [EdgeRows, 2C].
func EdgePairFwd[T Float](g Frames, y, h []T, c int) {
	g.frames(2*g.N*(g.N-1)*c, func(lo, hi int) { edgePairFwd(g, y, h, c, lo, hi) })
}

func edgePairFwd[T Float](g Frames, y, h []T, c, lo, hi int) {
	e := lo * (g.N - 1)
	for r := lo; r < hi; r++ {
		for k := 0; k < g.N-1; k++ {
			s := g.source(r, k)
			copy(y[e*2*c:e*2*c+c], h[r*c:(r+1)*c])
			copy(y[e*2*c+c:(e+1)*2*c], h[s*c:(s+1)*c])
			e++
		}
	}
}

// EdgePairBwd accumulates the gradient of EdgePairFwd: dh[r] += dy[e][:C], dh[source] += dy[e][C:].
func EdgePairBwd[T Float](g Frames, dh, dy []T, c int) {
	clear(dh)
	g.frames(2*g.N*(g.N-1)*c, func(lo, hi int) { edgePairBwd(g, dh, dy, c, lo, hi) })
}

func edgePairBwd[T Float](g Frames, dh, dy []T, c, lo, hi int) {
	e := lo * (g.N - 1)
	for r := lo; r < hi; r++ {
		for k := 0; k < g.N-1; k++ {
			s := g.source(r, k)
			a, b := dh[r*c:(r+1)*c], dh[s*c:(s+1)*c]
			d := dy[e*2*c : (e+1)*2*c]
			for i := range a {
				a[i] += d[i]
				b[i] += d[c+i]
			}
			e++
		}
	}
}

// EdgeDiffFwd writes y[e] = x[r] - x[source], x [Rows, D], y [EdgeRows, D].
func EdgeDiffFwd[T Float](g Frames, y, x []T, d int) {
	g.frames(g.N*(g.N-1)*d, func(lo, hi int) { edgeDiffFwd(g, y, x, d, lo, hi) })
}

func edgeDiffFwd[T Float](g Frames, y, x []T, d, lo, hi int) {
	e := lo * (g.N - 1)
	for r := lo; r < hi; r++ {
		for k := 0; k < g.N-1; k++ {
			s := g.source(r, k)
			for i := 0; i < d; i++ {
				y[e*d+i] = x[r*d+i] - x[s*d+i]
			}
			e++
		}
	}
}

// EdgeDiffBwd is the adjoint of EdgeDiffFwd: dx[r] += dy[e], dx[source] -= dy[e].
func EdgeDiffBwd[T Float](g Frames, dx, dy []T, d int) {
	clear(dx)
	g.frames(2*g.N*(g.N-1)*d, func(lo, hi int) { edgeDiffBwd(g, dx, dy, d, lo, hi) })
}

func edgeDiffBwd[T Float](g Frames, dx, dy []T, d, lo, hi int) {
	e := lo * (g.N - 1)
	for r := lo; r < hi; r++ {
		for k := 0; k < g.N-1; k++ {
			s := g.source(r, k)
			for i := 0; i < d; i++ {
				dx[r*d+i] += dy[e*d+i]
				dx[s*d+i] -= dy[e*d+i]
			}
			e++
		}
	}
}

// SegmentSumFwd writes y[r] = sum of the S consecutive rows x[r S .. r S + S - 1], x [R S, C], y [R, C].
func SegmentSumFwd[T Float](y, x []T, s, c int) {
	parallel(len(y)/c, s*c, func(lo, hi int) { segmentSumFwd(y, x, s, c, lo, hi) })
}

func segmentSumFwd[T Float](y, x []T, s, c, lo, hi int) {
	for r := lo; r < hi; r++ {
		a := y[r*c : (r+1)*c]
		copy(a, x[r*s*c:r*s*c+c])
		for k := 1; k < s; k++ {
			Axpy(a, x[(r*s+k)*c:(r*s+k+1)*c], 1)
		}
	}
}

// SegmentSumBwd repeats dy[r] over its S rows.
func SegmentSumBwd[T Float](dx, dy []T, s, c int) {
	parallel(len(dy)/c, s*c, func(lo, hi int) { segmentSumBwd(dx, dy, s, c, lo, hi) })
}

func segmentSumBwd[T Float](dx, dy []T, s, c, lo, hi int) {
	for r := lo; r < hi; r++ {
		for k := 0; k < s; k++ {
			copy(dx[(r*s+k)*c:(r*s+k+1)*c], dy[r*c:(r+1)*c])
		}
	}
}

// Axpy is y += a x.
func Axpy[T Float](y, x []T, a T) {
	x = x[:len(y)]
	for i := range y {
		y[i] += a * x[i]
	}
}

// RowSqNormFwd writes y[m] = |x[m]|^2 for rows of D values.
func RowSqNormFwd[T Float](y, x []T, d int) {
	for m := range y {
		var s T
		for _, v := range x[m*d : (m+1)*d] {
			s += v * v
		}
		y[m] = s
	}
}

// RowSqNormBwd writes dx = 2 x dy.
func RowSqNormBwd[T Float](dx, x, dy []T, d int) {
	for m, g := range dy {
		for i := m * d; i < (m+1)*d; i++ {
			dx[i] = 2 * x[i] * g
		}
	}
}

// CoordEps keeps the EGNN coordinate normalisation differentiable at coincident nodes (GeoTDM's 1e-8).
const CoordEps = 1e-8

// EdgeCoordMeanFwd writes the EGNN coordinate update of every node row (Satorras et al. 2021, with
// GeoTDM's normalisation): y[r] = (1/S) sum_k dx[e] phi[e] / (sqrt(|dx[e]|^2 + eps) + 1), e = r S + k,
// dx [R S, D], phi [R S], y [R, D].
func EdgeCoordMeanFwd[T Float](y, dx, phi []T, s, d int) {
	inv := 1 / T(s)
	for r := 0; r < len(y)/d; r++ {
		a := y[r*d : (r+1)*d]
		clear(a)
		for k := 0; k < s; k++ {
			e := r*s + k
			v := dx[e*d : (e+1)*d]
			c := phi[e] * inv / (coordNorm(v) + 1)
			Axpy(a, v, c)
		}
	}
}

func coordNorm[T Float](v []T) T {
	var q T
	for _, x := range v {
		q += x * x
	}
	return T(math.Sqrt(float64(q) + CoordEps))
}

// EdgeCoordMeanBwdPhi writes dphi[e] = (1/S) (dy[r] . dx[e]) / (n_e + 1), n_e = sqrt(|dx[e]|^2 + eps).
func EdgeCoordMeanBwdPhi[T Float](dphi, dx, dy []T, s, d int) {
	inv := 1 / T(s)
	for e := range dphi {
		r := e / s
		v, g := dx[e*d:(e+1)*d], dy[r*d:(r+1)*d]
		var dot T
		for i := range v {
			dot += v[i] * g[i]
		}
		dphi[e] = dot * inv / (coordNorm(v) + 1)
	}
}

// EdgeCoordMeanBwdDx writes the gradient with respect to dx: with c = phi/(S (n+1)),
// d dx = c dy - phi (dy . dx) dx / (S (n+1)^2 n).
func EdgeCoordMeanBwdDx[T Float](ddx, dx, phi, dy []T, s, d int) {
	inv := 1 / T(s)
	for e := range phi {
		r := e / s
		v, g, o := dx[e*d:(e+1)*d], dy[r*d:(r+1)*d], ddx[e*d:(e+1)*d]
		n := coordNorm(v)
		var dot T
		for i := range v {
			dot += v[i] * g[i]
		}
		c := phi[e] * inv / (n + 1)
		c2 := phi[e] * inv * dot / ((n + 1) * (n + 1) * n)
		for i := range v {
			o[i] = c*g[i] - c2*v[i]
		}
	}
}

// TileFwd repeats each example's row x[b] [K] F times: y [B, F, K].
func TileFwd[T Float](y, x []T, f, k int) {
	for b := 0; b < len(x)/k; b++ {
		for i := 0; i < f; i++ {
			copy(y[(b*f+i)*k:(b*f+i+1)*k], x[b*k:(b+1)*k])
		}
	}
}

// TileBwd sums the F copies: dx[b] = sum_i dy[b, i].
func TileBwd[T Float](dx, dy []T, f, k int) {
	for b := 0; b < len(dx)/k; b++ {
		a := dx[b*k : (b+1)*k]
		copy(a, dy[b*f*k:b*f*k+k])
		for i := 1; i < f; i++ {
			Axpy(a, dy[(b*f+i)*k:(b*f+i+1)*k], 1)
		}
	}
}

// RowMeanFwd writes y[m] = mean of row x[m] of C values.
func RowMeanFwd[T Float](y, x []T, c int) {
	for m := range y {
		var s T
		for _, v := range x[m*c : (m+1)*c] {
			s += v
		}
		y[m] = s / T(c)
	}
}

// RowMeanBwd spreads dy[m]/C over the row.
func RowMeanBwd[T Float](dx, dy []T, c int) {
	for m, g := range dy {
		v := g / T(c)
		for i := m * c; i < (m+1)*c; i++ {
			dx[i] = v
		}
	}
}

// CenterFwd subtracts from every point of an example the mean of its P points of D values: x and y
// [B, P, D]. The map is an orthogonal projection, so it is its own adjoint (CenterFwd is also the backward).
func CenterFwd[T Float](y, x []T, p, d int) {
	for b := 0; b < len(x)/(p*d); b++ {
		xs, ys := x[b*p*d:(b+1)*p*d], y[b*p*d:(b+1)*p*d]
		for i := 0; i < d; i++ {
			var m T
			for j := 0; j < p; j++ {
				m += xs[j*d+i]
			}
			m /= T(p)
			for j := 0; j < p; j++ {
				ys[j*d+i] = xs[j*d+i] - m
			}
		}
	}
}

// PadColsFwd writes y [N, C] = 0 except columns [off, off+W) = x [N, W] (the adjoint of SliceCols).
func PadColsFwd[T Float](y, x []T, n, c, off, w int) {
	clear(y)
	for r := 0; r < n; r++ {
		copy(y[r*c+off:r*c+off+w], x[r*w:(r+1)*w])
	}
}

// ConvexFrameMixFwd is GeoTDM's learnable prior: per example and node, the target frames are affine
// combinations of the condition frames xhat [B, Tc, N, D] with weights W[c, s] = w[c] gamma[s] for c < Tc-1
// and W[Tc-1, s] = 1 - sum of the others (so every column sums to one and the map commutes with
// translations): y[s] = last + gamma[s] sum_{c<Tc-1} w[c] (xhat[c] - last), y [B, Tf, N, D], w [B, Tc, N].
func ConvexFrameMixFwd[T Float](y, xh, w, gamma []T, b, tc, n, d int) {
	tf := len(gamma)
	u := make([]T, d)
	for e := 0; e < b; e++ {
		for j := 0; j < n; j++ {
			last := xh[((e*tc+tc-1)*n+j)*d : ((e*tc+tc-1)*n+j+1)*d]
			clear(u)
			for c := 0; c < tc-1; c++ {
				wc, xc := w[(e*tc+c)*n+j], xh[((e*tc+c)*n+j)*d:((e*tc+c)*n+j+1)*d]
				for i := range u {
					u[i] += wc * (xc[i] - last[i])
				}
			}
			for s := 0; s < tf; s++ {
				ys := y[((e*tf+s)*n+j)*d : ((e*tf+s)*n+j+1)*d]
				for i := range ys {
					ys[i] = last[i] + gamma[s]*u[i]
				}
			}
		}
	}
}

// ConvexFrameMixBwd writes the gradient of ConvexFrameMixFwd with respect to xhat (which = 0), w (1) or
// gamma (2).
func ConvexFrameMixBwd[T Float](which int, dst, xh, w, gamma, dy []T, b, tc, n, d int) {
	tf := len(gamma)
	clear(dst)
	G, S, u := make([]T, d), make([]T, d), make([]T, d)
	for e := 0; e < b; e++ {
		for j := 0; j < n; j++ {
			li := ((e*tc+tc-1)*n + j) * d
			last := xh[li : li+d]
			clear(G)
			clear(S)
			clear(u)
			for s := 0; s < tf; s++ {
				gs := dy[((e*tf+s)*n+j)*d : ((e*tf+s)*n+j+1)*d]
				Axpy(G, gs, gamma[s])
				Axpy(S, gs, 1)
			}
			var wsum T
			for c := 0; c < tc-1; c++ {
				ci := ((e*tc+c)*n + j) * d
				wc, xc := w[(e*tc+c)*n+j], xh[ci:ci+d]
				wsum += wc
				switch which {
				case 0:
					Axpy(dst[ci:ci+d], G, wc)
				case 1:
					var dot T
					for i := range G {
						dot += G[i] * (xc[i] - last[i])
					}
					dst[(e*tc+c)*n+j] = dot
				case 2:
					for i := range u {
						u[i] += wc * (xc[i] - last[i])
					}
				}
			}
			switch which {
			case 0:
				for i := range S {
					dst[li+i] += S[i] - wsum*G[i]
				}
			case 2:
				for s := 0; s < tf; s++ {
					gs := dy[((e*tf+s)*n+j)*d : ((e*tf+s)*n+j+1)*d]
					var dot T
					for i := range u {
						dot += gs[i] * u[i]
					}
					dst[s] += dot
				}
			}
		}
	}
}

// CentroidFwd writes, for every example, the mean of its P points xc [B, P, D] into all Q points of
// y [B, Q, D] (the centre-of-mass prior: the condition frames' centroid for every node and target frame).
func CentroidFwd[T Float](y, x []T, p, q, d int) {
	for b := 0; b < len(x)/(p*d); b++ {
		m := y[b*q*d : b*q*d+d]
		clear(m)
		for j := 0; j < p; j++ {
			Axpy(m, x[(b*p+j)*d:(b*p+j+1)*d], 1)
		}
		for i := range m {
			m[i] /= T(p)
		}
		for j := 1; j < q; j++ {
			copy(y[(b*q+j)*d:(b*q+j+1)*d], m)
		}
	}
}

// CentroidBwd spreads the summed output gradient of each example equally over its P input points.
func CentroidBwd[T Float](dx, dy []T, p, q, d int) {
	for b := 0; b < len(dx)/(p*d); b++ {
		m := dx[b*p*d : b*p*d+d]
		clear(m)
		for j := 0; j < q; j++ {
			Axpy(m, dy[(b*q+j)*d:(b*q+j+1)*d], 1)
		}
		for i := range m {
			m[i] /= T(p)
		}
		for j := 1; j < p; j++ {
			copy(dx[(b*p+j)*d:(b*p+j+1)*d], m)
		}
	}
}

// EdgeCombineFwd writes y[e] = a[r] + b[source] + c[e] for every edge e = r (N-1) + k: the first Linear
// of the edge MLP applied to [h_i, h_j, ...] computed as node-level projections a = W_i h, b = W_j h
// (N-1 times fewer products than on edge rows) plus the edge-level part c.
func EdgeCombineFwd[T Float](g Frames, y, a, b, c []T, h int) {
	e := 0
	for r := 0; r < g.Rows(); r++ {
		ar := a[r*h : (r+1)*h]
		for k := 0; k < g.N-1; k++ {
			s := g.source(r, k)
			ye, bs, ce := y[e*h:(e+1)*h], b[s*h:(s+1)*h], c[e*h:(e+1)*h]
			for i := range ye {
				ye[i] = ar[i] + bs[i] + ce[i]
			}
			e++
		}
	}
}

// EdgeSourceSum writes db[s] = sum of dy[e] over the edges whose source is node row s.
func EdgeSourceSum[T Float](g Frames, db, dy []T, h int) {
	clear(db)
	e := 0
	for r := 0; r < g.Rows(); r++ {
		for k := 0; k < g.N-1; k++ {
			s := g.source(r, k)
			Axpy(db[s*h:(s+1)*h], dy[e*h:(e+1)*h], 1)
			e++
		}
	}
}

// SoftmaxRowsGrad writes the logit gradient of row-wise softmaxes: dl = A (dA - sum_s dA A), rows of f.
func SoftmaxRowsGrad[T Float](dl, a, da []T, f int) {
	for r := 0; r < len(a)/f; r++ {
		softmaxGrad(dl[r*f:(r+1)*f], a[r*f:(r+1)*f], da[r*f:(r+1)*f])
	}
}

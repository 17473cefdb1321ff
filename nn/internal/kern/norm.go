package kern

import "math"

// GroupNormFwd is group normalisation (Wu & He 2018) of x [B, S, C] followed by an activation:
//
//	xhat = (x - mean_bg) / sqrt(var_bg + eps),  y = act(gamma_c xhat + beta_c),
//
// with mean and (biased) variance over the S positions and the C/G channels of group g, as in PyTorch's
// GroupNorm. It stores xhat and rstd_bg = 1/sqrt(var_bg + eps) [B*G] for the backward pass. Each example
// takes passes over contiguous memory: channel sums, centred squares, xhat and the affine map (one FMA per
// element with per-channel coefficients), then the activation.
func GroupNormFwd[T Float](y, xhat, rstd, x, gamma, beta []T, B, S, C, G int, eps float64, act Act) {
	cg := C / G
	n := float64(S * cg)
	parallel(B, S*C*8, func(lo, hi int) {
		w := newWork[T](C, 4)
		sum, sq, r, q := w.v(0), w.v(1), w.v(2), w.v(3)
		for b := lo; b < hi; b++ {
			o := b * S * C
			xb, hb, yb := x[o:o+S*C], xhat[o:o+S*C], y[o:o+S*C]
			clear(sum)
			SumRows(sum, xb, S, C)
			for g := 0; g < G; g++ {
				m := T(groupSum(sum, g, cg) / n)
				for c := g * cg; c < (g+1)*cg; c++ {
					q[c] = m // the mean, per channel
				}
			}
			clear(sq)
			SqdevRows(sq, xb, q, S, C)
			for g := 0; g < G; g++ {
				v := groupSum(sq, g, cg) / n
				rs := 1 / math.Sqrt(v+eps)
				rstd[b*G+g] = T(rs)
				for c := g * cg; c < (g+1)*cg; c++ {
					r[c] = T(rs)
					q[c] = -q[c] * T(rs)
				}
			}
			AxpbRows(hb, xb, r, q, S, C)
			AxpbRows(yb, hb, gamma, beta, S, C)
			actInPlace(act, yb)
		}
	})
}

// work holds a few per-goroutine vectors of C values.
type work[T Float] struct {
	buf []T
	c   int
}

func newWork[T Float](C, k int) work[T] { return work[T]{buf: make([]T, k*C), c: C} }
func (w work[T]) v(i int) []T           { return w.buf[i*w.c : (i+1)*w.c] }

// groupSum is the float64 sum of the cg channel values of group g.
func groupSum[T Float](v []T, g, cg int) float64 {
	var s float64
	for _, x := range v[g*cg : (g+1)*cg] {
		s += float64(x)
	}
	return s
}

// actInPlace applies the activation to y in place on the calling goroutine.
func actInPlace[T Float](a Act, y []T) {
	if a == Identity {
		return
	}
	for i := actVec(a, y, y, nil); i < len(y); i++ {
		y[i] = actFwd1(a, y[i])
	}
}

// actGradInPlace replaces z by dy act'(z) on the calling goroutine.
func actGradInPlace[T Float](a Act, z, dy []T) {
	for i := actVec(a, z, z, dy); i < len(z); i++ {
		z[i] = dy[i] * actDeriv1(a, z[i])
	}
}

// GroupNormBwd is the adjoint of GroupNormFwd. With dz = dy act'(z), dxhat = gamma dz and n = S C/G,
//
//	dx = rstd (dxhat - mean_g(dxhat) - xhat mean_g(dxhat xhat)),
//
// and the per-example parameter gradients dgamma_bc = sum_s dz xhat, dbeta_bc = sum_s dz are written to
// dgammaPart, dbetaPart [B*C] (ReduceRows sums them over the batch). The group means follow from those
// per-channel sums, mean_g(dxhat) = sum_{c in g} gamma_c dbeta_bc / n and mean_g(dxhat xhat) =
// sum_{c in g} gamma_c dgamma_bc / n, so dx is one more pass, an FMA per element with per-channel
// coefficients.
func GroupNormBwd[T Float](dx, dgammaPart, dbetaPart, dy, xhat, rstd, gamma, beta []T, B, S, C, G int, act Act) {
	cg := C / G
	n := float64(S * cg)
	parallel(B, S*C*12, func(lo, hi int) {
		w := newWork[T](C, 3)
		ca, cb, cc := w.v(0), w.v(1), w.v(2)
		for b := lo; b < hi; b++ {
			o := b * S * C
			dyb, hb, dxb := dy[o:o+S*C], xhat[o:o+S*C], dx[o:o+S*C]
			dgp, dbp := dgammaPart[b*C:(b+1)*C], dbetaPart[b*C:(b+1)*C]
			dz := dyb
			if act != Identity { // dz = dy act'(gamma xhat + beta), staged in dx
				AxpbRows(dxb, hb, gamma, beta, S, C)
				actGradInPlace(act, dxb, dyb)
				dz = dxb
			}
			clear(dgp)
			clear(dbp)
			SumRows(dbp, dz, S, C)
			DotRows(dgp, dz, hb, S, C)
			for g := 0; g < G; g++ {
				var m1, m2 float64
				for c := g * cg; c < (g+1)*cg; c++ {
					m1 += float64(gamma[c]) * float64(dbp[c])
					m2 += float64(gamma[c]) * float64(dgp[c])
				}
				rs := rstd[b*G+g]
				for c := g * cg; c < (g+1)*cg; c++ {
					ca[c] = rs * gamma[c]
					cb[c] = -rs * T(m2/n)
					cc[c] = -rs * T(m1/n)
				}
			}
			Fma3Rows(dxb, dz, hb, ca, cb, cc, S, C)
		}
	})
}

// ReduceRows writes dst[c] = sum_r part[r*C + c] for r < R.
func ReduceRows[T Float](dst, part []T, R, C int) {
	parallel(C, R, func(lo, hi int) {
		d := dst[lo:hi]
		copy(d, part[lo:hi])
		for r := 1; r < R; r++ {
			p := part[r*C+lo : r*C+hi]
			for i := range d {
				d[i] += p[i]
			}
		}
	})
}

// LayerNormFwd normalises each row of x [N, C] (Ba et al. 2016): xhat = (x - mean)/sqrt(var + eps) and
// y = gamma xhat + beta when gamma is not nil (beta may be nil), else y = xhat. It stores xhat and rstd [N].
func LayerNormFwd[T Float](y, xhat, rstd, x, gamma, beta []T, N, C int, eps float64) {
	parallel(N, C*6, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			row := x[r*C : (r+1)*C]
			var s, s2 float64
			for _, v := range row {
				f := float64(v)
				s += f
				s2 += f * f
			}
			m := s / float64(C)
			v := s2/float64(C) - m*m
			if v < 0 {
				v = 0
			}
			q := 1 / math.Sqrt(v+eps)
			rstd[r] = T(q)
			mt, qt := T(m), T(q)
			yr, hr := y[r*C:(r+1)*C], xhat[r*C:(r+1)*C]
			for c, v := range row {
				h := (v - mt) * qt
				hr[c] = h
				if gamma != nil {
					h *= gamma[c]
					if beta != nil {
						h += beta[c]
					}
				}
				yr[c] = h
			}
		}
	})
}

// LayerNormBwd writes dx for LayerNormFwd: dxhat = dy gamma (or dy), dx = rstd (dxhat - mean(dxhat) -
// xhat mean(dxhat xhat)). Parameter gradients are ColDot(dgamma, dy, xhat) and ColSum(dbeta, dy).
func LayerNormBwd[T Float](dx, dy, xhat, rstd, gamma []T, N, C int) {
	parallel(N, C*8, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			dyr, hr, dxr := dy[r*C:(r+1)*C], xhat[r*C:(r+1)*C], dx[r*C:(r+1)*C]
			var a, a2 float64
			for c := range dyr {
				d := dyr[c]
				if gamma != nil {
					d *= gamma[c]
				}
				dxr[c] = d
				a += float64(d)
				a2 += float64(d * hr[c])
			}
			m1, m2, q := T(a/float64(C)), T(a2/float64(C)), rstd[r]
			for c := range dxr {
				dxr[c] = q * (dxr[c] - m1 - hr[c]*m2)
			}
		}
	})
}

// ColSum writes dst[c] = sum_n a[n*C + c] (bias gradients).
func ColSum[T Float](dst, a []T, N, C int) {
	clear(dst[:C])
	SumRows(dst, a, N, C)
}

// ColDot writes dst[c] = sum_n a[n*C + c] b[n*C + c].
func ColDot[T Float](dst, a, b []T, N, C int) {
	clear(dst[:C])
	DotRows(dst, a, b, N, C)
}

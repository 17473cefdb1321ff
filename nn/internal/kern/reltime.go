package kern

import "math"

// The temporal layer of EGTN attends, for every node of every example, over the F frames of that node:
// group g = b N + n holds rows (b F + f) N + n. Attention matrices A are [B N, F, F] with A[g, t, s] the
// weight of frame s in the update of frame t, and psi [F, F, H] is the embedding of the frame offset.

func (g Frames) row(grp, f int) int { return (grp/g.N*g.F+f)*g.N + grp%g.N }

// RelAttnWeightsFwd writes A[g, t, :] = softmax_s(q_t . (k_s + psi[t, s])) (GeoTDM: one head, no
// 1/sqrt(H) scaling), q and k [Rows, H].
func RelAttnWeightsFwd[T Float](g Frames, a, q, k, psi []T, h int) {
	F := g.F
	parallel(g.B*g.N, 2*F*F*h, func(lo, hi int) { relAttnWeightsFwd(g, a, q, k, psi, h, lo, hi) })
}

func relAttnWeightsFwd[T Float](g Frames, a, q, k, psi []T, h, lo, hi int) {
	F := g.F
	for grp := lo; grp < hi; grp++ {
		for t := 0; t < F; t++ {
			qt := q[g.row(grp, t)*h : g.row(grp, t)*h+h]
			l := a[(grp*F+t)*F : (grp*F+t+1)*F]
			mx := T(math.Inf(-1))
			for s := 0; s < F; s++ {
				ks, ps := k[g.row(grp, s)*h:g.row(grp, s)*h+h], psi[(t*F+s)*h:(t*F+s+1)*h]
				var dot T
				for i, v := range qt {
					dot += v * (ks[i] + ps[i])
				}
				l[s] = dot
				mx = max(mx, dot)
			}
			var z T
			for s := range l {
				l[s] = T(math.Exp(float64(l[s] - mx)))
				z += l[s]
			}
			for s := range l {
				l[s] /= z
			}
		}
	}
}

// softmaxGrad writes the logit gradient dl = A (dA - sum_s dA A) of one attention row.
func softmaxGrad[T Float](dl, a, da []T) {
	var dot T
	for s := range a {
		dot += a[s] * da[s]
	}
	for s := range a {
		dl[s] = a[s] * (da[s] - dot)
	}
}

// psi (2) into dst, from A, its gradient dA and the inputs. The work is split over groups for q and k
// and over frames t for psi, so every sum runs in the same order whatever the number of workers.
func RelAttnWeightsBwd[T Float](g Frames, which int, dst, a, da, q, k, psi []T, h int) {
	F, G := g.F, g.B*g.N
	clear(dst)
	body := func(dl []T, grp, t int) {
		o := (grp*F + t) * F
		softmaxGrad(dl, a[o:o+F], da[o:o+F])
		rt := g.row(grp, t)
		for s := 0; s < F; s++ {
			rs := g.row(grp, s)
			switch which {
			case 0: // dq_t += dl (k_s + psi_ts)
				Axpy(dst[rt*h:rt*h+h], k[rs*h:rs*h+h], dl[s])
				Axpy(dst[rt*h:rt*h+h], psi[(t*F+s)*h:(t*F+s+1)*h], dl[s])
			case 1: // dk_s += dl q_t
				Axpy(dst[rs*h:rs*h+h], q[rt*h:rt*h+h], dl[s])
			case 2: // dpsi_ts += dl q_t
				Axpy(dst[(t*F+s)*h:(t*F+s+1)*h], q[rt*h:rt*h+h], dl[s])
			}
		}
	}
	if which == 2 {
		parallel(F, 2*G*F*h, func(lo, hi int) {
			dl := make([]T, F)
			for t := lo; t < hi; t++ {
				for grp := 0; grp < G; grp++ {
					body(dl, grp, t)
				}
			}
		})
		return
	}
	parallel(G, 4*F*F*h, func(lo, hi int) {
		dl := make([]T, F)
		for grp := lo; grp < hi; grp++ {
			for t := 0; t < F; t++ {
				body(dl, grp, t)
			}
		}
	})
}

// RelAttnApplyFwd writes y_t = sum_s A_ts (v_s + psi_ts), v and y [Rows, H].
func RelAttnApplyFwd[T Float](g Frames, y, a, v, psi []T, h int) {
	parallel(g.B*g.N, 4*g.F*g.F*h, func(lo, hi int) { relAttnApplyFwd(g, y, a, v, psi, h, lo, hi) })
}

func relAttnApplyFwd[T Float](g Frames, y, a, v, psi []T, h, lo, hi int) {
	F := g.F
	for grp := lo; grp < hi; grp++ {
		for t := 0; t < F; t++ {
			rt := g.row(grp, t)
			yt := y[rt*h : rt*h+h]
			clear(yt)
			for s := 0; s < F; s++ {
				w := a[(grp*F+t)*F+s]
				rs := g.row(grp, s)
				Axpy(yt, v[rs*h:rs*h+h], w)
				Axpy(yt, psi[(t*F+s)*h:(t*F+s+1)*h], w)
			}
		}
	}
}

// The work is split over groups for A and v and over frames t for psi (a fixed summation order).
func RelAttnApplyBwd[T Float](g Frames, which int, dst, a, v, psi, dy []T, h int) {
	F, G := g.F, g.B*g.N
	if which != 0 {
		clear(dst)
	}
	body := func(grp, t int) {
		rt := g.row(grp, t)
		gt := dy[rt*h : rt*h+h]
		for s := 0; s < F; s++ {
			i := (grp*F+t)*F + s
			rs := g.row(grp, s)
			ps := psi[(t*F+s)*h : (t*F+s+1)*h]
			switch which {
			case 0:
				var dot T
				vs := v[rs*h : rs*h+h]
				for j, x := range gt {
					dot += x * (vs[j] + ps[j])
				}
				dst[i] = dot
			case 1:
				Axpy(dst[rs*h:rs*h+h], gt, a[i])
			case 2:
				Axpy(dst[(t*F+s)*h:(t*F+s+1)*h], gt, a[i])
			}
		}
	}
	if which == 2 {
		parallel(F, 2*G*F*h, func(lo, hi int) {
			for t := lo; t < hi; t++ {
				for grp := 0; grp < G; grp++ {
					body(grp, t)
				}
			}
		})
		return
	}
	parallel(G, 2*F*F*h, func(lo, hi int) {
		for grp := lo; grp < hi; grp++ {
			for t := 0; t < F; t++ {
				body(grp, t)
			}
		}
	})
}

// TemporalCoordFwd writes the temporal coordinate update y_t = sum_s A_ts w_s (x_t - x_s), x and y
// [Rows, D], w [Rows].
func TemporalCoordFwd[T Float](g Frames, y, x, a, w []T, d int) {
	parallel(g.B*g.N, 3*g.F*g.F*d, func(lo, hi int) { temporalCoordFwd(g, y, x, a, w, d, lo, hi) })
}

func temporalCoordFwd[T Float](g Frames, y, x, a, w []T, d, lo, hi int) {
	F := g.F
	for grp := lo; grp < hi; grp++ {
		for t := 0; t < F; t++ {
			rt := g.row(grp, t)
			yt, xt := y[rt*d:rt*d+d], x[rt*d:rt*d+d]
			clear(yt)
			for s := 0; s < F; s++ {
				rs := g.row(grp, s)
				c := a[(grp*F+t)*F+s] * w[rs]
				xs := x[rs*d : rs*d+d]
				for i := range yt {
					yt[i] += c * (xt[i] - xs[i])
				}
			}
		}
	}
}

// TemporalCoordBwd writes the gradient of TemporalCoordFwd with respect to x (which = 0), A (1) or w (2).
func TemporalCoordBwd[T Float](g Frames, which int, dst, x, a, w, dy []T, d int) {
	if which != 1 {
		clear(dst)
	}
	// Every write stays inside the group's rows (or its attention block): split over groups.
	parallel(g.B*g.N, 3*g.F*g.F*d, func(lo, hi int) { temporalCoordBwd(g, which, dst, x, a, w, dy, d, lo, hi) })
}

func temporalCoordBwd[T Float](g Frames, which int, dst, x, a, w, dy []T, d, lo, hi int) {
	F := g.F
	for grp := lo; grp < hi; grp++ {
		for t := 0; t < F; t++ {
			rt := g.row(grp, t)
			gt, xt := dy[rt*d:rt*d+d], x[rt*d:rt*d+d]
			for s := 0; s < F; s++ {
				rs := g.row(grp, s)
				i := (grp*F+t)*F + s
				xs := x[rs*d : rs*d+d]
				switch which {
				case 0:
					c := a[i] * w[rs]
					for j := range gt {
						dst[rt*d+j] += c * gt[j]
						dst[rs*d+j] -= c * gt[j]
					}
				case 1, 2:
					var dot T
					for j := range gt {
						dot += gt[j] * (xt[j] - xs[j])
					}
					if which == 1 {
						dst[i] = w[rs] * dot
					} else {
						dst[rs] += a[i] * dot
					}
				}
			}
		}
	}
}

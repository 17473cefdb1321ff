package kern

import (
	"math"

	"github.com/trajdiff/trajdiff/nn/internal/gemm"
)

// The temporal layer of EGTN attends, for every node of every example, over the F frames of that node:
// group g = b N + n holds rows (b F + f) N + n. Attention matrices A are [B N, F, F] with A[g, t, s] the
// weight of frame s in the update of frame t, and psi [F, F, H] is the embedding of the frame offset.

func (g Frames) row(grp, f int) int { return (grp/g.N*g.F+f)*g.N + grp%g.N }

// The attention products are GEMMs: per group over frames (rows of a group are N H apart), and per
// frame t over all groups for the offset embedding psi_t [F, H], with the group rows of frame t packed.

// RelWork is the length of the work buffer the attention kernels take: one frame of every group's
// rows and of every group's attention matrix, packed.
func (g Frames) RelWork(h int) int { return g.B * g.N * (h + g.F) }

// groupOff is the offset of group grp's first row in a [Rows, h] buffer; its frames are N h apart.
func (g Frames) groupOff(grp, h int) int { return (grp/g.N*g.F*g.N + grp%g.N) * h }

// packFrame copies row t of every group of src [Rows, h] into dst [B N, h].
func packFrame[T Float](g Frames, dst, src []T, t, h int) {
	for grp := 0; grp < g.B*g.N; grp++ {
		r := g.row(grp, t)
		copy(dst[grp*h:(grp+1)*h], src[r*h:(r+1)*h])
	}
}

// addFrame adds row grp of src [B N, h] into row t of every group of dst [Rows, h].
func addFrame[T Float](g Frames, dst, src []T, t, h int) {
	for grp := 0; grp < g.B*g.N; grp++ {
		r := g.row(grp, t)
		Axpy(dst[r*h:(r+1)*h], src[grp*h:(grp+1)*h], 1)
	}
}

// packAttn copies row t of every group's F x F matrix a into dst [B N, F].
func packAttn[T Float](g Frames, dst, a []T, t int) {
	F := g.F
	for grp := 0; grp < g.B*g.N; grp++ {
		copy(dst[grp*F:(grp+1)*F], a[(grp*F+t)*F:(grp*F+t+1)*F])
	}
}

// RelAttnWeightsFwd writes A[g, t, :] = softmax_s(q_t . (k_s + psi[t, s])) (GeoTDM: one head, no
// 1/sqrt(H) scaling), q and k [Rows, H].
func RelAttnWeightsFwd[T Float](g Frames, a, q, k, psi, work []T, h int) {
	F, G, ld := g.F, g.B*g.N, g.N*h
	for grp := 0; grp < G; grp++ {
		o := g.groupOff(grp, h)
		gemm.GemmSerial(false, true, F, F, h, 1, q[o:], ld, k[o:], ld, 0, a[grp*F*F:], F)
	}
	qt, p := work[:G*h], work[G*h:G*(h+F)]
	for t := 0; t < F; t++ {
		packFrame(g, qt, q, t, h)
		gemm.GemmSerial(false, true, G, F, h, 1, qt, h, psi[t*F*h:], h, 0, p, F)
		for grp := 0; grp < G; grp++ {
			Axpy(a[(grp*F+t)*F:(grp*F+t+1)*F], p[grp*F:(grp+1)*F], 1)
		}
	}
	for r := 0; r < G*F; r++ {
		l := a[r*F : (r+1)*F]
		mx := T(math.Inf(-1))
		for _, v := range l {
			mx = max(mx, v)
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

// RelAttnWeightsBwd writes the gradients of RelAttnWeightsFwd with respect to q (which = 0), k (1) or
// psi (2) into dst, from the logit gradient dl (SoftmaxRowsGrad of A and dA) and the inputs.
func RelAttnWeightsBwd[T Float](g Frames, which int, dst, dl, q, k, psi, work []T, h int) {
	F, G, ld := g.F, g.B*g.N, g.N*h
	switch which {
	case 0: // dq_t = sum_s dl_ts (k_s + psi_ts)
		for grp := 0; grp < G; grp++ {
			o := g.groupOff(grp, h)
			gemm.GemmSerial(false, false, F, h, F, 1, dl[grp*F*F:], F, k[o:], ld, 0, dst[o:], ld)
		}
		r, lt := work[:G*h], work[G*h:G*(h+F)]
		for t := 0; t < F; t++ {
			packAttn(g, lt, dl, t)
			gemm.GemmSerial(false, false, G, h, F, 1, lt, F, psi[t*F*h:], h, 0, r, h)
			addFrame(g, dst, r, t, h)
		}
	case 1: // dk_s = sum_t dl_ts q_t
		for grp := 0; grp < G; grp++ {
			o := g.groupOff(grp, h)
			gemm.GemmSerial(true, false, F, h, F, 1, dl[grp*F*F:], F, q[o:], ld, 0, dst[o:], ld)
		}
	case 2: // dpsi_ts = sum_groups dl_ts q_t
		qt, lt := work[:G*h], work[G*h:G*(h+F)]
		for t := 0; t < F; t++ {
			packAttn(g, lt, dl, t)
			packFrame(g, qt, q, t, h)
			gemm.GemmSerial(true, false, F, h, G, 1, lt, F, qt, h, 0, dst[t*F*h:], h)
		}
	}
}

// RelAttnApplyFwd writes y_t = sum_s A_ts (v_s + psi_ts), v and y [Rows, H].
func RelAttnApplyFwd[T Float](g Frames, y, a, v, psi, work []T, h int) {
	F, G, ld := g.F, g.B*g.N, g.N*h
	for grp := 0; grp < G; grp++ {
		o := g.groupOff(grp, h)
		gemm.GemmSerial(false, false, F, h, F, 1, a[grp*F*F:], F, v[o:], ld, 0, y[o:], ld)
	}
	r, at := work[:G*h], work[G*h:G*(h+F)]
	for t := 0; t < F; t++ {
		packAttn(g, at, a, t)
		gemm.GemmSerial(false, false, G, h, F, 1, at, F, psi[t*F*h:], h, 0, r, h)
		addFrame(g, y, r, t, h)
	}
}

// RelAttnApplyBwd writes the gradient of RelAttnApplyFwd with respect to A (which = 0), v (1) or psi (2).
func RelAttnApplyBwd[T Float](g Frames, which int, dst, a, v, psi, dy, work []T, h int) {
	F, G, ld := g.F, g.B*g.N, g.N*h
	switch which {
	case 0: // dA_ts = dy_t . (v_s + psi_ts)
		for grp := 0; grp < G; grp++ {
			o := g.groupOff(grp, h)
			gemm.GemmSerial(false, true, F, F, h, 1, dy[o:], ld, v[o:], ld, 0, dst[grp*F*F:], F)
		}
		yt, r := work[:G*h], work[G*h:G*(h+F)]
		for t := 0; t < F; t++ {
			packFrame(g, yt, dy, t, h)
			gemm.GemmSerial(false, true, G, F, h, 1, yt, h, psi[t*F*h:], h, 0, r, F)
			for grp := 0; grp < G; grp++ {
				Axpy(dst[(grp*F+t)*F:(grp*F+t+1)*F], r[grp*F:(grp+1)*F], 1)
			}
		}
	case 1: // dv_s = sum_t A_ts dy_t
		for grp := 0; grp < G; grp++ {
			o := g.groupOff(grp, h)
			gemm.GemmSerial(true, false, F, h, F, 1, a[grp*F*F:], F, dy[o:], ld, 0, dst[o:], ld)
		}
	case 2: // dpsi_ts = sum_groups A_ts dy_t
		yt, at := work[:G*h], work[G*h:G*(h+F)]
		for t := 0; t < F; t++ {
			packAttn(g, at, a, t)
			packFrame(g, yt, dy, t, h)
			gemm.GemmSerial(true, false, F, h, G, 1, at, F, yt, h, 0, dst[t*F*h:], h)
		}
	}
}

// TemporalCoordFwd writes the temporal coordinate update y_t = sum_s A_ts w_s (x_t - x_s), x and y
// [Rows, D], w [Rows].
func TemporalCoordFwd[T Float](g Frames, y, x, a, w []T, d int) {
	F := g.F
	for grp := 0; grp < g.B*g.N; grp++ {
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
	F := g.F
	if which != 1 {
		clear(dst)
	}
	for grp := 0; grp < g.B*g.N; grp++ {
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

package kern

import (
	"math"

	"github.com/trajdiff/trajdiff/nn/internal/gemm"
)

// LinAttnGeom describes the linear attention of lucidrains' U-Nets (Shen et al. 2021, "Efficient
// attention") over qkv [B, N, 3D] packed as AttnGeom packs it (queries, keys, values side by side; head h
// owns columns h Dh ... (h+1) Dh of each), with output o [B, N, D].
type LinAttnGeom struct{ B, N, H, Dh int }

// D is the width H Dh of the queries, keys, values and output.
func (a *LinAttnGeom) D() int { return a.H * a.Dh }

// LinAttnFwd computes, per example and head, with Qs = softmax over each query's Dh features times
// Dh^-1/2 and Ks = softmax of each key feature over the N positions,
//
//	ctx = Ks^T V [Dh, Dh],  o = Qs ctx [N, Dh],
//
// at O(N Dh^2) cost instead of full attention's O(N^2 Dh). It saves Qs and Ks in sm [B, N, 2D] (Qs in
// columns 0..D, Ks in D..2D, laid out like qkv) and ctx in ctx [B, H, Dh, Dh] for LinAttnBwd; stat [B H 2 Dh]
// is scratch for the key softmax.
func LinAttnFwd[T Float](o, sm, ctx, stat, qkv []T, a *LinAttnGeom) {
	N, D, Dh := a.N, a.D(), a.Dh
	scale := T(1 / math.Sqrt(float64(Dh)))
	parallel(a.B*a.H, 6*N*Dh*Dh, func(lo, hi int) {
		for bh := lo; bh < hi; bh++ {
			b, h := bh/a.H, bh%a.H
			q, k, v := qkv[b*N*3*D+h*Dh:], qkv[b*N*3*D+D+h*Dh:], qkv[b*N*3*D+2*D+h*Dh:]
			qs, ks := sm[b*N*2*D+h*Dh:], sm[b*N*2*D+D+h*Dh:]
			for n := 0; n < N; n++ {
				softmaxScaled(qs[n*2*D:n*2*D+Dh], q[n*3*D:n*3*D+Dh], scale)
			}
			mx, sum := stat[bh*2*Dh:bh*2*Dh+Dh], stat[bh*2*Dh+Dh:(bh+1)*2*Dh]
			copy(mx, k[:Dh])
			for n := 1; n < N; n++ {
				for d, x := range k[n*3*D : n*3*D+Dh] {
					mx[d] = max(mx[d], x)
				}
			}
			clear(sum)
			for n := 0; n < N; n++ {
				r := ks[n*2*D : n*2*D+Dh]
				for d, x := range k[n*3*D : n*3*D+Dh] {
					r[d] = x - mx[d]
				}
				Exp(r, r)
				for d, e := range r {
					sum[d] += e
				}
			}
			for d := range sum {
				sum[d] = 1 / sum[d]
			}
			for n := 0; n < N; n++ {
				r := ks[n*2*D : n*2*D+Dh]
				for d := range r {
					r[d] *= sum[d]
				}
			}
			c := ctx[bh*Dh*Dh : (bh+1)*Dh*Dh]
			gemm.GemmSerial(true, false, Dh, Dh, N, 1, ks, 2*D, v, 3*D, 0, c, Dh)
			gemm.GemmSerial(false, false, N, Dh, Dh, 1, qs, 2*D, c, Dh, 0, o[b*N*D+h*Dh:], D)
		}
	})
}

// softmaxScaled writes r = scale softmax(x).
func softmaxScaled[T Float](r, x []T, scale T) {
	mx := x[0]
	for _, v := range x[1:] {
		mx = max(mx, v)
	}
	for i, v := range x {
		r[i] = v - mx
	}
	Exp(r, r)
	var s T
	for _, e := range r {
		s += e
	}
	s = scale / s
	for i := range r {
		r[i] *= s
	}
}

// LinAttnBwd writes dqkv [B, N, 3D] from do [B, N, D], using sm and ctx saved by LinAttnFwd and scratch
// dctx [B H Dh Dh]:
//
//	dctx = Qs^T dO,  dQs = dO ctx^T,  dKs = V dctx^T,  dV = Ks dctx,
//
// then the softmax Jacobians: dQ = Qs (dQs - rowsum(Qs dQs) / scale) per query, and dK = Ks (dKs -
// colsum(Ks dKs)) per key feature over the positions.
func LinAttnBwd[T Float](dqkv, do, qkv, sm, ctx, dctx []T, a *LinAttnGeom) {
	N, D, Dh := a.N, a.D(), a.Dh
	rscale := T(math.Sqrt(float64(Dh)))
	parallel(a.B*a.H, 10*N*Dh*Dh, func(lo, hi int) {
		for bh := lo; bh < hi; bh++ {
			b, h := bh/a.H, bh%a.H
			base := b * N * 3 * D
			v := qkv[base+2*D+h*Dh:]
			dq, dk, dv := dqkv[base+h*Dh:], dqkv[base+D+h*Dh:], dqkv[base+2*D+h*Dh:]
			qs, ks := sm[b*N*2*D+h*Dh:], sm[b*N*2*D+D+h*Dh:]
			dob := do[b*N*D+h*Dh:]
			c, dc := ctx[bh*Dh*Dh:(bh+1)*Dh*Dh], dctx[bh*Dh*Dh:(bh+1)*Dh*Dh]
			gemm.GemmSerial(true, false, Dh, Dh, N, 1, qs, 2*D, dob, D, 0, dc, Dh)
			gemm.GemmSerial(false, true, N, Dh, Dh, 1, dob, D, c, Dh, 0, dq, 3*D)
			gemm.GemmSerial(false, true, N, Dh, Dh, 1, v, 3*D, dc, Dh, 0, dk, 3*D)
			gemm.GemmSerial(false, false, N, Dh, Dh, 1, ks, 2*D, dc, Dh, 0, dv, 3*D)
			for n := 0; n < N; n++ {
				g, s := dq[n*3*D:n*3*D+Dh], qs[n*2*D:n*2*D+Dh]
				var dot T
				for d, x := range s {
					dot += x * g[d]
				}
				dot *= rscale
				for d, x := range s {
					g[d] = x * (g[d] - dot)
				}
			}
			// The key softmax runs down the columns: accumulate the column dots in dc's first row,
			// which the products above no longer need.
			col := dc[:Dh]
			clear(col)
			for n := 0; n < N; n++ {
				g, s := dk[n*3*D:n*3*D+Dh], ks[n*2*D:n*2*D+Dh]
				for d, x := range s {
					col[d] += x * g[d]
				}
			}
			for n := 0; n < N; n++ {
				g, s := dk[n*3*D:n*3*D+Dh], ks[n*2*D:n*2*D+Dh]
				for d, x := range s {
					g[d] = x * (g[d] - col[d])
				}
			}
		}
	})
}

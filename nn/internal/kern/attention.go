package kern

import (
	"math"

	"github.com/trajdiff/trajdiff/nn/internal/gemm"
)

// AttnGeom describes multi-head scaled dot-product attention (Vaswani et al. 2017) over qkv [B, L, 3D]
// holding the queries, keys and values side by side (D = H Dh; head h owns columns h Dh ... (h+1) Dh of
// each, as in PyTorch's MultiheadAttention), with output o [B, L, D] and saved probabilities p [B, H, L, L].
type AttnGeom struct {
	B, L, H, Dh int
	Causal      bool // query i attends to keys j <= i only
}

// D is the model width H Dh.
func (a *AttnGeom) D() int { return a.H * a.Dh }

// AttnFwd computes o = softmax(Q K^T / sqrt(Dh) + mask) V per example and head. keyMask [B, L] (or nil)
// marks the keys that may be attended (nonzero) or are padding (zero). A query whose every key is masked
// gets zero output.
func AttnFwd[T Float](o, p, qkv, keyMask []T, a *AttnGeom) {
	L, D, Dh := a.L, a.D(), a.Dh
	scale := T(1 / math.Sqrt(float64(Dh)))
	parallel(a.B*a.H, 4*L*L*Dh, func(lo, hi int) {
		for bh := lo; bh < hi; bh++ {
			b, h := bh/a.H, bh%a.H
			base := b * L * 3 * D
			q, k, v := qkv[base+h*Dh:], qkv[base+D+h*Dh:], qkv[base+2*D+h*Dh:]
			pb := p[bh*L*L : (bh+1)*L*L]
			gemm.GemmSerial(false, true, L, L, Dh, scale, q, 3*D, k, 3*D, 0, pb, L)
			var km []T
			if keyMask != nil {
				km = keyMask[b*L : (b+1)*L]
			}
			for i := 0; i < L; i++ {
				softmaxRow(pb[i*L:(i+1)*L], km, i, a.Causal)
			}
			gemm.GemmSerial(false, false, L, Dh, L, 1, pb, L, v, 3*D, 0, o[b*L*D+h*Dh:], D)
		}
	})
}

// softmaxRow normalises the scores of query i in place, zeroing masked keys (and, for causal attention,
// keys after i).
func softmaxRow[T Float](row, km []T, i int, causal bool) {
	n := len(row)
	if causal {
		clear(row[i+1:])
		n = i + 1
	}
	mx := T(math.Inf(-1))
	for j := 0; j < n; j++ {
		if (km == nil || km[j] != 0) && row[j] > mx {
			mx = row[j]
		}
	}
	if math.IsInf(float64(mx), -1) {
		clear(row)
		return
	}
	r := row[:n]
	for j := range r {
		r[j] -= mx
	}
	Exp(r, r)
	var s float64
	for j, e := range r {
		if km != nil && km[j] == 0 {
			r[j] = 0
			continue
		}
		s += float64(e)
	}
	inv := T(1 / s)
	for j := range r {
		r[j] *= inv
	}
}

// AttnBwd writes dqkv [B, L, 3D] from do [B, L, D], using the probabilities p saved by AttnFwd and
// scratch [B H L L]:
//
//	dV = P^T dO,  dP = dO V^T,  dS = P (dP - rowsum(dP P)),  dQ = dS K / sqrt(Dh),  dK = dS^T Q / sqrt(Dh).
func AttnBwd[T Float](dqkv, do, qkv, p, scratch []T, a *AttnGeom) {
	L, D, Dh := a.L, a.D(), a.Dh
	scale := T(1 / math.Sqrt(float64(Dh)))
	parallel(a.B*a.H, 8*L*L*Dh, func(lo, hi int) {
		for bh := lo; bh < hi; bh++ {
			b, h := bh/a.H, bh%a.H
			base := b * L * 3 * D
			q, k, v := qkv[base+h*Dh:], qkv[base+D+h*Dh:], qkv[base+2*D+h*Dh:]
			dq, dk, dv := dqkv[base+h*Dh:], dqkv[base+D+h*Dh:], dqkv[base+2*D+h*Dh:]
			dob := do[b*L*D+h*Dh:]
			pb := p[bh*L*L : (bh+1)*L*L]
			ds := scratch[bh*L*L : (bh+1)*L*L]
			gemm.GemmSerial(true, false, L, Dh, L, 1, pb, L, dob, D, 0, dv, 3*D)
			gemm.GemmSerial(false, true, L, L, Dh, 1, dob, D, v, 3*D, 0, ds, L)
			for i := 0; i < L; i++ {
				pr, dr := pb[i*L:(i+1)*L], ds[i*L:(i+1)*L]
				var s T
				for j, pv := range pr {
					s += pv * dr[j]
				}
				for j, pv := range pr {
					dr[j] = pv * (dr[j] - s)
				}
			}
			gemm.GemmSerial(false, false, L, Dh, L, scale, ds, L, k, 3*D, 0, dq, 3*D)
			gemm.GemmSerial(true, false, L, Dh, L, scale, ds, L, q, 3*D, 0, dk, 3*D)
		}
	})
}

package kern

import (
	"math"

	"github.com/trajdiff/trajdiff/nn/internal/gemm"
)

// SwapMid moves the frame axis of a channels-last video past its positions: y [B, Q, P, C] = x [B, P, Q,
// C] with C-value blocks moved whole ([B, F, H W, C] -> [B, H W, F, C] for temporal attention, and back
// with P and Q exchanged).
func SwapMid[T Float](y, x []T, B, P, Q, C int) {
	parallel(B*Q, P*C, func(lo, hi int) {
		for bq := lo; bq < hi; bq++ {
			b, q := bq/Q, bq%Q
			for p := 0; p < P; p++ {
				copy(y[((b*Q+q)*P+p)*C:((b*Q+q)*P+p+1)*C], x[((b*P+p)*Q+q)*C:((b*P+p)*Q+q+1)*C])
			}
		}
	})
}

// RotaryGeom describes rotary position embeddings (Su et al. 2021, RoFormer) applied to the queries and
// keys of packed projections qkv [N, L, 3D] (D = H Dh, laid out as AttnGeom's): the first Rot features of
// each head are rotated in interleaved pairs (2i, 2i+1) by the angle l theta_i at position l
// (rotary_embedding_torch's rotate_queries_or_keys, whose RotaryEmbedding(Rot) holds theta_i =
// 10000^(-2i/Rot)); the values and the remaining features pass unchanged.
type RotaryGeom struct{ N, L, H, Dh, Rot int }

// Rotary writes y = R x (inverse: R^T x, the gradient) for the rotation R of g with frequencies freqs
// [Rot/2]. Angles are formed in float32 (position times frequency), as the reference forms them.
func Rotary[T Float](y, x, freqs []T, g RotaryGeom, inverse bool) {
	D := g.H * g.Dh
	half := g.Rot / 2
	cs := make([]T, 2*g.L*half) // cos, sin per (position, pair)
	for l := 0; l < g.L; l++ {
		for i := 0; i < half; i++ {
			a := float64(float32(l) * float32(freqs[i]))
			s := math.Sin(a)
			if inverse {
				s = -s
			}
			cs[2*(l*half+i)], cs[2*(l*half+i)+1] = T(math.Cos(a)), T(s)
		}
	}
	copy(y, x)
	parallel(g.N*g.L, 2*D, func(lo, hi int) {
		for nl := lo; nl < hi; nl++ {
			l := nl % g.L
			row := y[nl*3*D : nl*3*D+2*D] // queries and keys
			for h := 0; h < 2*g.H; h++ {
				v := row[h*g.Dh : h*g.Dh+g.Rot]
				for i := 0; i < half; i++ {
					c, s := cs[2*(l*half+i)], cs[2*(l*half+i)+1]
					a, b := v[2*i], v[2*i+1]
					v[2*i], v[2*i+1] = a*c-b*s, b*c+a*s
				}
			}
		}
	})
}

// BiasAttnGeom is multi-head attention over qkv [N, L, 3D] (AttnGeom's layout) with an additive logit
// bias [H, L, L] shared by the N sequences (a relative position bias).
type BiasAttnGeom struct{ N, L, H, Dh int }

// BiasAttnFwd computes o = softmax(Q K^T / sqrt(Dh) + bias_h) V per sequence and head, saving the
// probabilities in p [N, H, L, L].
func BiasAttnFwd[T Float](o, p, qkv, bias []T, a BiasAttnGeom) {
	L, D, Dh := a.L, a.H*a.Dh, a.Dh
	scale := T(1 / math.Sqrt(float64(Dh)))
	parallel(a.N*a.H, 4*L*L*Dh, func(lo, hi int) {
		for nh := lo; nh < hi; nh++ {
			n, h := nh/a.H, nh%a.H
			base := n * L * 3 * D
			q, k, v := qkv[base+h*Dh:], qkv[base+D+h*Dh:], qkv[base+2*D+h*Dh:]
			pb := p[nh*L*L : (nh+1)*L*L]
			copy(pb, bias[h*L*L:(h+1)*L*L])
			gemm.GemmSerial(false, true, L, L, Dh, scale, q, 3*D, k, 3*D, 1, pb, L)
			for i := 0; i < L; i++ {
				softmaxRow(pb[i*L:(i+1)*L], nil, i, false)
			}
			gemm.GemmSerial(false, false, L, Dh, L, 1, pb, L, v, 3*D, 0, o[n*L*D+h*Dh:], D)
		}
	})
}

// BiasAttnLogitGrad writes the gradient of the logits, ds = p (dP - rowsum(dP p)) with dP = dO V^T, into
// ds [N, H, L, L].
func BiasAttnLogitGrad[T Float](ds, do, qkv, p []T, a BiasAttnGeom) {
	L, D, Dh := a.L, a.H*a.Dh, a.Dh
	parallel(a.N*a.H, 2*L*L*Dh, func(lo, hi int) {
		for nh := lo; nh < hi; nh++ {
			n, h := nh/a.H, nh%a.H
			v := qkv[n*L*3*D+2*D+h*Dh:]
			s := ds[nh*L*L : (nh+1)*L*L]
			gemm.GemmSerial(false, true, L, L, Dh, 1, do[n*L*D+h*Dh:], D, v, 3*D, 0, s, L)
			pb := p[nh*L*L : (nh+1)*L*L]
			for i := 0; i < L; i++ {
				pr, sr := pb[i*L:(i+1)*L], s[i*L:(i+1)*L]
				var dot T
				for j := range pr {
					dot += pr[j] * sr[j]
				}
				for j := range pr {
					sr[j] = pr[j] * (sr[j] - dot)
				}
			}
		}
	})
}

// BiasAttnBwd writes dqkv [N, L, 3D] from the logit gradient ds (BiasAttnLogitGrad), the output gradient
// do and the probabilities p.
func BiasAttnBwd[T Float](dqkv, ds, do, qkv, p []T, a BiasAttnGeom) {
	L, D, Dh := a.L, a.H*a.Dh, a.Dh
	scale := T(1 / math.Sqrt(float64(Dh)))
	parallel(a.N*a.H, 6*L*L*Dh, func(lo, hi int) {
		for nh := lo; nh < hi; nh++ {
			n, h := nh/a.H, nh%a.H
			base := n * L * 3 * D
			q, k := qkv[base+h*Dh:], qkv[base+D+h*Dh:]
			s, pb := ds[nh*L*L:(nh+1)*L*L], p[nh*L*L:(nh+1)*L*L]
			gemm.GemmSerial(false, false, L, Dh, L, scale, s, L, k, 3*D, 0, dqkv[base+h*Dh:], 3*D)
			gemm.GemmSerial(true, false, L, Dh, L, scale, s, L, q, 3*D, 0, dqkv[base+D+h*Dh:], 3*D)
			gemm.GemmSerial(true, false, L, Dh, L, 1, pb, L, do[n*L*D+h*Dh:], D, 0, dqkv[base+2*D+h*Dh:], 3*D)
		}
	})
}

// RelPosBucket is the T5 relative position bucket (Raffel et al. 2020) of the key offset rel = j - i, as
// video-diffusion-pytorch's RelativePositionBias computes it: half of the buckets for each sign (keys
// after the query in the upper half), the distance |rel| itself below a quarter of the buckets, and
// logarithmic bins up to maxDistance beyond, clamped to the last bucket of the half.
func RelPosBucket(rel, buckets, maxDistance int) int {
	n := -rel
	buckets /= 2
	ret := 0
	if n < 0 {
		ret = buckets
		n = -n
	}
	exact := buckets / 2
	if n < exact {
		return ret + n
	}
	large := exact + int(math.Log(float64(n)/float64(exact))/math.Log(float64(maxDistance)/float64(exact))*float64(buckets-exact))
	return ret + min(large, buckets-1)
}

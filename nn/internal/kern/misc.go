package kern

import "math"

// SinusoidalFwd writes the transformer position embedding of the times t [B] (Vaswani et al. 2017, as
// used by Ho et al. 2020 and Diffuser): with h = dim/2 and f_i = exp(-i ln(10000)/(h-1)),
// emb [B, dim] = [sin(t f_i) | cos(t f_i)]. For float32 the frequency and product are rounded to float32
// as PyTorch computes them.
func SinusoidalFwd[T Float](emb, t []T, dim int) {
	h := dim / 2
	c := math.Log(10000) / float64(h-1)
	for b, tv := range t {
		row := emb[b*dim : (b+1)*dim]
		for i := 0; i < h; i++ {
			var arg float64
			if is32[T]() {
				f := float32(math.Exp(float64(float32(i) * float32(-c))))
				arg = float64(float32(tv) * f)
			} else {
				arg = float64(tv) * math.Exp(-float64(i)*c)
			}
			row[i] = T(math.Sin(arg))
			row[h+i] = T(math.Cos(arg))
		}
	}
}

// FourierFwd writes random Fourier features of t [B] (Tancik et al. 2020; EDM's FourierEmbedding):
// emb [B, 2F] = [cos(2 pi f_i t) | sin(2 pi f_i t)] for the F frequencies freqs.
func FourierFwd[T Float](emb, t, freqs []T) {
	F := len(freqs)
	for b, tv := range t {
		row := emb[b*2*F : (b+1)*2*F]
		for i, f := range freqs {
			var arg float64
			if is32[T]() {
				arg = float64(float32(tv) * (float32(f) * float32(2*math.Pi)))
			} else {
				arg = float64(tv) * 2 * math.Pi * float64(f)
			}
			row[i] = T(math.Cos(arg))
			row[F+i] = T(math.Sin(arg))
		}
	}
}

// WeightedMSE returns mean_b w_b ||pred_b - target_b||^2 / D over the B = len(w) examples of D values.
func WeightedMSE[T Float](pred, target, w []T, D int) float64 {
	var total float64
	for b, wb := range w {
		var s float64
		p, q := pred[b*D:(b+1)*D], target[b*D:(b+1)*D]
		for i, v := range p {
			d := float64(v - q[i])
			s += d * d
		}
		total += float64(wb) * s
	}
	return total / float64(len(w)*D)
}

// WeightedMSEBwd writes dpred = g 2 w_b (pred - target)/(B D).
func WeightedMSEBwd[T Float](dpred, pred, target, w []T, D int, g float64) {
	B := len(w)
	parallel(B, D*3, func(lo, hi int) {
		for b := lo; b < hi; b++ {
			c := T(2 * g * float64(w[b]) / float64(B*D))
			p, q, d := pred[b*D:(b+1)*D], target[b*D:(b+1)*D], dpred[b*D:(b+1)*D]
			for i, v := range p {
				d[i] = c * (v - q[i])
			}
		}
	})
}

// Mul writes y = x m elementwise (dropout with a precomputed mask of 0 and 1/(1-p)).
func Mul[T Float](y, x, m []T) {
	parallel(len(x), 1, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			y[i] = x[i] * m[i]
		}
	})
}

// Add writes y = a + b.
func Add[T Float](y, a, b []T) {
	parallel(len(a), 1, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			y[i] = a[i] + b[i]
		}
	})
}

// RowScale writes y[b, :] = s_b x[b, :] for x [B, D] (condition dropout).
func RowScale[T Float](y, x, s []T, D int) {
	for b, v := range s {
		yr, xr := y[b*D:(b+1)*D], x[b*D:(b+1)*D]
		for i, u := range xr {
			yr[i] = v * u
		}
	}
}

// Chunk selects C columns starting at Off from rows of E values: element (b, c) of the chunk is
// e[b*E + Off + c]. It addresses one of the modulation vectors (shift, scale, gate) packed in a [B, E]
// tensor, as adaLN produces them.
type Chunk struct{ E, Off int }

// AddRowsFwd writes y[b, s, c] = x[b, s, c] + e[b, chunk c] for x [B, S, C].
func AddRowsFwd[T Float](y, x, e []T, B, S, C int, ch Chunk) {
	parallel(B*S, C, func(lo, hi int) {
		for bs := lo; bs < hi; bs++ {
			b := bs / S
			er := e[b*ch.E+ch.Off : b*ch.E+ch.Off+C]
			yr, xr := y[bs*C:(bs+1)*C], x[bs*C:(bs+1)*C]
			for c, v := range xr {
				yr[c] = v + er[c]
			}
		}
	})
}

// SumPositions writes de[b, chunk c] = sum_s dy[b, s, c] (and, when x is not nil, sum_s dy x instead),
// leaving the rest of de [B, E] as it is.
func SumPositions[T Float](de, dy, x []T, B, S, C int, ch Chunk) {
	parallel(B, S*C, func(lo, hi int) {
		for b := lo; b < hi; b++ {
			d := de[b*ch.E+ch.Off : b*ch.E+ch.Off+C]
			clear(d)
			for s := 0; s < S; s++ {
				o := (b*S + s) * C
				r := dy[o : o+C]
				if x == nil {
					for c, v := range r {
						d[c] += v
					}
				} else {
					xr := x[o : o+C]
					for c, v := range r {
						d[c] += v * xr[c]
					}
				}
			}
		}
	})
}

// ModulateFwd is adaLN's modulation (Peebles & Xie 2023): y = x (1 + scale_bc) + shift_bc with shift and
// scale chunks of mod [B, E].
func ModulateFwd[T Float](y, x, mod []T, B, S, C int, shift, scale Chunk) {
	parallel(B*S, 2*C, func(lo, hi int) {
		for bs := lo; bs < hi; bs++ {
			b := bs / S
			sh := mod[b*shift.E+shift.Off : b*shift.E+shift.Off+C]
			sc := mod[b*scale.E+scale.Off : b*scale.E+scale.Off+C]
			yr, xr := y[bs*C:(bs+1)*C], x[bs*C:(bs+1)*C]
			for c, v := range xr {
				yr[c] = v*(1+sc[c]) + sh[c]
			}
		}
	})
}

// ScaleRowsBwd writes dx[b, s, c] = dy[b, s, c] (bias + m[b, chunk c]) (the data gradient of modulation
// with bias 1 and of a gated residual branch with bias 0).
func ScaleRowsBwd[T Float](dx, dy, m []T, B, S, C int, ch Chunk, bias T) {
	parallel(B*S, C, func(lo, hi int) {
		for bs := lo; bs < hi; bs++ {
			b := bs / S
			mr := m[b*ch.E+ch.Off : b*ch.E+ch.Off+C]
			dr, yr := dx[bs*C:(bs+1)*C], dy[bs*C:(bs+1)*C]
			for c, v := range yr {
				dr[c] = v * (bias + mr[c])
			}
		}
	})
}

// GatedAddFwd is adaLN-Zero's gated residual: y = x + gate_bc z.
func GatedAddFwd[T Float](y, x, z, mod []T, B, S, C int, gate Chunk) {
	parallel(B*S, 2*C, func(lo, hi int) {
		for bs := lo; bs < hi; bs++ {
			b := bs / S
			g := mod[b*gate.E+gate.Off : b*gate.E+gate.Off+C]
			yr, xr, zr := y[bs*C:(bs+1)*C], x[bs*C:(bs+1)*C], z[bs*C:(bs+1)*C]
			for c, v := range xr {
				yr[c] = v + g[c]*zr[c]
			}
		}
	})
}

// ConcatFwd writes y [N, C1+C2] = [a [N, C1] | b [N, C2]] (concatenation along the channel axis).
func ConcatFwd[T Float](y, a, b []T, N, C1, C2 int) {
	C := C1 + C2
	parallel(N, C, func(lo, hi int) {
		for n := lo; n < hi; n++ {
			copy(y[n*C:n*C+C1], a[n*C1:(n+1)*C1])
			copy(y[n*C+C1:(n+1)*C], b[n*C2:(n+1)*C2])
		}
	})
}

// SliceCols writes dst [N, W] = columns Off ... Off+W of src [N, C].
func SliceCols[T Float](dst, src []T, N, C, Off, W int) {
	parallel(N, W, func(lo, hi int) {
		for n := lo; n < hi; n++ {
			copy(dst[n*W:(n+1)*W], src[n*C+Off:n*C+Off+W])
		}
	})
}

package kern

// Per-channel primitives over rows x [rows, C] of channels-last data, on the calling goroutine: AVX2 for
// float32 when C is a multiple of 8, Go loops otherwise. Group and layer normalisation, biases and their
// gradients are written with them.

func vec8[T Float](C int) bool { return is32[T]() && simd && C%8 == 0 && C > 0 }

// AxpbRows writes y[r, c] = x[r, c] a[c] + b[c] (y may alias x).
func AxpbRows[T Float](y, x, a, b []T, rows, C int) {
	if rows == 0 {
		return
	}
	if vec8[T](C) {
		axpbRowsAVX2(&f32(y)[0], &f32(x)[0], &f32(a)[0], &f32(b)[0], rows, C)
		return
	}
	a, b = a[:C], b[:C]
	for r := 0; r < rows; r++ {
		yr, xr := y[r*C:(r+1)*C], x[r*C:(r+1)*C]
		for c, v := range xr {
			yr[c] = v*a[c] + b[c]
		}
	}
}

// Fma3Rows writes y[r, c] = u[r, c] a[c] + v[r, c] b[c] + d[c] (y may alias u or v).
func Fma3Rows[T Float](y, u, v, a, b, d []T, rows, C int) {
	if rows == 0 {
		return
	}
	if vec8[T](C) {
		fma3RowsAVX2(&f32(y)[0], &f32(u)[0], &f32(v)[0], &f32(a)[0], &f32(b)[0], &f32(d)[0], rows, C)
		return
	}
	a, b, d = a[:C], b[:C], d[:C]
	for r := 0; r < rows; r++ {
		yr, ur, vr := y[r*C:(r+1)*C], u[r*C:(r+1)*C], v[r*C:(r+1)*C]
		for c := range yr {
			yr[c] = ur[c]*a[c] + vr[c]*b[c] + d[c]
		}
	}
}

// AddRows adds b[c] to every row of y.
func AddRows[T Float](y, b []T, rows, C int) {
	if rows == 0 {
		return
	}
	if vec8[T](C) {
		addRowsAVX2(&f32(y)[0], &f32(b)[0], rows, C)
		return
	}
	b = b[:C]
	for r := 0; r < rows; r++ {
		yr := y[r*C : (r+1)*C]
		for c := range yr {
			yr[c] += b[c]
		}
	}
}

// SumRows adds the column sums of x to s.
func SumRows[T Float](s, x []T, rows, C int) {
	if rows == 0 {
		return
	}
	if vec8[T](C) {
		sumRowsAVX2(&f32(s)[0], &f32(x)[0], rows, C)
		return
	}
	s = s[:C]
	for r := 0; r < rows; r++ {
		for c, v := range x[r*C : (r+1)*C] {
			s[c] += v
		}
	}
}

// DotRows adds the column sums of x w (elementwise) to s.
func DotRows[T Float](s, x, w []T, rows, C int) {
	if rows == 0 {
		return
	}
	if vec8[T](C) {
		dotRowsAVX2(&f32(s)[0], &f32(x)[0], &f32(w)[0], rows, C)
		return
	}
	s = s[:C]
	for r := 0; r < rows; r++ {
		wr := w[r*C : (r+1)*C]
		for c, v := range x[r*C : (r+1)*C] {
			s[c] += v * wr[c]
		}
	}
}

// SqdevRows adds the column sums of (x - m[c])^2 to s.
func SqdevRows[T Float](s, x, m []T, rows, C int) {
	if rows == 0 {
		return
	}
	if vec8[T](C) {
		sqdevRowsAVX2(&f32(s)[0], &f32(x)[0], &f32(m)[0], rows, C)
		return
	}
	s, m = s[:C], m[:C]
	for r := 0; r < rows; r++ {
		for c, v := range x[r*C : (r+1)*C] {
			d := v - m[c]
			s[c] += d * d
		}
	}
}

// SumSquares returns sum_i x_i^2 in float64. float32 data is reduced in blocks of 1024 by the vector
// kernel (float32 partial sums over at most 128 terms per lane) and the block sums are added in float64;
// blocks are split across goroutines in a fixed way, so the result does not depend on their number.
func SumSquares[T Float](x []T) float64 {
	const block = 1024
	nb := len(x) / block
	parts := make([]float64, nb+1)
	parallel(nb, 2*block, func(lo, hi int) {
		var acc [8]T
		for b := lo; b < hi; b++ {
			clear(acc[:])
			xb := x[b*block : (b+1)*block]
			DotRows(acc[:], xb, xb, block/8, 8)
			var s float64
			for _, v := range acc {
				s += float64(v)
			}
			parts[b] = s
		}
	})
	for _, v := range x[nb*block:] {
		parts[nb] += float64(v) * float64(v)
	}
	var s float64
	for _, v := range parts {
		s += v
	}
	return s
}

package kern

import "math"

// AdamCoef are the per-step constants of an Adam update (PyTorch's formulation): the moment decay rates
// B1, B2, Eps, a gradient scale Clip (global-norm clipping), StepSize = lr/(1 - b1^t), InvBC2 =
// 1/sqrt(1 - b2^t) and Decay = 1 - lr wd (decoupled weight decay).
type AdamCoef struct{ B1, B2, Eps, Clip, StepSize, InvBC2, Decay float64 }

// AdamUpdate applies one Adam step to the parameters w with gradient g and moments m, v, and zeroes g:
//
//	g *= Clip, m = B1 m + (1-B1) g, v = B2 v + (1-B2) g^2, w = Decay w - StepSize m / (sqrt(v) InvBC2 + Eps).
func AdamUpdate[T Float](w, g, m, v []T, c AdamCoef) {
	parallel(len(w), 8, func(lo, hi int) {
		if is32[T]() && simd && hi-lo >= 8 {
			n := (hi - lo) &^ 7
			k := [9]float32{float32(c.B1), float32(1 - c.B1), float32(c.B2), float32(1 - c.B2), float32(c.Eps),
				float32(c.Clip), float32(c.StepSize), float32(c.InvBC2), float32(c.Decay)}
			adamAVX2(&f32(w)[lo], &f32(g)[lo], &f32(m)[lo], &f32(v)[lo], n, &k)
			lo += n
		}
		b1, b2, ob1, ob2 := T(c.B1), T(c.B2), T(1-c.B1), T(1-c.B2)
		eps, clip, step, inv, decay := T(c.Eps), T(c.Clip), T(c.StepSize), T(c.InvBC2), T(c.Decay)
		for i := lo; i < hi; i++ {
			gi := g[i] * clip
			mi := b1*m[i] + ob1*gi
			vi := b2*v[i] + ob2*gi*gi
			m[i], v[i] = mi, vi
			w[i] = decay*w[i] - step*mi/(T(math.Sqrt(float64(vi)))*inv+eps)
			g[i] = 0
		}
	})
}

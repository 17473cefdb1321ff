package kern

import (
	"math"
	"unsafe"
)

// Act is a pointwise activation.
type Act int

const (
	Identity Act = iota
	Mish         // x tanh(softplus(x)) (Misra 2019)
	SiLU         // x sigmoid(x) (Elfwing et al. 2018; "swish")
	GELU         // x Phi(x), the exact (erf) form (Hendrycks & Gimpel 2016)
	ReLU         // max(x, 0), derivative 1 for x > 0 else 0 (PyTorch's threshold_backward)
)

func (a Act) String() string {
	switch a {
	case Identity:
		return "identity"
	case Mish:
		return "mish"
	case SiLU:
		return "silu"
	case GELU:
		return "gelu"
	case ReLU:
		return "relu"
	}
	return "act?"
}

// mishRatio returns tanh(softplus(x)) and its derivative with respect to x. With e = e^x,
// tanh(log(1+e)) = n/(n+2) for n = e(e+2), so one exponential serves both; beyond x = 20 the ratio is 1 to
// float64 precision (PyTorch's softplus switches to the identity at the same threshold).
func mishRatio[T Float](x T) (r, dr T) {
	if x > 20 {
		return 1, 0
	}
	e := exp(x)
	n := e * (e + 2)
	inv := 1 / (n + 2)
	r = n * inv
	dr = 4 * e * (e + 1) * inv * inv // d/dx n/(n+2) = 2 n' / (n+2)^2 with n' = 2e(e+1)
	return
}

func sigmoid[T Float](x T) T { return 1 / (1 + exp(-x)) }

const invSqrt2 = 0.70710678118654752440
const invSqrt2Pi = 0.39894228040143267794

func gelu[T Float](x T) (y, dy T) {
	xf := float64(x)
	cdf := 0.5 * (1 + math.Erf(xf*invSqrt2))
	pdf := invSqrt2Pi * math.Exp(-0.5*xf*xf)
	return T(xf * cdf), T(cdf + xf*pdf)
}

// actFwd1 evaluates the activation at one point.
func actFwd1[T Float](a Act, x T) T {
	switch a {
	case Mish:
		r, _ := mishRatio(x)
		return x * r
	case SiLU:
		return x * sigmoid(x)
	case GELU:
		y, _ := gelu(x)
		return y
	case ReLU:
		return max(x, 0)
	}
	return x
}

// actDeriv1 is the derivative of the activation at x.
func actDeriv1[T Float](a Act, x T) T {
	switch a {
	case Mish:
		r, dr := mishRatio(x)
		return r + x*dr
	case SiLU:
		s := sigmoid(x)
		return s * (1 + x*(1-s))
	case GELU:
		_, d := gelu(x)
		return d
	case ReLU:
		if x > 0 {
			return 1
		}
		return 0
	}
	return 1
}

// f32 reinterprets a []T known to be []float32.
func f32[T Float](s []T) []float32 {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(s))), len(s))
}

// actVec applies the activation to y = act(x) (dy nil) or dx = dy act'(x) with the vector kernels, and
// returns how many leading elements it handled (a multiple of 8; 0 when there is no kernel).
func actVec[T Float](a Act, y, x, dy []T) int {
	if !is32[T]() || !simd || (a != Mish && a != SiLU && a != GELU) { // Identity and ReLU: plain Go
		return 0
	}
	n := len(x) &^ 7
	if n == 0 {
		return 0
	}
	yp, xp := &f32(y)[0], &f32(x)[0]
	switch {
	case a == Mish && dy == nil:
		mishAVX2(yp, xp, n)
	case a == Mish:
		mishGradAVX2(yp, xp, &f32(dy)[0], n)
	case a == SiLU && dy == nil:
		siluAVX2(yp, xp, n)
	case a == SiLU:
		siluGradAVX2(yp, xp, &f32(dy)[0], n)
	case dy == nil:
		geluAVX2(yp, xp, n)
	default:
		geluGradAVX2(yp, xp, &f32(dy)[0], n)
	}
	return n
}

// ActFwd writes y = act(x) (y may alias x).
func ActFwd[T Float](a Act, y, x []T) {
	y = y[:len(x)]
	parallel(len(x), 16, func(lo, hi int) {
		lo += actVec(a, y[lo:hi], x[lo:hi], nil)
		for i := lo; i < hi; i++ {
			y[i] = actFwd1(a, x[i])
		}
	})
}

// ActBwd writes dx = dy act'(x) (dx may alias x or dy).
func ActBwd[T Float](a Act, dx, x, dy []T) {
	dx = dx[:len(x)]
	dy = dy[:len(x)]
	parallel(len(x), 20, func(lo, hi int) {
		lo += actVec(a, dx[lo:hi], x[lo:hi], dy[lo:hi])
		for i := lo; i < hi; i++ {
			dx[i] = dy[i] * actDeriv1(a, x[i])
		}
	})
}

// Exp writes y = e^x (softmax), vectorised for float32.
func Exp[T Float](y, x []T) {
	n := 0
	if is32[T]() && simd && len(x) >= 8 {
		n = len(x) &^ 7
		expAVX2(&f32(y)[0], &f32(x)[0], n)
	}
	for i := n; i < len(x); i++ {
		y[i] = exp(x[i])
	}
}

package kern

import (
	"math"
	"runtime"
	"sync"
	"unsafe"
)

// Float is the element type of the kernels.
type Float interface{ ~float32 | ~float64 }

// is32 reports whether T is float32; it is a constant in each instantiation.
func is32[T Float]() bool {
	var z T
	return unsafe.Sizeof(z) == 4
}

const (
	log2e = 1.44269504088896340736
	ln2hi = 0.693359375 // ln 2 split so that n*ln2hi is exact for |n| < 2^15
	ln2lo = -2.12194440e-4
)

// Exp32 is e^x in float32: x = n ln2 + r with |r| <= ln2/2, e^r by its Taylor polynomial of degree 7
// (remainder below 6e-9 relative), 2^n through the exponent bits. Results below 2^-126 flush to zero.
func Exp32(x float32) float32 {
	if x > 88 {
		if x > 88.72283 {
			return float32(math.Inf(1))
		}
		return float32(math.Exp(float64(x)))
	}
	if x < -87 {
		return 0
	}
	t := x * log2e
	if t >= 0 {
		t += 0.5
	} else {
		t -= 0.5
	}
	n := int32(t)
	nf := float32(n)
	r := x - nf*ln2hi - nf*ln2lo
	p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120+r*(1.0/720+r*(1.0/5040)))))))
	return p * math.Float32frombits(uint32(n+127)<<23)
}

// exp is e^x in T: Exp32 for float32, math.Exp for float64.
func exp[T Float](x T) T {
	if is32[T]() {
		return T(Exp32(float32(x)))
	}
	return T(math.Exp(float64(x)))
}

// Workers is the number of goroutines the kernels split their work across.
func Workers() int { return runtime.GOMAXPROCS(0) }

// parallel runs f over [0, n) split into contiguous chunks, one per worker, when the total work
// n*cost (roughly, floating-point operations) is large enough to pay for starting goroutines.
func parallel(n, cost int, f func(lo, hi int)) {
	w := Workers()
	if w > n {
		w = n
	}
	if w <= 1 || n*cost < 1<<15 {
		f(0, n)
		return
	}
	var wg sync.WaitGroup
	wg.Add(w - 1)
	for i := 1; i < w; i++ {
		lo, hi := i*n/w, (i+1)*n/w
		go func() {
			defer wg.Done()
			f(lo, hi)
		}()
	}
	f(0, n/w)
	wg.Wait()
}

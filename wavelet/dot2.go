package wavelet

// dot2 is the inner product engine of every interior convolution. For lanes j in [0, len(outA)):
//
//	outA[j] = init + Σ_k a.f[k]·base[offs[k]+j],  outD[j] = init + Σ_k d.f[k]·base[offs[k]+j],
//
// summing k from len(offs)-1 down to 0 with one running sum per lane (init is outA[j]/outD[j] when acc
// is set, else 0). Lanes are consecutive outputs of a polyphase-split row, or consecutive columns of
// rows along a strided axis; offs selects, per tap, where that tap's operand vector starts. Two filters
// share every load. On amd64 the float64 version runs in SSE2 (dot2_amd64.s) with the same per-lane
// operation order, so results are bit-identical to this Go code.

// taps holds filter coefficients in kernel order, plus each coefficient duplicated for the SSE2 kernel.
type taps[T Float] struct {
	f  []T
	f2 []T
}

func newTaps[T Float](f []T) taps[T] {
	t := taps[T]{f: f, f2: make([]T, 2*len(f))}
	for i, v := range f {
		t.f2[2*i], t.f2[2*i+1] = v, v
	}
	return t
}

func dot2[T Float](base []T, offs []int, a, d taps[T], outA, outD []T, acc bool) {
	n := len(outA)
	if n == 0 {
		return
	}
	nk := len(offs)
	if len(outD) < n || len(a.f) < nk || len(d.f) < nk {
		panic("wavelet: dot2: inconsistent lengths")
	}
	for _, o := range offs {
		if o < 0 || o+n > len(base) {
			panic("wavelet: dot2: operand out of range")
		}
	}
	if dot2Asm(base, offs, a, d, outA, outD, acc) {
		return
	}
	dot2Go(base, offs, a.f, d.f, outA, outD[:n], acc)
}

func dot2Go[T Float](base []T, offs []int, fa, fd, outA, outD []T, acc bool) {
	n := len(outA)
	nk := len(offs)
	fa, fd = fa[:nk], fd[:nk]
	j := 0
	for ; j+3 < n; j += 4 {
		var a0, a1, a2, a3, d0, d1, d2, d3 T
		if acc {
			a0, a1, a2, a3 = outA[j], outA[j+1], outA[j+2], outA[j+3]
			d0, d1, d2, d3 = outD[j], outD[j+1], outD[j+2], outD[j+3]
		}
		for k := nk - 1; k >= 0; k-- {
			l, h := fa[k], fd[k]
			w := base[offs[k]+j:]
			w = w[:4]
			x := w[0]
			a0 += l * x
			d0 += h * x
			x = w[1]
			a1 += l * x
			d1 += h * x
			x = w[2]
			a2 += l * x
			d2 += h * x
			x = w[3]
			a3 += l * x
			d3 += h * x
		}
		outA[j], outA[j+1], outA[j+2], outA[j+3] = a0, a1, a2, a3
		outD[j], outD[j+1], outD[j+2], outD[j+3] = d0, d1, d2, d3
	}
	for ; j < n; j++ {
		var a0, d0 T
		if acc {
			a0, d0 = outA[j], outD[j]
		}
		for k := nk - 1; k >= 0; k-- {
			x := base[offs[k]+j]
			a0 += fa[k] * x
			d0 += fd[k] * x
		}
		outA[j], outD[j] = a0, d0
	}
}

package wavelet

// Scalar kernels for the few outputs whose filter window crosses the right end of the signal. There
// PyWavelets (convolution.c) sums the wrapped or mirrored taps first, walking the filter backwards, and
// then the in-signal taps; reproducing that order keeps the results bit-identical. Interior outputs go
// through dot2 instead.

// analysisKernelSplit computes outA[o] = Σ_k fa[k]·xe[2o+k] for boundary windows, in PyWavelets' order for the
// modes whose right extension is read backwards through the filter (symmetric, reflect, periodic,
// antisymmetric, antireflect, periodization): per output, first the taps at buffer positions >= e
// (past the right end of the signal) in ascending position, then the others in descending position.
func analysisKernelSplit[T Float](xe, fa, fd, outA, outD []T, e int) {
	f := len(fa)
	fd = fd[:f]
	outD = outD[:len(outA)]
	for o := range outA {
		w := xe[2*o : 2*o+f]
		kn := min(max(e-2*o, 0), f)
		var a, d T
		for k := kn; k < f; k++ {
			a += fa[k] * w[k]
			d += fd[k] * w[k]
		}
		for k := kn - 1; k >= 0; k-- {
			a += fa[k] * w[k]
			d += fd[k] * w[k]
		}
		outA[o], outD[o] = a, d
	}
}

// synthesisKernelChain computes periodization IDWT output pairs in PyWavelets' order there: each output
// is one running sum that takes the approximation taps and then the detail taps (PyWavelets adds each
// product straight into the output). Windows crossing position e (the right end of the periodically
// extended coefficients, in buffer coordinates) take the wrapped taps first, in ascending position.
func synthesisKernelChain[T Float](a, d, loE, loO, hiE, hiO, out []T, e int) {
	h := len(loE)
	loO, hiE, hiO = loO[:h], hiE[:h], hiO[:h]
	np := len(out) / 2
	m := 0
	if e >= np-1+h { // no window crosses e: two pairs at a time, taps in descending position
		for ; m+1 < np; m += 2 {
			wa0, wd0 := a[m:m+h], d[m:m+h]
			wa1, wd1 := a[m+1:m+1+h], d[m+1:m+1+h]
			var e0, o0, e1, o1 T
			for k := h - 1; k >= 0; k-- {
				e0 += loE[k] * wa0[k]
				o0 += loO[k] * wa0[k]
				e1 += loE[k] * wa1[k]
				o1 += loO[k] * wa1[k]
			}
			for k := h - 1; k >= 0; k-- {
				e0 += hiE[k] * wd0[k]
				o0 += hiO[k] * wd0[k]
				e1 += hiE[k] * wd1[k]
				o1 += hiO[k] * wd1[k]
			}
			out[2*m], out[2*m+1] = e0, o0
			out[2*m+2], out[2*m+3] = e1, o1
		}
	}
	for ; m < np; m++ {
		wa, wd := a[m:m+h], d[m:m+h]
		kn := min(max(e-m, 0), h)
		var ev, od T
		for k := kn; k < h; k++ {
			ev += loE[k] * wa[k]
			od += loO[k] * wa[k]
		}
		for k := kn - 1; k >= 0; k-- {
			ev += loE[k] * wa[k]
			od += loO[k] * wa[k]
		}
		for k := kn; k < h; k++ {
			ev += hiE[k] * wd[k]
			od += hiO[k] * wd[k]
		}
		for k := kn - 1; k >= 0; k-- {
			ev += hiE[k] * wd[k]
			od += hiO[k] * wd[k]
		}
		out[2*m], out[2*m+1] = ev, od
	}
}

// swtKernelSplit computes outA[o] = Σ_k fa[k]·xe[o+k·s] for boundary windows in PyWavelets' order:
// taps at buffer positions >= e first, ascending, then the rest descending.
func swtKernelSplit[T Float](xe []T, s int, fa, fd, outA, outD []T, e int) {
	f := len(fa)
	fd = fd[:f]
	outD = outD[:len(outA)]
	for o := range outA {
		w := xe[o : o+(f-1)*s+1]
		kn := f // first tap at or beyond e
		for k := 0; k < f; k++ {
			if o+k*s >= e {
				kn = k
				break
			}
		}
		var a, d T
		for k := kn; k < f; k++ {
			a += fa[k] * w[k*s]
			d += fd[k] * w[k*s]
		}
		for k := kn - 1; k >= 0; k-- {
			a += fa[k] * w[k*s]
			d += fd[k] * w[k*s]
		}
		outA[o], outD[o] = a, d
	}
}

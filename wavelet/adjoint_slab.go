package wavelet

// Adjoints along a strided axis, on slabs of rows × lanes like vertical.go. Taps that would read the
// zero padding of the adjoint's correlations are simply left out (a contiguous subset of the filter),
// so no padded copies are made.

// subTaps returns taps k0 … k1-1 of t.
func subTaps[T Float](t taps[T], k0, k1 int) taps[T] {
	return taps[T]{f: t.f[k0:k1], f2: t.f2[2*k0 : 2*k1]}
}

// analysisAdjointSlab computes gx = Wᵀ(gA, gD) along the rows of a slab (count coefficient rows, n
// signal rows, inner lanes) for lanes [l0, l1).
func analysisAdjointSlab[T Float](ws *workspace[T], g analysisGeom, af *synthesisTaps[T], fold []foldTerm,
	gA, gD []T, inner int, gx []T, l0, l1 int) {
	w := l1 - l0
	h := g.f / 2
	total := 2*(g.count-1) + g.f
	gxe := grow(&ws.tmp, total*w)
	tmp := grow(&ws.ph, 2*w)
	te, to := tmp[:w], tmp[w:]
	offs := growInts(&ws.offs, h)
	for m := 0; m < total/2; m++ {
		// Pair m reads coefficient rows m-h+1+k, k in [0, h); rows outside [0, count) are zero.
		k0, k1 := max(0, h-1-m), min(h, g.count+h-1-m)
		if k0 >= k1 {
			clear(gxe[2*m*w : (2*m+2)*w])
			continue
		}
		for k := k0; k < k1; k++ {
			offs[k] = (m-h+1+k)*inner + l0
		}
		re, ro := gxe[2*m*w:(2*m+1)*w], gxe[(2*m+1)*w:(2*m+2)*w]
		dot2(gA, offs[k0:k1], subTaps(af.loE, k0, k1), subTaps(af.loO, k0, k1), re, ro, false)
		dot2(gD, offs[k0:k1], subTaps(af.hiE, k0, k1), subTaps(af.hiO, k0, k1), te, to, false)
		for l := range re {
			re[l] += te[l]
			ro[l] += to[l]
		}
	}
	for i := 0; i < g.n; i++ {
		copy(gx[i*inner+l0:i*inner+l1], gxe[(g.p+i)*w:(g.p+i+1)*w])
	}
	for _, t := range fold {
		dst, src, wt := gx[t.idx*inner+l0:t.idx*inner+l1], gxe[t.q*w:(t.q+1)*w], T(t.w)
		for l := range dst {
			dst[l] += wt * src[l]
		}
	}
}

// synthesisAdjointSlab computes (ga, gd) = Sᵀ gout along the rows of a slab (g.out rows of gout, g.n
// rows of ga and gd, which must be zero on entry, inner lanes) for lanes [l0, l1).
func synthesisAdjointSlab[T Float](ws *workspace[T], g synthesisGeom, fl *filters[T], gout []T, inner int, ga, gd []T, l0, l1 int) {
	f, n := g.f, g.n
	offs := growInts(&ws.offs, f)
	rows := g.out
	count, acc := n, false
	if g.mode == ModePeriodization {
		rows, count, acc = 2*n, n+g.h-1, true
	}
	for i := 0; i < count; i++ {
		// Output i correlates the synthesis filters with gradient rows 2i+r-(F-2), r in [0, F); rows
		// outside [0, rows) are zero. Periodization undoes the output rotation and folds i mod n.
		r0, r1 := max(0, f-2-2*i), min(f, rows+f-2-2*i)
		if r0 >= r1 {
			continue
		}
		for r := r0; r < r1; r++ {
			q := 2*i + r - (f - 2)
			if g.mode == ModePeriodization {
				q = (q + g.shift) % rows
			}
			offs[r] = q*inner + l0
		}
		j := i
		if g.mode == ModePeriodization {
			j = mod(i-g.p, n)
		}
		dot2(gout, offs[r0:r1], subTaps(fl.recLo, r0, r1), subTaps(fl.recHi, r0, r1),
			ga[j*inner+l0:j*inner+l1], gd[j*inner+l0:j*inner+l1], acc)
	}
}

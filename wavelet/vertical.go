package wavelet

// Transforms along a strided axis ("vertical"): for an axis with `inner` > 1 later elements, each index
// of the earlier axes owns a slab of n rows by inner lanes, and output row o is a linear combination
// of whole input rows. dot2 then runs with the lanes as its vector dimension, reading the rows in
// place: nothing is gathered or transposed, and every lane still sums its taps in PyWavelets' order.
// Rows near the edges come from extension rows computed with the same arithmetic as the 1-D extension.

// laneChunk bounds the lanes handled per work item, so the rows a window touches stay in cache.
const laneChunk = 512

// extendRows writes extension rows of a slab: dst row t-1 (of width w) is x̃[-t] (left) or x̃[n-1+t]
// (right), lane by lane, with the arithmetic of extendLeft/extendRight. row(i) returns lanes of row i.
func extendRows[T Float](ws *workspace[T], dst []T, w int, row func(int) []T, n int, m Mode, left bool) {
	cnt := len(dst) / w
	if cnt == 0 {
		return
	}
	at := func(t int) []T { return dst[(t-1)*w : t*w] }
	if m == ModeSmooth && n < 2 {
		m = ModeConstant
	}
	switch m {
	case ModeZero:
		clear(dst)
	case ModeSmooth:
		x0, x1 := row(0), row(1)
		if !left {
			x0, x1 = row(n-1), row(n-2)
		}
		for t := 1; t <= cnt; t++ {
			d := at(t)
			for l := range d {
				d[l] = x0[l] + T(t)*(x0[l]-x1[l])
			}
		}
	case ModeAntireflect:
		first, last := 0, n-1
		if !left {
			first, last = n-1, 0
		}
		idx := func(k int) int { // x[k] seen from the current edge
			if left {
				return k
			}
			return n - 1 - k
		}
		edge := row(first)
		t := 0
		for t < cnt {
			for k := 1; k < n && t < cnt; k++ {
				xk, x0, d := row(idx(k)), row(first), at(t+1)
				for l := range d {
					d[l] = edge[l] - (xk[l] - x0[l])
				}
				t++
			}
			edge = at(t)
			for k := 1; k < n && t < cnt; k++ {
				xk, xl, d := row(idx(n-1-k)), row(last), at(t+1)
				for l := range d {
					d[l] = edge[l] + (xk[l] - xl[l])
				}
				t++
			}
			edge = at(t)
		}
	default: // every other mode repeats or negates one sample
		for t := 1; t <= cnt; t++ {
			pos := -t
			if !left {
				pos = n - 1 + t
			}
			ws.terms = extTerms(pos, n, m, ws.terms)
			tm := ws.terms[0]
			src, d := row(tm.idx), at(t)
			if tm.w == 1 {
				copy(d, src)
			} else {
				for l := range d {
					d[l] = -src[l]
				}
			}
		}
	}
}

// dot2Ordered is dot2 with the taps summed in PyWavelets' boundary order, k = kn … nk-1 ascending and
// then kn-1 … 0 descending: it permutes the taps so that dot2's descending sweep visits them in that
// order, keeping the SIMD kernel.
func dot2Ordered[T Float](ws *workspace[T], base []T, offs []int, a, d taps[T], outA, outD []T, kn int, acc bool) {
	nk := len(offs)
	if kn >= nk {
		dot2(base, offs, a, d, outA, outD, acc)
		return
	}
	po := growInts(&ws.permOffs, nk)
	pa, pd := grow(&ws.perm[0], nk), grow(&ws.perm[1], nk)
	pa2, pd2 := grow(&ws.perm[2], 2*nk), grow(&ws.perm[3], 2*nk)
	s := 0
	put := func(k int) { // s-th tap in summation order goes to index nk-1-s
		i := nk - 1 - s
		po[i], pa[i], pd[i] = offs[k], a.f[k], d.f[k]
		pa2[2*i], pa2[2*i+1], pd2[2*i], pd2[2*i+1] = a.f[k], a.f[k], d.f[k], d.f[k]
		s++
	}
	for k := kn; k < nk; k++ {
		put(k)
	}
	for k := kn - 1; k >= 0; k-- {
		put(k)
	}
	dot2(base, po, taps[T]{f: pa, f2: pa2}, taps[T]{f: pd, f2: pd2}, outA, outD, acc)
}

// analyzeSlab computes one DWT level along the rows of a slab (n rows × inner lanes) for lanes
// [l0, l1), writing g.count rows of outA and outD.
func analyzeSlab[T Float](ws *workspace[T], g analysisGeom, fl *filters[T], src []T, inner int, outA, outD []T, l0, l1 int) {
	w := l1 - l0
	f, p, n := g.f, g.p, g.n
	row := func(i int) []T { return src[i*inner+l0 : i*inner+l1] }
	oL, oR := interior(g.count, 2, f, p, n)
	offs := growInts(&ws.offs, f)
	for o := oL; o < oR; o++ {
		for k := range offs {
			offs[k] = (2*o-p+k)*inner + l0
		}
		dot2(src, offs, fl.anaLo, fl.anaHi, outA[o*inner+l0:o*inner+l1], outD[o*inner+l0:o*inner+l1], false)
	}
	if oL == 0 && oR == g.count {
		return
	}
	left, right := grow(&ws.left, p*w), grow(&ws.right, g.r*w)
	extendRows(ws, left, w, row, n, g.mode, true)
	extendRows(ws, right, w, row, n, g.mode, false)
	split := rightFirst(g.mode)
	boundary := func(q0, o0, o1 int) {
		rows := 2*(o1-1-o0) + f
		buf := grow(&ws.bufA, rows*w)
		for i := 0; i < rows; i++ {
			q, d := q0+i, buf[i*w:(i+1)*w]
			switch {
			case q < p:
				copy(d, left[(p-1-q)*w:(p-q)*w])
			case q < p+n:
				copy(d, row(q-p))
			default:
				copy(d, right[(q-p-n)*w:(q-p-n+1)*w])
			}
		}
		e := p + n - q0
		for o := o0; o < o1; o++ {
			i := o - o0
			for k := range offs {
				offs[k] = (2*i + k) * w
			}
			ra, rd := outA[o*inner+l0:o*inner+l1], outD[o*inner+l0:o*inner+l1]
			kn := f
			if split {
				kn = min(max(e-2*i, 0), f)
			}
			dot2Ordered(ws, buf, offs, fl.anaLo, fl.anaHi, ra, rd, kn, false)
		}
	}
	if oL > 0 {
		boundary(0, 0, oL)
	}
	if g.count > oR {
		boundary(2*oR, oR, g.count)
	}
}

// synthesizeSlab computes one IDWT level along the rows of slabs a and d (n rows × inner lanes; either
// may be nil) for lanes [l0, l1), writing g.out rows of out.
func synthesizeSlab[T Float](ws *workspace[T], g synthesisGeom, st *synthesisTaps[T], a, d []T, inner int, out []T, l0, l1 int) {
	w := l1 - l0
	h, n := g.h, g.n
	rowOut := func(r int) []T { return out[r*inner+l0 : r*inner+l1] }
	offs := growInts(&ws.offs, h)
	if g.mode != ModePeriodization {
		tmp := grow(&ws.ph, 2*w)
		te, to := tmp[:w], tmp[w:]
		for m := 0; m < g.out/2; m++ {
			for k := range offs {
				offs[k] = (m+k)*inner + l0
			}
			re, ro := rowOut(2*m), rowOut(2*m+1)
			switch {
			case a != nil && d != nil:
				dot2(a, offs, st.loE, st.loO, re, ro, false)
				dot2(d, offs, st.hiE, st.hiO, te, to, false)
				for l := range re {
					re[l] += te[l]
					ro[l] += to[l]
				}
			case a != nil:
				dot2(a, offs, st.loE, st.loO, re, ro, false)
			default:
				dot2(d, offs, st.hiE, st.hiO, re, ro, false)
			}
		}
		return
	}
	// Periodization: pair m reads rows (m-p+k) mod n; taps past the right end (m+k >= p+n) come first.
	for m := 0; m < n; m++ {
		for k := range offs {
			offs[k] = mod(m+k-g.p, n)*inner + l0
		}
		re, ro := rowOut((2*m+g.shift)%(2*n)), rowOut((2*m+1+g.shift)%(2*n))
		kn := min(max(g.p+n-m, 0), h)
		started := false
		for _, band := range []struct {
			x      []T
			lo, hi taps[T]
		}{{a, st.loE, st.loO}, {d, st.hiE, st.hiO}} {
			if band.x == nil {
				continue
			}
			dot2Ordered(ws, band.x, offs, band.lo, band.hi, re, ro, kn, started)
			started = true
		}
	}
}

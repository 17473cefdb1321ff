package wavelet

import "slices"

// Adjoints (transposes) of the single-level transforms, for gradients. Every mode extends the signal
// linearly, x̃ = E x, so the DWT is W = D·C·E (extension, correlation with the analysis filters,
// decimation) and its adjoint is Eᵀ·Cᵀ·Dᵀ: upsample the coefficient gradients, convolve with the
// reversed analysis filters (the same "valid" synthesis kernel as the IDWT, on zero-padded input), and
// fold the gradient of every extended sample back onto the samples it was built from (extTerms). The
// IDWT is a valid convolution with no extension, so its adjoint is a decimated correlation with the
// synthesis filters of the zero-padded gradient, followed, in periodization mode, by a periodic fold.
// Only for orthogonal wavelets in periodization mode does the adjoint coincide with the inverse.

// foldTerm scatters the gradient of extended position q onto signal sample idx with weight w.
type foldTerm struct {
	q, idx int
	w      float64
}

// foldTerms lists, for one analysis geometry, how every extended position outside the signal is
// built from signal samples (extTerms), so that rows can fold their gradients without recomputing it.
func foldTerms(g analysisGeom) []foldTerm {
	var out []foldTerm
	var buf []term
	total := 2*(g.count-1) + g.f
	for q := 0; q < total; q++ {
		pos := q - g.p
		if pos >= 0 && pos < g.n {
			continue
		}
		buf = extTerms(pos, g.n, g.mode, buf)
		for _, t := range buf {
			out = append(out, foldTerm{q: q, idx: t.idx, w: t.w})
		}
	}
	return out
}

// analysisAdjointRow computes gx = Wᵀ(gA, gD) for one row of n samples: gxe = Cᵀ·Dᵀ(gA, gD) over the
// extended positions (pairs whose window lies inside the coefficients read them in place, the others
// read a zero-padded copy), then gx = Eᵀ·gxe.
func analysisAdjointRow[T Float](ws *workspace[T], g analysisGeom, af *synthesisTaps[T], fold []foldTerm, gA, gD, gx []T) {
	h := g.f / 2
	total := 2*(g.count-1) + g.f // = p + n + r
	gxe := grow(&ws.tmp, total)
	zl, zr := grow(&ws.left, h-1), grow(&ws.right, h-1)
	clear(zl)
	clear(zr)
	sa := extSignal[T]{x: gA, left: zl, right: zr, p: h - 1}
	sd := extSignal[T]{x: gD, left: zl, right: zr, p: h - 1}
	np := total / 2
	mL, mR := interior(np, 1, h, h-1, g.count)
	seg := func(m0, m1 int) {
		ba, bd := grow(&ws.bufA, m1-1-m0+h), grow(&ws.bufB, m1-1-m0+h)
		sa.copyTo(ba, m0)
		sd.copyTo(bd, m0)
		synthesisInterior(ws, ba, bd, af, gxe[2*m0:2*m1], false)
	}
	if mL > 0 {
		seg(0, mL)
	}
	if mR > mL {
		synthesisInterior(ws, gA[mL-(h-1):], gD[mL-(h-1):], af, gxe[2*mL:2*mR], false)
	}
	if np > mR {
		seg(mR, np)
	}
	copy(gx, gxe[g.p:g.p+g.n])
	for _, t := range fold {
		gx[t.idx] += T(t.w) * gxe[t.q]
	}
}

// synthesisAdjointRow computes (ga, gd) = Sᵀ gout for one row, where S is the single-level IDWT from
// g.n coefficients per band.
func synthesisAdjointRow[T Float](ws *workspace[T], g synthesisGeom, fl *filters[T], gout, ga, gd []T) {
	pad := g.f - 2
	zl, zr := grow(&ws.left, pad), grow(&ws.right, pad)
	clear(zl)
	clear(zr)
	if g.mode != ModePeriodization {
		sig := extSignal[T]{x: gout, left: zl, right: zr, p: pad}
		runAnalysis(ws, &sig, g.n, g.f, fl.recLo, fl.recHi, ga, gd, false)
		return
	}
	// Undo the output rotation, correlate, then fold the extended coefficient positions mod n.
	n2 := 2 * g.n
	rot := grow(&ws.tmp, n2)
	for j := range rot {
		rot[j] = gout[(j+g.shift)%n2]
	}
	count := g.n + g.h - 1
	ea, ed := grow(&ws.left2, count), grow(&ws.right2, count)
	sig := extSignal[T]{x: rot, left: zl, right: zr, p: pad}
	runAnalysis(ws, &sig, count, g.f, fl.recLo, fl.recHi, ea, ed, false)
	clear(ga)
	clear(gd)
	for i := 0; i < count; i++ {
		j := mod(i-g.p, g.n)
		ga[j] += ea[i]
		gd[j] += ed[i]
	}
}

// dwtAxisAdjoint is the adjoint of dwtAxis: coefficient gradients (extent count along axis) to the
// signal gradient (extent n).
func dwtAxisAdjoint[T Float](gA, gD *Array[T], n int, fl *filters[T], m Mode, axis int, cfg config) *Array[T] {
	outer, count, inner := splitAxis(gA.Shape, axis)
	g := newAnalysisGeom(n, fl.f, m)
	if g.count != count {
		panic("wavelet: dwtAxisAdjoint: inconsistent lengths")
	}
	af, fold := &fl.adj, foldTerms(g)
	out := newLike[T](gA.Shape, axis, n)
	if inner > 1 {
		parallelFor(axisItems(gA.Shape, axis), cfg.workers, len(out.Data)*2*fl.f, newWorkspace[T], func(ws *workspace[T], lo, hi int) {
			for _, it := range slabItems(inner, lo, hi) {
				analysisAdjointSlab(ws, g, af, fold, gA.Data[it.s*count*inner:(it.s+1)*count*inner],
					gD.Data[it.s*count*inner:(it.s+1)*count*inner], inner, out.Data[it.s*n*inner:(it.s+1)*n*inner], it.l0, it.l1)
			}
		})
		return out
	}
	applyAxis(cfg, outer, inner, count, n, [][]T{gA.Data, gD.Data}, [][]T{out.Data}, 2*count*fl.f,
		func(ws *workspace[T], in, o [][]T) {
			analysisAdjointRow(ws, g, af, fold, in[0], in[1], o[0])
		})
	return out
}

// idwtAxisAdjoint is the adjoint of idwtAxis: the output gradient (extent idwtLen(n)) to the
// coefficient gradients (extent n).
func idwtAxisAdjoint[T Float](gOut *Array[T], n int, fl *filters[T], m Mode, axis int, cfg config) (ga, gd *Array[T]) {
	outer, nOut, inner := splitAxis(gOut.Shape, axis)
	g := newSynthesisGeom(n, fl.f, m)
	if g.out != nOut {
		panic("wavelet: idwtAxisAdjoint: inconsistent lengths")
	}
	ga, gd = newLike[T](gOut.Shape, axis, n), newLike[T](gOut.Shape, axis, n)
	if inner > 1 {
		parallelFor(axisItems(gOut.Shape, axis), cfg.workers, len(gOut.Data)*fl.f, newWorkspace[T], func(ws *workspace[T], lo, hi int) {
			for _, it := range slabItems(inner, lo, hi) {
				synthesisAdjointSlab(ws, g, fl, gOut.Data[it.s*nOut*inner:(it.s+1)*nOut*inner], inner,
					ga.Data[it.s*n*inner:(it.s+1)*n*inner], gd.Data[it.s*n*inner:(it.s+1)*n*inner], it.l0, it.l1)
			}
		})
		return ga, gd
	}
	applyAxis(cfg, outer, inner, nOut, n, [][]T{gOut.Data}, [][]T{ga.Data, gd.Data}, 2*n*fl.f,
		func(ws *workspace[T], in, o [][]T) {
			synthesisAdjointRow(ws, g, fl, in[0], o[0], o[1])
		})
	return ga, gd
}

// dwtnAdjoint is the adjoint of dwtn: band gradients (all 2^k keys) to the gradient of an input of
// the given shape. It mirrors idwtn, undoing the axes from last to first.
func dwtnAdjoint[T Float](bands map[string]*Array[T], shape []int, fl *filters[T], m Mode, axes []int, cfg config) *Array[T] {
	c := bands
	for i := len(axes) - 1; i >= 0; i-- {
		next := make(map[string]*Array[T], len(c)/2)
		for _, key := range bandKeys(i) {
			next[key] = dwtAxisAdjoint(c[key+"a"], c[key+"d"], shape[axes[i]], fl, m, axes[i], cfg)
		}
		c = next
	}
	return c[""]
}

// idwtnAdjoint is the adjoint of idwtn for bands of shape bandShape: it mirrors dwtn.
func idwtnAdjoint[T Float](g *Array[T], bandShape []int, fl *filters[T], m Mode, axes []int, cfg config) map[string]*Array[T] {
	out, _ := splitAxes(g, axes, func(a *Array[T], ax int) (*Array[T], *Array[T], error) {
		ga, gd := idwtAxisAdjoint(a, bandShape[ax], fl, m, ax, cfg)
		return ga, gd, nil
	})
	return out
}

// zeroPad returns a zero array of the given shape with a copied into its leading block (the adjoint
// of crop).
func zeroPad[T Float](a *Array[T], shape []int) *Array[T] {
	if slices.Equal(a.Shape, shape) {
		return a
	}
	out := Zeros[T](shape...)
	copyBlock(a.Data, a.Shape, out.Data, out.Shape, make([]int, len(shape)), true)
	return out
}

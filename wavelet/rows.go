package wavelet

// Row transforms along the last (contiguous) axis: one row in, coefficient rows out. Outputs whose
// filter window lies inside the signal go through dot2 in cache-sized polyphase blocks; only the few
// outputs near the edges read a small buffer assembled from the signal and its extension.

// workspace is per-goroutine scratch memory, grown on demand and reused across rows.
type workspace[T Float] struct {
	left, right, left2, right2 []T // extensions of the first and second input row
	bufA, bufB, tmp            []T // boundary windows and row-sized temporaries
	ph                         []T // polyphase blocks and dot2 temporaries
	zero                       []T
	offs, permOffs             []int
	par                        int    // goroutines a long 1-D row may use (top-level 1-D calls only)
	perm                       [4][]T // permuted taps (see dot2Ordered)
	gin, gout                  [][]T  // gathered tiles of the axis engine
	terms                      []term
	last                       []T
}

func grow[T Float](b *[]T, n int) []T {
	if cap(*b) < n {
		*b = make([]T, n)
	}
	return (*b)[:n]
}

// zeros returns n zeros (a stand-in for an absent coefficient band).
func (ws *workspace[T]) zeros(n int) []T {
	if cap(ws.zero) < n {
		ws.zero = make([]T, n)
	}
	return ws.zero[:n]
}

// extSignal is a virtually extended row: position q is left[p-1-q] for q < p, x[q-p] for
// p <= q < p+len(x), and right[q-p-len(x)] beyond.
type extSignal[T Float] struct {
	x, left, right []T
	p              int
}

// copyTo writes positions [q0, q0+len(dst)) into dst.
func (e *extSignal[T]) copyTo(dst []T, q0 int) {
	n := len(e.x)
	i := 0
	for ; i < len(dst) && q0+i < e.p; i++ {
		dst[i] = e.left[e.p-1-q0-i]
	}
	if i < len(dst) && q0+i < e.p+n {
		c := copy(dst[i:], e.x[q0+i-e.p:])
		i += c
	}
	if i < len(dst) {
		copy(dst[i:], e.right[q0+i-e.p-n:])
	}
}

// interior returns the range [oL, oR) of outputs whose window [stride·o, stride·o+span) lies inside
// [p, p+n), i.e. needs no extended sample.
func interior(count, stride, span, p, n int) (oL, oR int) {
	oL = min((p+stride-1)/stride, count)
	if p+n-span < 0 {
		return oL, oL
	}
	oR = min((p+n-span)/stride+1, count)
	if oR < oL {
		oR = oL
	}
	return oL, oR
}

// analysisGeom is the geometry of a single-level DWT of n samples: p extended samples before the
// signal, r after, count outputs; output o reads positions [2o, 2o+F).
type analysisGeom struct {
	n, f, p, r, count int
	mode              Mode
}

func newAnalysisGeom(n, f int, m Mode) analysisGeom {
	g := analysisGeom{n: n, f: f, mode: m, count: dwtLen(n, f, m)}
	if m == ModePeriodization {
		// PyWavelets starts at i = F/2 on the (odd-padded) periodic signal: x̃[F/2+2o-j].
		g.p = f/2 - 1
	} else {
		// x̃[2o+1-j]: the first window starts F-2 samples before x[0].
		g.p = f - 2
	}
	g.r = 2*(g.count-1) + f - g.p - n
	return g
}

// rightFirst reports whether PyWavelets sums the right-extension taps first (see analysisKernelSplit).
func rightFirst(m Mode) bool {
	switch m {
	case ModeSymmetric, ModeReflect, ModePeriodic, ModeAntisymmetric, ModeAntireflect, ModePeriodization:
		return true
	}
	return false
}

// analyzeRow computes one level of the DWT of x into outA, outD (length g.count) with taps fa, fd in
// analysisKernel order (reversed analysis filters).
func analyzeRow[T Float](ws *workspace[T], g analysisGeom, x []T, fa, fd taps[T], outA, outD []T) {
	sig := extSignal[T]{x: x, left: grow(&ws.left, g.p), right: grow(&ws.right, g.r), p: g.p}
	extendLeft(sig.left, x, g.mode)
	extendRight(sig.right, x, g.mode)
	runAnalysis(ws, &sig, g.count, g.f, fa, fd, outA, outD, rightFirst(g.mode))
}

// runAnalysis evaluates the decimated correlation over an extended signal: boundary outputs from small
// assembled windows (in PyWavelets' order when split), interior outputs straight from the row.
func runAnalysis[T Float](ws *workspace[T], sig *extSignal[T], count, f int, fa, fd taps[T], outA, outD []T, split bool) {
	n := len(sig.x)
	oL, oR := interior(count, 2, f, sig.p, n)
	boundary := func(q0, o0, o1 int) {
		span := 2*(o1-1-o0) + f
		buf := grow(&ws.bufA, span)
		sig.copyTo(buf, q0)
		if split && sig.p+n-q0 < span {
			analysisKernelSplit(buf, fa.f, fd.f, outA[o0:o1], outD[o0:o1], sig.p+n-q0)
		} else {
			analysisInterior(ws, buf, fa, fd, outA[o0:o1], outD[o0:o1]) // no window reaches the right end
		}
	}
	if oL > 0 {
		boundary(0, 0, oL)
	}
	if oR > oL {
		analysisInterior(ws, sig.x[2*oL-sig.p:], fa, fd, outA[oL:oR], outD[oL:oR])
	}
	if count > oR {
		boundary(2*oR, oR, count)
	}
}

// chunk is the number of outputs per polyphase block: small enough for the block to stay in L1.
const chunk = 256

// analysisInterior computes outA[j] = Σ_k fa[k]·x[2j+k] for windows inside x. The window is split into
// its even and odd samples (polyphase), which turns consecutive outputs into consecutive lanes of dot2.
func analysisInterior[T Float](ws *workspace[T], x []T, fa, fd taps[T], outA, outD []T) {
	n := len(outA)
	if ws.par > 1 && n >= minSplit {
		parallelFor((n+chunk-1)/chunk, ws.par, n*2*len(fa.f), newWorkspace[T], func(w *workspace[T], lo, hi int) {
			for b := lo; b < hi; b++ {
				analysisBlock(w, x, fa, fd, outA, outD, b*chunk)
			}
		})
		return
	}
	for j0 := 0; j0 < n; j0 += chunk {
		analysisBlock(ws, x, fa, fd, outA, outD, j0)
	}
}

// minSplit is the number of outputs of one row above which a top-level 1-D transform (ws.par > 1)
// spreads the row's blocks over goroutines.
const minSplit = 1 << 15

// analysisBlock computes outputs [j0, j0+chunk) of analysisInterior.
func analysisBlock[T Float](ws *workspace[T], x []T, fa, fd taps[T], outA, outD []T, j0 int) {
	f := len(fa.f)
	h := f / 2
	c := min(chunk, len(outA)-j0)
	m := c + h - 1
	ph := grow(&ws.ph, 2*m)
	src := x[2*j0 : 2*j0+2*m]
	ev, od := ph[:m], ph[m:]
	for i := range ev {
		ev[i], od[i] = src[2*i], src[2*i+1]
	}
	offs := growInts(&ws.offs, f)
	for k := range offs {
		offs[k] = k / 2
		if k%2 == 1 {
			offs[k] += m
		}
	}
	dot2(ph, offs, fa, fd, outA[j0:j0+c], outD[j0:j0+c], false)
}

func growInts(b *[]int, n int) []int {
	if cap(*b) < n {
		*b = make([]int, n)
	}
	return (*b)[:n]
}

// synthesisGeom is the geometry of a single-level IDWT from n coefficients per band.
type synthesisGeom struct {
	n, f, h, out int
	mode         Mode
	p, r         int // periodization: periodic extension of the coefficients
	shift        int // periodization: output rotation (1 when F/2 is even)
}

func newSynthesisGeom(n, f int, m Mode) synthesisGeom {
	g := synthesisGeom{n: n, f: f, h: f / 2, mode: m, out: idwtLen(n, f, m)}
	if m == ModePeriodization {
		// upsampling_convolution_valid_sf_periodization: output pair m reads c[(F/4+m-j) mod n];
		// for even F/2 the output is rotated one sample to the right.
		g.p = g.h - f/4 - 1
		g.r = g.h - 1 - g.p
		if g.h%2 == 0 {
			g.shift = 1
		}
	}
	return g
}

// synthesisTaps are the reversed even/odd halves of the synthesis filters.
type synthesisTaps[T Float] struct {
	loE, loO, hiE, hiO taps[T]
}

// synthesisInterior computes output pairs from windows a[m:m+h], d[m:m+h] inside the bands:
// out[2m+p] = Σ_k loP[k]·a[m+k] + Σ_k hiP[k]·d[m+k]. With chain the detail taps continue the
// approximation's running sums (periodization); otherwise the two sums are added (other modes).
func synthesisInterior[T Float](ws *workspace[T], a, d []T, st *synthesisTaps[T], out []T, chain bool) {
	np := len(out) / 2
	if ws.par > 1 && np >= minSplit {
		parallelFor((np+chunk-1)/chunk, ws.par, np*4*len(st.loE.f), newWorkspace[T], func(w *workspace[T], lo, hi int) {
			for b := lo; b < hi; b++ {
				synthesisBlock(w, a, d, st, out, chain, b*chunk)
			}
		})
		return
	}
	for j0 := 0; j0 < np; j0 += chunk {
		synthesisBlock(ws, a, d, st, out, chain, j0)
	}
}

// synthesisBlock computes output pairs [j0, j0+chunk) of synthesisInterior.
func synthesisBlock[T Float](ws *workspace[T], a, d []T, st *synthesisTaps[T], out []T, chain bool, j0 int) {
	h := len(st.loE.f)
	offs := growInts(&ws.offs, h)
	for k := range offs {
		offs[k] = k
	}
	c := min(chunk, len(out)/2-j0)
	tmp := grow(&ws.ph, 4*c)
	se, so, de, do := tmp[:c], tmp[c:2*c], tmp[2*c:3*c], tmp[3*c:]
	dot2(a[j0:j0+c+h-1], offs, st.loE, st.loO, se, so, false)
	o := out[2*j0 : 2*(j0+c)]
	if chain {
		dot2(d[j0:j0+c+h-1], offs, st.hiE, st.hiO, se, so, true)
		for j := range se {
			o[2*j], o[2*j+1] = se[j], so[j]
		}
		return
	}
	dot2(d[j0:j0+c+h-1], offs, st.hiE, st.hiO, de, do, false)
	for j := range se {
		o[2*j], o[2*j+1] = se[j]+de[j], so[j]+do[j]
	}
}

// synthesizeRow computes one level of the IDWT of (a, d) into out (length g.out).
func synthesizeRow[T Float](ws *workspace[T], g synthesisGeom, a, d []T, st *synthesisTaps[T], out []T) {
	if g.mode != ModePeriodization {
		synthesisInterior(ws, a, d, st, out, false)
		return
	}
	sa := extSignal[T]{x: a, left: grow(&ws.left, g.p), right: grow(&ws.right, g.r), p: g.p}
	extendLeft(sa.left, a, ModePeriodic)
	extendRight(sa.right, a, ModePeriodic)
	sd := extSignal[T]{x: d, left: grow(&ws.left2, g.p), right: grow(&ws.right2, g.r), p: g.p}
	extendLeft(sd.left, d, ModePeriodic)
	extendRight(sd.right, d, ModePeriodic)

	// Pairs [m0, m1) of the unrotated output, written at out[2m+shift] (mod 2n); e is the position of
	// the right end of the coefficients in the window buffer's coordinates.
	pairs := func(xa, xd []T, m0, m1, e int, inside bool) {
		kern := func(xa, xd, o []T, e int) {
			if inside {
				synthesisInterior(ws, xa, xd, st, o, true)
			} else {
				synthesisKernelChain(xa, xd, st.loE.f, st.loO.f, st.hiE.f, st.hiO.f, o, e)
			}
		}
		if g.shift == 0 || m1 < g.n {
			kern(xa, xd, out[2*m0+g.shift:2*m1+g.shift], e)
			return
		}
		if m1-1 > m0 {
			kern(xa, xd, out[2*m0+1:2*(m1-1)+1], e)
		}
		last := grow(&ws.last, 2)
		k := m1 - 1 - m0
		kern(xa[k:], xd[k:], last, e-k)
		out[2*g.n-1], out[0] = last[0], last[1]
	}
	h := g.h
	oL, oR := interior(g.n, 1, h, g.p, g.n)
	if oL > 0 {
		ba, bd := grow(&ws.bufA, oL-1+h), grow(&ws.bufB, oL-1+h)
		sa.copyTo(ba, 0)
		sd.copyTo(bd, 0)
		pairs(ba, bd, 0, oL, g.p+g.n, false)
	}
	if oR > oL {
		pairs(a[oL-g.p:], d[oL-g.p:], oL, oR, g.n+g.p-oL, true)
	}
	if g.n > oR {
		ba, bd := grow(&ws.bufA, g.n-1-oR+h), grow(&ws.bufB, g.n-1-oR+h)
		sa.copyTo(ba, oR)
		sd.copyTo(bd, oR)
		pairs(ba, bd, oR, g.n, g.p+g.n-oR, false)
	}
}

// swtRow computes one SWT level (filters dilated by s = 2^(level-1)) of an even-length row with
// periodic extension: out[o] = Σ_i F[i]·x[(o + F·s/2 - i·s) mod n].
func swtRow[T Float](ws *workspace[T], x []T, s int, fa, fd taps[T], outA, outD []T) {
	n := len(x)
	f := len(fa.f)
	p := s * (f/2 - 1)
	r := (f-1)*s - p
	sig := extSignal[T]{x: x, left: grow(&ws.left, p), right: grow(&ws.right, r), p: p}
	extendLeft(sig.left, x, ModePeriodic)
	extendRight(sig.right, x, ModePeriodic)
	span := (f-1)*s + 1
	oL, oR := interior(n, 1, span, p, n)
	if oL > 0 {
		buf := grow(&ws.bufA, oL-1+span)
		sig.copyTo(buf, 0)
		swtKernelSplit(buf, s, fa.f, fd.f, outA[:oL], outD[:oL], p+n)
	}
	if oR > oL {
		offs := growInts(&ws.offs, f)
		for k := range offs {
			offs[k] = k * s
		}
		dot2(x[oL-p:], offs, fa, fd, outA[oL:oR], outD[oL:oR], false)
	}
	if n > oR {
		buf := grow(&ws.bufA, n-1-oR+span)
		sig.copyTo(buf, oR)
		swtKernelSplit(buf, s, fa.f, fd.f, outA[oR:], outD[oR:], p+n-oR)
	}
}

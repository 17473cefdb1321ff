package wavelet

import "slices"

// Transforms along one axis of row-major arrays, for every combination of the other indices, in
// parallel. The DWT and IDWT read rows along the last axis in place (rows.go) and rows along other
// axes as slabs of lanes (vertical.go). applyAxis is the general engine used by the SWT and the
// adjoints: rows along a strided axis (stride `inner`, the product of the later extents) are
// processed in tiles of up to tileLanes neighbouring rows, gathered into contiguous buffers,
// transformed, and scattered back.

const tileLanes = 16

type axisState[T Float] struct {
	ws      *workspace[T]
	in, out [][]T
}

// rowFunc transforms one row: in[i] has the input extent (nil for an absent band), out[j] the output
// extent.
type rowFunc[T Float] func(ws *workspace[T], in, out [][]T)

// applyAxis runs row over all rows of the arrays ins (extent nIn along the axis) into outs (extent
// nOut). outer and inner are the products of the extents before and after the axis; costPerRow is the
// approximate number of multiply-adds per row, used to decide whether to use goroutines.
func applyAxis[T Float](cfg config, outer, inner, nIn, nOut int, ins, outs [][]T, costPerRow int, row rowFunc[T]) {
	newState := func() *axisState[T] {
		return &axisState[T]{
			ws:  &workspace[T]{gin: make([][]T, len(ins)), gout: make([][]T, len(outs))},
			in:  make([][]T, len(ins)),
			out: make([][]T, len(outs)),
		}
	}
	work := outer * inner * max(costPerRow, 1)
	if inner == 1 {
		parallelFor(outer, cfg.workers, work, newState, func(st *axisState[T], lo, hi int) {
			for o := lo; o < hi; o++ {
				for i, src := range ins {
					st.in[i] = nil
					if src != nil {
						st.in[i] = src[o*nIn : (o+1)*nIn]
					}
				}
				for j, dst := range outs {
					st.out[j] = dst[o*nOut : (o+1)*nOut]
				}
				row(st.ws, st.in, st.out)
			}
		})
		return
	}
	blocks := (inner + tileLanes - 1) / tileLanes
	parallelFor(outer*blocks, cfg.workers, work, newState, func(st *axisState[T], lo, hi int) {
		ws := st.ws
		for it := lo; it < hi; it++ {
			o, b := it/blocks, it%blocks
			k0 := b * tileLanes
			bw := min(tileLanes, inner-k0)
			for i, src := range ins {
				if src == nil {
					continue
				}
				buf := grow(&ws.gin[i], bw*nIn)
				gatherTile(buf, src[o*nIn*inner+k0:], nIn, inner, bw)
			}
			for j := range outs {
				grow(&ws.gout[j], bw*nOut)
			}
			for l := 0; l < bw; l++ {
				for i, src := range ins {
					st.in[i] = nil
					if src != nil {
						st.in[i] = ws.gin[i][l*nIn : (l+1)*nIn]
					}
				}
				for j := range outs {
					st.out[j] = ws.gout[j][l*nOut : (l+1)*nOut]
				}
				row(ws, st.in, st.out)
			}
			for j, dst := range outs {
				scatterTile(dst[o*nOut*inner+k0:], ws.gout[j], nOut, inner, bw)
			}
		}
	})
}

// gatherTile copies bw lanes of an n-row column block (row stride `stride`) into buf, lane-major.
func gatherTile[T Float](buf, src []T, n, stride, bw int) {
	for t := 0; t < n; t++ {
		s := src[t*stride : t*stride+bw]
		for l, v := range s {
			buf[l*n+t] = v
		}
	}
}

// scatterTile is the inverse of gatherTile.
func scatterTile[T Float](dst, buf []T, n, stride, bw int) {
	for t := 0; t < n; t++ {
		d := dst[t*stride : t*stride+bw]
		for l := range d {
			d[l] = buf[l*n+t]
		}
	}
}

// newLike returns a new array with x's shape except extent n along axis.
func newLike[T Float](shape []int, axis, n int) *Array[T] {
	s := append([]int(nil), shape...)
	s[axis] = n
	size := 1
	for _, v := range s {
		size *= v
	}
	return &Array[T]{Shape: s, Data: make([]T, size)}
}

// axisItems is the number of independent work items of a transform along axis: rows when the axis is
// the last one, else (slab, lane chunk) pairs.
func axisItems(shape []int, axis int) int {
	outer, _, inner := splitAxis(shape, axis)
	if inner == 1 {
		return outer
	}
	return outer * ((inner + laneChunk - 1) / laneChunk)
}

// slabItem is one (slab, lane chunk) work item of a transform along a strided axis.
type slabItem struct{ s, l0, l1 int }

// slabItems expands work items [lo, hi) along a strided axis with `inner` lanes.
func slabItems(inner, lo, hi int) []slabItem {
	chunks := (inner + laneChunk - 1) / laneChunk
	out := make([]slabItem, 0, hi-lo)
	for it := lo; it < hi; it++ {
		s, ch := it/chunks, it%chunks
		out = append(out, slabItem{s, ch * laneChunk, min(inner, (ch+1)*laneChunk)})
	}
	return out
}

// dwtAxisRun computes items [lo, hi) of the DWT along axis of x (of the given shape) into a and d.
func dwtAxisRun[T Float](ws *workspace[T], g analysisGeom, fl *filters[T], x []T, shape []int, axis int, a, d []T, lo, hi int) {
	_, n, inner := splitAxis(shape, axis)
	c := g.count
	if inner == 1 {
		for r := lo; r < hi; r++ {
			analyzeRow(ws, g, x[r*n:(r+1)*n], fl.anaLo, fl.anaHi, a[r*c:(r+1)*c], d[r*c:(r+1)*c])
		}
		return
	}
	chunks := (inner + laneChunk - 1) / laneChunk
	for it := lo; it < hi; it++ {
		s, ch := it/chunks, it%chunks
		l0, l1 := ch*laneChunk, min(inner, (ch+1)*laneChunk)
		analyzeSlab(ws, g, fl, x[s*n*inner:(s+1)*n*inner], inner, a[s*c*inner:(s+1)*c*inner], d[s*c*inner:(s+1)*c*inner], l0, l1)
	}
}

// idwtAxisRun computes items [lo, hi) of the IDWT along axis from bands a and d (of the given shape;
// either may be nil) into out.
func idwtAxisRun[T Float](ws *workspace[T], g synthesisGeom, fl *filters[T], a, d []T, shape []int, axis int, out []T, lo, hi int) {
	_, n, inner := splitAxis(shape, axis)
	no := g.out
	part := func(x []T, i, size int) []T {
		if x == nil {
			return nil
		}
		return x[i*size : (i+1)*size]
	}
	if inner == 1 {
		for r := lo; r < hi; r++ {
			ra, rd := part(a, r, n), part(d, r, n)
			if ra == nil {
				ra = ws.zeros(n)
			}
			if rd == nil {
				rd = ws.zeros(n)
			}
			synthesizeRow(ws, g, ra, rd, &fl.syn, out[r*no:(r+1)*no])
		}
		return
	}
	chunks := (inner + laneChunk - 1) / laneChunk
	for it := lo; it < hi; it++ {
		s, ch := it/chunks, it%chunks
		l0, l1 := ch*laneChunk, min(inner, (ch+1)*laneChunk)
		synthesizeSlab(ws, g, &fl.syn, part(a, s, n*inner), part(d, s, n*inner), inner, out[s*no*inner:(s+1)*no*inner], l0, l1)
	}
}

func newWorkspace[T Float]() *workspace[T] { return &workspace[T]{} }

// dwtAxis is a single-level DWT along one axis (PyWavelets' dwt_axis).
func dwtAxis[T Float](x *Array[T], fl *filters[T], m Mode, axis int, cfg config) (a, d *Array[T], err error) {
	_, n, _ := splitAxis(x.Shape, axis)
	if err := checkSignalLen(n, m); err != nil {
		return nil, nil, err
	}
	g := newAnalysisGeom(n, fl.f, m)
	a, d = newLike[T](x.Shape, axis, g.count), newLike[T](x.Shape, axis, g.count)
	parallelFor(axisItems(x.Shape, axis), cfg.workers, len(a.Data)*2*fl.f, newWorkspace[T],
		func(ws *workspace[T], lo, hi int) {
			dwtAxisRun(ws, g, fl, x.Data, x.Shape, axis, a.Data, d.Data, lo, hi)
		})
	return a, d, nil
}

// idwtAxis is a single-level IDWT along one axis (PyWavelets' idwt_axis); a or d may be nil.
func idwtAxis[T Float](a, d *Array[T], fl *filters[T], m Mode, axis int, cfg config) (*Array[T], error) {
	ref := a
	if ref == nil {
		ref = d
	}
	if ref == nil {
		return nil, ErrNoCoefficients
	}
	if a != nil && d != nil && !slices.Equal(a.Shape, d.Shape) {
		return nil, errShapeMismatch(a.Shape, d.Shape)
	}
	_, n, _ := splitAxis(ref.Shape, axis)
	if err := checkCoeffLen(n, fl.f, m); err != nil {
		return nil, err
	}
	g := newSynthesisGeom(n, fl.f, m)
	out := newLike[T](ref.Shape, axis, g.out)
	var ad, dd []T
	if a != nil {
		ad = a.Data
	}
	if d != nil {
		dd = d.Data
	}
	parallelFor(axisItems(ref.Shape, axis), cfg.workers, len(out.Data)*fl.f, newWorkspace[T],
		func(ws *workspace[T], lo, hi int) {
			idwtAxisRun(ws, g, fl, ad, dd, ref.Shape, axis, out.Data, lo, hi)
		})
	return out, nil
}

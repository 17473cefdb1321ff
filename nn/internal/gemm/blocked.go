package gemm

import (
	"runtime"
	"sync"
)

// microKernel updates an mr x nr tile of C from packed slivers (see kernel_amd64.go).
type microKernel struct {
	name    string
	mr, nr  int
	fn      func(k int, a, b, c *float32, ldc, acc int)
	strided func(k int, a, b, c *float32, ldc, sa, acc int)  // A unpacked and transposed (nil: pack)
	rows    func(k int, a, b, c *float32, ldc, lda, acc int) // A unpacked, row-major (nil: pack)
}

// Blocking of the GotoBLAS/BLIS algorithm (Goto & van de Geijn 2008; Van Zee & van de Geijn 2015): K is cut
// into panels of kc so that a packed B sliver (kc x nr) stays in L1 and a packed A block (mc x kc) in L2.
const (
	kc = 256
	mc = 144 // a multiple of both mr values
)

// scratchPool recycles packing buffers between calls (a cache, not state: any buffer of the right size
// serves any call).
var scratchPool = sync.Pool{New: func() any { return new([]float32) }}

func getScratch(n int) *[]float32 {
	p := scratchPool.Get().(*[]float32)
	if cap(*p) < n {
		*p = make([]float32, n)
	}
	*p = (*p)[:n]
	return p
}

// blocked computes C = alpha op(A) op(B) + beta C with the micro-kernel k on up to workers goroutines.
func blocked(kr *microKernel, tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int,
	beta float32, c []float32, ldc int, workers int) {
	if alpha == 0 || k == 0 || beta != 0 && beta != 1 {
		for i := 0; i < m; i++ {
			row := c[i*ldc : i*ldc+n]
			if beta == 0 {
				clear(row)
			} else {
				for j := range row {
					row[j] *= beta
				}
			}
		}
		if alpha == 0 || k == 0 {
			return
		}
		beta = 1
	}
	mr, nr := kr.mr, kr.nr
	rs, cs := (m+mr-1)/mr, (n+nr-1)/nr // row and column slivers
	if w := (2*m*n*k)>>18 + 1; w < workers {
		workers = w // small products do not pay for goroutines
	}
	if workers < 1 {
		workers = 1
	}
	// A is read in place (no packing) by the strided or row kernel when it has one for this layout and B
	// has few column slivers (each A element is then used only a few times, so packing would cost as much
	// as the product); only a final partial sliver is packed.
	direct := ((tA && kr.strided != nil) || (!tA && kr.rows != nil)) && cs <= 8
	kcMax := min(k, kc)
	ap := getScratch(rs * mr * kcMax)
	bp := getScratch(cs * nr * kcMax)
	defer scratchPool.Put(ap)
	defer scratchPool.Put(bp)
	var wg sync.WaitGroup
	forWorkers := func(total int, f func(lo, hi int)) {
		if workers == 1 || total < 2 {
			f(0, total)
			return
		}
		w := min(workers, total)
		wg.Add(w - 1)
		for i := 1; i < w; i++ {
			lo, hi := i*total/w, (i+1)*total/w
			go func() { defer wg.Done(); f(lo, hi) }()
		}
		f(0, total/w)
		wg.Wait()
	}
	for p0 := 0; p0 < k; p0 += kc {
		kb := min(kc, k-p0)
		A, B := (*ap)[:rs*mr*kb], (*bp)[:cs*nr*kb]
		acc := 1 // the first panel overwrites C when beta is 0
		if beta == 0 && p0 == 0 {
			acc = 0
		}
		var src *aSource
		if direct {
			src = &aSource{a: a, lda: lda, tA: tA, p0: p0}
		}
		forWorkers(rs+cs, func(lo, hi int) {
			for s := lo; s < hi; s++ {
				if s < rs {
					if s*mr+mr > m || !direct {
						packA(A[s*mr*kb:(s+1)*mr*kb], a, lda, tA, s*mr, min(mr, m-s*mr), p0, kb, mr)
					}
				} else {
					j := s - rs
					packB(B[j*nr*kb:(j+1)*nr*kb], b, ldb, tB, j*nr, min(nr, n-j*nr), p0, kb, nr, alpha)
				}
			}
		})
		if rs >= 2*workers || rs >= cs {
			forWorkers(rs, func(lo, hi int) { tiles(kr, A, B, c, ldc, m, n, kb, lo, hi, 0, cs, src, acc) })
		} else {
			forWorkers(cs, func(lo, hi int) { tiles(kr, A, B, c, ldc, m, n, kb, 0, rs, lo, hi, src, acc) })
		}
	}
}

// aSource is an A read in place: op(A) rows from a with stride lda, K panel starting at p0.
type aSource struct {
	a   []float32
	lda int
	tA  bool
	p0  int
}

// tiles runs the micro-kernel over row slivers [r0, r1) and column slivers [c0, c1), in blocks of mc rows
// so that the A block stays in L2 while the B slivers cycle through L1. With src set, full row slivers
// read A in place.
func tiles(kr *microKernel, A, B, c []float32, ldc, m, n, kb, r0, r1, c0, c1 int, src *aSource, acc int) {
	mr, nr := kr.mr, kr.nr
	var tmp, pk []float32 // edge tile and edge A sliver, from the pool on first use
	defer func() {
		if tmp != nil {
			scratchPool.Put(&tmp)
		}
		if pk != nil {
			scratchPool.Put(&pk)
		}
	}()
	for rb := r0; rb < r1; rb += mc / mr {
		re := min(r1, rb+mc/mr)
		for j := c0; j < c1; j++ {
			bs := &B[j*nr*kb]
			col := j * nr
			for r := rb; r < re; r++ {
				as := &A[r*mr*kb]
				row := r * mr
				if row+mr <= m && col+nr <= n {
					switch {
					case src == nil:
						kr.fn(kb, as, bs, &c[row*ldc+col], ldc, acc)
					case src.tA:
						kr.strided(kb, &src.a[src.p0*src.lda+row], bs, &c[row*ldc+col], ldc, src.lda, acc)
					default:
						kr.rows(kb, &src.a[row*src.lda+src.p0], bs, &c[row*ldc+col], ldc, src.lda, acc)
					}
					continue
				}
				if row+mr <= m && src != nil { // full rows, partial columns: pack this sliver of A
					if pk == nil {
						pk = *getScratch(mr * kc)
					}
					packA(pk[:mr*kb], src.a, src.lda, src.tA, row, mr, src.p0, kb, mr)
					as = &pk[0]
				}
				if tmp == nil {
					tmp = *getScratch(mr * nr)
				}
				t := tmp[:mr*nr]
				kr.fn(kb, as, bs, &t[0], nr, 0)
				for i := 0; i < min(mr, m-row); i++ {
					dst := c[(row+i)*ldc+col : (row+i)*ldc+min(col+nr, n)]
					if acc == 0 {
						copy(dst, t[i*nr:])
						continue
					}
					for jj := range dst {
						dst[jj] += t[i*nr+jj]
					}
				}
			}
		}
	}
}

// packA writes rows [i0, i0+rows) of op(A), columns [p0, p0+kb), as an mr-row sliver: element (i, p) at
// dst[p*mr + i], zero-padded to mr rows.
func packA(dst, a []float32, lda int, tA bool, i0, rows, p0, kb, mr int) {
	if rows < mr {
		clear(dst)
	}
	if tA { // op(A)[i, p] = a[p*lda + i]: mr contiguous values per p
		for p := 0; p < kb; p++ {
			src := a[(p0+p)*lda+i0 : (p0+p)*lda+i0+rows]
			copy(dst[p*mr:p*mr+rows], src)
		}
		return
	}
	for i := 0; i < rows; i++ {
		src := a[(i0+i)*lda+p0 : (i0+i)*lda+p0+kb]
		for p, v := range src {
			dst[p*mr+i] = v
		}
	}
}

// packB writes columns [j0, j0+cols) of alpha op(B), rows [p0, p0+kb), as an nr-column sliver: element
// (p, j) at dst[p*nr + j], zero-padded to nr columns.
func packB(dst, b []float32, ldb int, tB bool, j0, cols, p0, kb, nr int, alpha float32) {
	if cols < nr {
		clear(dst)
	}
	if !tB { // op(B)[p, j] = b[p*ldb + j]: contiguous rows
		for p := 0; p < kb; p++ {
			d := dst[p*nr : p*nr+cols]
			copy(d, b[(p0+p)*ldb+j0:(p0+p)*ldb+j0+cols])
			if alpha != 1 {
				for j := range d {
					d[j] *= alpha
				}
			}
		}
		return
	}
	for j := 0; j < cols; j++ {
		src := b[(j0+j)*ldb+p0 : (j0+j)*ldb+p0+kb]
		for p, v := range src {
			dst[p*nr+j] = alpha * v
		}
	}
}

func maxWorkers() int { return runtime.GOMAXPROCS(0) }

package gpu

import "fmt"

// Tiling of the tensor-core GEMM (the GEMM_* macros of kernels/gemm.cu; a test parses them and compares).
const (
	gemmBM       = 128 // block tile rows of C
	gemmBN       = 128 // block tile columns of C
	gemmBK       = 32  // k-tile depth
	gemmStages   = 3   // cp.async pipeline depth
	gemmThreads  = 256 // 8 warps
	gemmWarpsM   = 2
	gemmWarpsN   = 4
	gemmWM       = gemmBM / gemmWarpsM // warp tile rows
	gemmWN       = gemmBN / gemmWarpsN // warp tile columns
	gemmPadBytes = 16                  // row padding of the shared tiles
	gemmFrag     = 16                  // wmma tile edge in M and N
)

// gemmLayout is the shared-memory geometry for one input element size (4: TF32 from float32, 2: BF16).
type gemmLayout struct {
	es       int // bytes per element
	fk       int // wmma k: 8 for TF32, 16 for BF16
	lda, ldb int // padded row lengths of the A and B tiles, elements
	sa, sb   int // elements per stage
}

func newGemmLayout(es int) gemmLayout {
	pad := gemmPadBytes / es
	l := gemmLayout{es: es, fk: 8, lda: gemmBK + pad, ldb: gemmBN + pad}
	if es == 2 {
		l.fk = 16
	}
	l.sa, l.sb = gemmBM*l.lda, gemmBK*l.ldb
	return l
}

// smemBytes is the dynamic shared memory of a block: the pipeline's stages, or the epilogue's staging of every
// warp's float32 accumulators if larger (they reuse the same memory).
func (l gemmLayout) smemBytes() int {
	pipe := gemmStages * (l.sa + l.sb) * l.es
	stage := (gemmThreads / 32) * gemmWM * gemmWN * 4
	return max(pipe, stage)
}

// gemmGrid is the launch grid: x over column tiles, y over row tiles.
func gemmGrid(m, n int) (gx, gy int) {
	return (n + gemmBN - 1) / gemmBN, (m + gemmBM - 1) / gemmBM
}

// gemmShape validates a row-major product C[m x n] = A[m x k] B[k x n] with leading dimensions against the
// lengths (in elements) of the three arrays.
func gemmShape(m, n, k, lda, ldb, ldc, lenA, lenB, lenC int) error {
	if m < 1 || n < 1 || k < 1 {
		return fmt.Errorf("gpu: gemm of %d x %d x %d: every dimension must be at least 1", m, n, k)
	}
	if m > 65535*gemmBM {
		return fmt.Errorf("gpu: gemm with %d rows exceeds the grid limit of %d", m, 65535*gemmBM)
	}
	if lda < k || ldb < n || ldc < n {
		return fmt.Errorf("gpu: gemm leading dimensions lda=%d ldb=%d ldc=%d, want at least k=%d, n=%d, n=%d", lda, ldb, ldc, k, n, n)
	}
	need := func(rows, cols, ld int) int { return (rows-1)*ld + cols }
	if lenA < need(m, k, lda) || lenB < need(k, n, ldb) || lenC < need(m, n, ldc) {
		return fmt.Errorf("gpu: gemm %d x %d x %d needs A %d, B %d, C %d elements; got %d, %d, %d",
			m, n, k, need(m, k, lda), need(k, n, ldb), need(m, n, ldc), lenA, lenB, lenC)
	}
	return nil
}

// gemmCopyWidth is the elements per cp.async copy: 16 bytes' worth when every row of A and B starts 16-byte
// aligned and K and N are multiples of it (so a chunk is either wholly inside or wholly outside a matrix),
// else 1 (4-byte copies) for TF32. BF16 has no narrower copy than 4 bytes and needs the 16-byte form.
func gemmCopyWidth(es, k, n, lda, ldb int, aligned bool) (int, error) {
	w := 16 / es
	if aligned && k%w == 0 && n%w == 0 && lda%w == 0 && ldb%w == 0 {
		return w, nil
	}
	if es == 4 {
		return 1, nil
	}
	return 0, fmt.Errorf("gpu: bf16 gemm needs k, n, lda and ldb multiples of 8 and 16-byte aligned A and B (k=%d n=%d lda=%d ldb=%d)", k, n, lda, ldb)
}

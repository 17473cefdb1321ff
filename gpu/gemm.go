//go:build cuda || trajdiff_cuda

package gpu

import "gorgonia.org/cu"

// GemmTF32 enqueues C = alpha A B + beta C for row-major A (m x k, leading dimension lda), B (k x n, ldb) and
// C (m x n, ldc), on the tensor cores with TF32 inputs (A and B rounded to 10-bit mantissas) and float32
// accumulation. With beta = 0, C is not read. Any shape works; K and N multiples of 4 with lda, ldb multiples
// of 4 and 16-byte aligned operands take the 16-byte-copy path.
func (s *Stream) GemmTF32(m, n, k int, alpha float64, a Buffer, lda int, b Buffer, ldb int, beta float64, c Buffer, ldc int) error {
	if err := gemmShape(m, n, k, lda, ldb, ldc, a.n, b.n, c.n); err != nil {
		return err
	}
	w, _ := gemmCopyWidth(4, k, n, lda, ldb, a.ptr%16 == 0 && b.ptr%16 == 0)
	kern := kGemmTF32x4
	if w == 1 {
		kern = kGemmTF32x1
	}
	return s.gemm(kern, newGemmLayout(4), m, n, k, alpha, a.ptr, lda, b.ptr, ldb, beta, c.ptr, ldc)
}

// GemmBF16 is GemmTF32 with bfloat16 A and B (float32 C). K, N, lda and ldb must be multiples of 8 and A, B
// 16-byte aligned.
func (s *Stream) GemmBF16(m, n, k int, alpha float64, a BF16, lda int, b BF16, ldb int, beta float64, c Buffer, ldc int) error {
	if err := gemmShape(m, n, k, lda, ldb, ldc, a.n, b.n, c.n); err != nil {
		return err
	}
	if _, err := gemmCopyWidth(2, k, n, lda, ldb, a.ptr%16 == 0 && b.ptr%16 == 0); err != nil {
		return err
	}
	return s.gemm(kGemmBF16x8, newGemmLayout(2), m, n, k, alpha, a.ptr, lda, b.ptr, ldb, beta, c.ptr, ldc)
}

func (s *Stream) gemm(kern kernel, l gemmLayout, m, n, k int, alpha float64, a cu.DevicePtr, lda int, b cu.DevicePtr, ldb int,
	beta float64, c cu.DevicePtr, ldc int) error {
	gx, gy := gemmGrid(m, n)
	return s.d.do(func() error {
		return s.launch(kern, gx, gy, gemmThreads, l.smemBytes(), pArg(a), pArg(b), pArg(c),
			iArg(int64(m)), iArg(int64(n)), iArg(int64(k)), iArg(int64(lda)), iArg(int64(ldb)), iArg(int64(ldc)),
			fArg(alpha), fArg(beta))
	})
}

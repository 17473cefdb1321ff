//go:build openblas

package gemm

import "gonum.org/v1/netlib/blas/netlib"

// Backend names the SGEMM implementation this binary was built with.
var Backend = "openblas"

// sgemm calls OpenBLAS, which manages its own threads (serial is ignored).
func sgemm(_, tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	netlib.Implementation{}.Sgemm(trans(tA), trans(tB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

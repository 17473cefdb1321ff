//go:build !openblas

package gemm

import "gonum.org/v1/gonum/blas/gonum"

// Backend names the SGEMM implementation of this build: the Go-assembly micro-kernel in use ("avx512",
// "avx2") or "gonum" where the CPU has neither.
var Backend = backendName()

var kernel = bestKernel()

func backendName() string {
	if kernel != nil {
		return "go-" + kernel.name
	}
	return "gonum"
}

// sgemm runs the blocked micro-kernel on maxWorkers goroutines, or on the caller's alone when serial.
func sgemm(serial, tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if kernel == nil {
		gonum.Implementation{}.Sgemm(trans(tA), trans(tB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	workers := 1
	if !serial {
		workers = maxWorkers()
	}
	blocked(kernel, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, workers)
}

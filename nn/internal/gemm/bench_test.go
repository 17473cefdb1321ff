package gemm

import (
	"fmt"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// BenchmarkSgemm times C = A B^T for shapes of the benchmarked networks (the MLP's 256 x 512 x 512, the
// conv block's im2col products) with this build's back end (Backend) and with gonum's pure-Go blas32.
func BenchmarkSgemm(b *testing.B) {
	for _, s := range [][3]int{{256, 512, 512}, {4096, 64, 320}, {64, 320, 4096}, {256, 256, 1280}} {
		m, n, k := s[0], s[1], s[2]
		a, bb, c := make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
		for i := range a {
			a[i] = float32(i%7) * 0.1
		}
		for i := range bb {
			bb[i] = float32(i%5) * 0.1
		}
		for _, impl := range []string{Backend, "gonum"} {
			b.Run(fmt.Sprintf("%s/%dx%dx%d", impl, m, n, k), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					if impl == "gonum" {
						gonum.Implementation{}.Sgemm(blas.NoTrans, blas.Trans, m, n, k, 1, a, k, bb, k, 0, c, n)
					} else {
						Gemm(false, true, m, n, k, 1, a, k, bb, k, 0, c, n)
					}
				}
				b.ReportMetric(float64(2*m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
			})
		}
	}
}

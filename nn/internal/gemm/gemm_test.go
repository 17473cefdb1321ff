package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// naive is the reference triple loop in float64.
func naive(tA, tB bool, m, n, k int, alpha float64, a []float32, lda int, b []float32, ldb int, beta float64, c []float32, ldc int) []float64 {
	out := make([]float64, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for p := 0; p < k; p++ {
				var av, bv float32
				if tA {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				if tB {
					bv = b[j*ldb+p]
				} else {
					bv = b[p*ldb+j]
				}
				s += float64(av) * float64(bv)
			}
			out[i*n+j] = alpha*s + beta*float64(c[i*ldc+j])
		}
	}
	return out
}

func TestBlockedMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	sizes := [][3]int{{1, 1, 1}, {5, 7, 3}, {12, 32, 256}, {13, 33, 257}, {37, 65, 300}, {64, 320, 600}, {150, 17, 9}, {3, 100, 40}}
	for _, kr := range kernels() {
		for _, s := range sizes {
			m, n, k := s[0], s[1], s[2]
			for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
				tA, tB := tr[0], tr[1]
				lda, ldb, ldc := k+3, n+2, n+5
				if tA {
					lda = m + 1
				}
				if tB {
					ldb = k + 4
				}
				rows := func(tr bool, r, c, ld int) int {
					if tr {
						return c
					}
					return r
				}
				a := make([]float32, rows(tA, m, k, lda)*lda)
				b := make([]float32, rows(tB, k, n, ldb)*ldb)
				c := make([]float32, m*ldc)
				for _, v := range [][]float32{a, b, c} {
					for i := range v {
						v[i] = float32(rng.NormFloat64())
					}
				}
				for _, ab := range [][2]float32{{1, 0}, {0.5, 1}, {-2, 0.25}} {
					want := naive(tA, tB, m, n, k, float64(ab[0]), a, lda, b, ldb, float64(ab[1]), c, ldc)
					got := append([]float32(nil), c...)
					for _, w := range []int{1, 2, 3} {
						copy(got, c)
						blocked(kr, tA, tB, m, n, k, ab[0], a, lda, b, ldb, ab[1], got, ldc, w)
						for i := 0; i < m; i++ {
							for j := 0; j < n; j++ {
								if d := math.Abs(float64(got[i*ldc+j]) - want[i*n+j]); d > 1e-4*math.Sqrt(float64(k)+1) {
									t.Fatalf("%s %v tA=%v tB=%v alpha,beta=%v workers %d: C[%d,%d] = %v, want %v", kr.name, s, tA, tB, ab, w, i, j, got[i*ldc+j], want[i*n+j])
								}
							}
							for j := n; j < ldc && i < m; j++ { // padding columns untouched
								if got[i*ldc+j] != c[i*ldc+j] {
									t.Fatalf("%s: wrote outside C at (%d, %d)", kr.name, i, j)
								}
							}
						}
					}
				}
			}
		}
	}
	if len(kernels()) == 0 {
		t.Log("no assembly kernel on this CPU")
	}
}

// TestBetaZeroIgnoresC: with beta = 0, C is written without being read (BLAS semantics), so NaN in C does
// not propagate; Gemm also handles k = 0 and alpha = 0.
func TestBetaZeroIgnoresC(t *testing.T) {
	a := []float32{1, 2, 3, 4, 5, 6}
	for _, kr := range kernels() {
		c := []float32{float32(math.NaN()), float32(math.NaN()), float32(math.NaN()), float32(math.NaN())}
		blocked(kr, false, true, 2, 2, 3, 1, a, 3, a, 3, 0, c, 2, 1)
		want := []float32{14, 32, 32, 77}
		for i := range c {
			if c[i] != want[i] {
				t.Fatalf("%s: C = %v, want %v", kr.name, c, want)
			}
		}
		blocked(kr, false, false, 2, 2, 0, 1, a, 3, a, 2, 0.5, c, 2, 1)
		if c[0] != 7 {
			t.Fatalf("%s: k = 0 with beta 0.5 gave %v", kr.name, c)
		}
	}
	c := []float32{1, 1}
	Gemm(false, false, 1, 2, 3, float32(0), a, 3, a, 2, 2, c, 2)
	if c[0] != 2 || c[1] != 2 {
		t.Errorf("alpha = 0: C = %v", c)
	}
}

func BenchmarkBlocked(b *testing.B) {
	for _, kr := range kernels() {
		for _, s := range [][3]int{{256, 512, 512}, {4096, 64, 320}, {64, 320, 4096}, {256, 256, 1280}} {
			m, n, k := s[0], s[1], s[2]
			a, bb, c := make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
			for _, w := range []int{1, 2} {
				b.Run(fmt.Sprintf("%s/%dx%dx%d/w%d", kr.name, m, n, k, w), func(b *testing.B) {
					for i := 0; i < b.N; i++ {
						blocked(kr, false, true, m, n, k, 1, a, k, bb, k, 0, c, n, w)
					}
					b.ReportMetric(float64(2*m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
				})
			}
		}
	}
}

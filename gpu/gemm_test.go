package gpu

import (
	"fmt"
	"testing"
)

func TestGemmConstantsMatchKernel(t *testing.T) {
	def := cuDefines(t, "gemm.cu")
	for name, want := range map[string]int64{"GEMM_BM": gemmBM, "GEMM_BN": gemmBN, "GEMM_BK": gemmBK,
		"GEMM_STAGES": gemmStages, "GEMM_THREADS": gemmThreads, "GEMM_WARPS_M": gemmWarpsM, "GEMM_WARPS_N": gemmWarpsN,
		"GEMM_PAD_BYTES": gemmPadBytes} {
		if got, ok := def[name]; !ok || got != want {
			t.Errorf("kernels/gemm.cu: %s = %d (defined %v), gemm_tiling.go has %d", name, got, ok, want)
		}
	}
	if gemmWarpsM*gemmWarpsN*32 != gemmThreads {
		t.Errorf("%d x %d warps for %d threads", gemmWarpsM, gemmWarpsN, gemmThreads)
	}
}

// gemmEmulation runs the block/warp/pipeline index maps of gemm_body (kernels/gemm.cu) on the host, in float64,
// and checks every shared-memory access: loads stay inside their stage and row, fragments read only slots
// written for the k-tile being computed (a stale or missing slot fails), the epilogue's staging fits the
// shared memory, and every element of C is written exactly once.
type gemmEmulation struct {
	l     gemmLayout
	e     int // elements per copy
	m, n  int
	k     int
	lda   int
	ldb   int
	ldc   int
	a, b  []float64
	c     []float64
	alpha float64
	beta  float64
	// prefetchStage, if set, replaces the kernel's choice of stage for the tile loaded in iteration kt
	// (nt % GEMM_STAGES with nt = kt + GEMM_STAGES - 1), to show that a wrong choice is caught.
	prefetchStage func(kt int) int
}

func (g *gemmEmulation) run() error {
	l := g.l
	sa := make([][]float64, gemmStages)
	sb := make([][]float64, gemmStages)
	tagA := make([][]int, gemmStages) // k-tile held by each slot, -1 none
	tagB := make([][]int, gemmStages)
	for s := range sa {
		sa[s], sb[s] = make([]float64, l.sa), make([]float64, l.sb)
		tagA[s], tagB[s] = make([]int, l.sa), make([]int, l.sb)
	}
	written := make([]int, g.m*g.n)
	out := append([]float64(nil), g.c...)
	gx, gy := gemmGrid(g.m, g.n)
	ktiles := (g.k + gemmBK - 1) / gemmBK
	const warps = gemmThreads / 32
	fm, fn := gemmWM/gemmFrag, gemmWN/gemmFrag
	if (warps*gemmWM*gemmWN)*4 > l.smemBytes() || gemmStages*(l.sa+l.sb)*l.es > l.smemBytes() {
		return fmt.Errorf("shared memory %d bytes too small", l.smemBytes())
	}
	for by := 0; by < gy; by++ {
		for bx := 0; bx < gx; bx++ {
			bm0, bn0 := by*gemmBM, bx*gemmBN
			for s := range tagA {
				for i := range tagA[s] {
					tagA[s][i] = -1
				}
				for i := range tagB[s] {
					tagB[s][i] = -1
				}
			}
			// gemm_load_tile: thread tid copies chunks tid, tid + THREADS, ... of each tile.
			load := func(kt, st int) error {
				k0 := kt * gemmBK
				ca, cb := gemmBK/g.e, gemmBN/g.e
				for tid := 0; tid < gemmThreads; tid++ {
					for c := tid; c < gemmBM*ca; c += gemmThreads {
						r, col := c/ca, (c%ca)*g.e
						gr, gc := bm0+r, k0+col
						ok := gr < g.m && gc < g.k
						if ok && gc+g.e > g.k {
							return fmt.Errorf("A chunk at (%d, %d) straddles k = %d", gr, gc, g.k)
						}
						if col+g.e > gemmBK || r*l.lda+col+g.e > l.sa {
							return fmt.Errorf("A chunk %d outside its stage", c)
						}
						for e := 0; e < g.e; e++ {
							v := 0.0
							if ok {
								v = g.a[gr*g.lda+gc+e]
							}
							sa[st][r*l.lda+col+e], tagA[st][r*l.lda+col+e] = v, kt
						}
					}
					for c := tid; c < gemmBK*cb; c += gemmThreads {
						r, col := c/cb, (c%cb)*g.e
						gr, gc := k0+r, bn0+col
						ok := gr < g.k && gc < g.n
						if ok && gc+g.e > g.n {
							return fmt.Errorf("B chunk at (%d, %d) straddles n = %d", gr, gc, g.n)
						}
						if col+g.e > gemmBN || r*l.ldb+col+g.e > l.sb {
							return fmt.Errorf("B chunk %d outside its stage", c)
						}
						for e := 0; e < g.e; e++ {
							v := 0.0
							if ok {
								v = g.b[gr*g.ldb+gc+e]
							}
							sb[st][r*l.ldb+col+e], tagB[st][r*l.ldb+col+e] = v, kt
						}
					}
				}
				return nil
			}
			acc := make([]float64, warps*gemmWM*gemmWN) // warp w's tile, row-major WM x WN
			for s := 0; s < gemmStages-1; s++ {
				if s < ktiles {
					if err := load(s, s); err != nil {
						return err
					}
				}
			}
			for kt := 0; kt < ktiles; kt++ {
				if nt := kt + gemmStages - 1; nt < ktiles {
					st := nt % gemmStages
					if g.prefetchStage != nil {
						st = g.prefetchStage(kt)
					}
					if err := load(nt, st); err != nil {
						return err
					}
				}
				cs := kt % gemmStages
				for w := 0; w < warps; w++ {
					wm, wn := w/gemmWarpsN, w%gemmWarpsN
					for kk := 0; kk < gemmBK; kk += l.fk {
						for i := 0; i < fm; i++ {
							for j := 0; j < fn; j++ {
								aoff := (wm*gemmWM+i*gemmFrag)*l.lda + kk // wmma::load_matrix_sync(a[i], ...)
								boff := kk*l.ldb + wn*gemmWN + j*gemmFrag // wmma::load_matrix_sync(b[j], ...)
								for r := 0; r < gemmFrag; r++ {
									for c := 0; c < gemmFrag; c++ {
										s := 0.0
										for x := 0; x < l.fk; x++ {
											ai, bi := aoff+r*l.lda+x, boff+x*l.ldb+c
											if tagA[cs][ai] != kt || tagB[cs][bi] != kt {
												return fmt.Errorf("block (%d, %d) k-tile %d warp %d reads A slot of tile %d, B slot of tile %d",
													by, bx, kt, w, tagA[cs][ai], tagB[cs][bi])
											}
											s += sa[cs][ai] * sb[cs][bi]
										}
										acc[w*gemmWM*gemmWN+(i*gemmFrag+r)*gemmWN+j*gemmFrag+c] += s
									}
								}
							}
						}
					}
				}
			}
			// Epilogue: lane reads staging element e = lane + 32 i of its warp's tile.
			for w := 0; w < warps; w++ {
				wm, wn := w/gemmWarpsN, w%gemmWarpsN
				for lane := 0; lane < 32; lane++ {
					for e := lane; e < gemmWM*gemmWN; e += 32 {
						r, c := e/gemmWN, e%gemmWN
						gr, gc := bm0+wm*gemmWM+r, bn0+wn*gemmWN+c
						if gr < g.m && gc < g.n {
							v := g.alpha * acc[w*gemmWM*gemmWN+e]
							if g.beta != 0 {
								v += g.beta * g.c[gr*g.ldc+gc]
							}
							out[gr*g.ldc+gc] = v
							written[gr*g.n+gc]++
						}
					}
				}
			}
		}
	}
	for i, w := range written {
		if w != 1 {
			return fmt.Errorf("C(%d, %d) written %d times", i/g.n, i%g.n, w)
		}
	}
	g.c = out
	return nil
}

// The emulated tiling computes exact products (small integers, so float64 sums are exact) for ragged shapes,
// padded leading dimensions, both element sizes and both copy widths.
func TestGemmTilingEmulation(t *testing.T) {
	type shape struct{ m, n, k, pad int }
	cases := []struct {
		es     int
		shapes []shape
	}{
		{4, []shape{{1, 1, 1, 0}, {5, 7, 3, 1}, {128, 128, 32, 0}, {129, 131, 33, 0}, {200, 260, 100, 4}, {64, 520, 97, 0}, {300, 4, 200, 0}}},
		{2, []shape{{8, 8, 8, 0}, {136, 264, 72, 8}, {129, 128, 128, 0}, {40, 16, 200, 0}}},
	}
	for _, tc := range cases {
		l := newGemmLayout(tc.es)
		for _, s := range tc.shapes {
			lda, ldb, ldc := s.k+s.pad, s.n+s.pad, s.n+s.pad
			e, err := gemmCopyWidth(tc.es, s.k, s.n, lda, ldb, true)
			if err != nil {
				t.Fatal(err)
			}
			widths := []int{e}
			if tc.es == 4 && e == 4 {
				widths = append(widths, 1) // the 4-byte path must work on aligned shapes too
			}
			for _, w := range widths {
				rng := newRand(uint64(s.m*1000 + s.n + s.k))
				g := &gemmEmulation{l: l, e: w, m: s.m, n: s.n, k: s.k, lda: lda, ldb: ldb, ldc: ldc, alpha: 2, beta: -1}
				g.a, g.b, g.c = make([]float64, s.m*lda), make([]float64, s.k*ldb), make([]float64, s.m*ldc)
				for _, x := range [][]float64{g.a, g.b, g.c} {
					for i := range x {
						x[i] = float64(rng.IntN(7) - 3)
					}
				}
				want := append([]float64(nil), g.c...)
				for i := 0; i < s.m; i++ {
					for j := 0; j < s.n; j++ {
						sum := 0.0
						for x := 0; x < s.k; x++ {
							sum += g.a[i*lda+x] * g.b[x*ldb+j]
						}
						want[i*ldc+j] = 2*sum - want[i*ldc+j]
					}
				}
				if err := g.run(); err != nil {
					t.Fatalf("es %d width %d %dx%dx%d: %v", tc.es, w, s.m, s.n, s.k, err)
				}
				for i := range want {
					if g.c[i] != want[i] {
						t.Fatalf("es %d width %d %dx%dx%d: C[%d] = %v, want %v", tc.es, w, s.m, s.n, s.k, i, g.c[i], want[i])
					}
				}
			}
		}
	}
}

// Prefetching into the stage being computed (kt % STAGES instead of (kt + STAGES - 1) % STAGES) overwrites
// the tile in use; the emulation's slot tags catch it, so they have teeth.
func TestGemmEmulationDetectsStaleReads(t *testing.T) {
	g := &gemmEmulation{l: newGemmLayout(4), e: 4, m: 16, n: 16, k: 128, lda: 128, ldb: 16, ldc: 16, alpha: 1,
		prefetchStage: func(kt int) int { return kt % gemmStages }}
	g.a, g.b, g.c = make([]float64, 16*128), make([]float64, 128*16), make([]float64, 16*16)
	if err := g.run(); err == nil {
		t.Fatal("prefetching into the stage in use went unnoticed")
	} else {
		t.Logf("caught: %v", err)
	}
}

func TestGemmShapeValidation(t *testing.T) {
	if err := gemmShape(2, 3, 4, 4, 3, 3, 8, 12, 6); err != nil {
		t.Fatal(err)
	}
	bad := [][9]int{
		{0, 3, 4, 4, 3, 3, 8, 12, 6},                           // m = 0
		{2, 3, 4, 3, 3, 3, 8, 12, 6},                           // lda < k
		{2, 3, 4, 4, 3, 3, 7, 12, 6},                           // A too short
		{2, 3, 4, 4, 3, 3, 8, 11, 6},                           // B too short
		{2, 3, 4, 4, 3, 3, 8, 12, 5},                           // C too short
		{2, 3, 4, 4, 2, 3, 8, 12, 6},                           // ldb < n
		{2, 3, 4, 4, 3, 2, 8, 12, 6},                           // ldc < n
		{65535*gemmBM + 1, 1, 1, 1, 1, 1, 1 << 30, 1, 1 << 30}, // grid
	}
	for _, b := range bad {
		if err := gemmShape(b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8]); err == nil {
			t.Errorf("gemmShape%v accepted", b)
		}
	}
	if _, err := gemmCopyWidth(2, 12, 16, 12, 16, true); err == nil {
		t.Error("bf16 with k = 12 accepted")
	}
	if w, _ := gemmCopyWidth(4, 12, 16, 12, 16, false); w != 1 {
		t.Errorf("unaligned tf32 copy width %d, want 1", w)
	}
	if w, _ := gemmCopyWidth(4, 12, 16, 12, 16, true); w != 4 {
		t.Errorf("aligned tf32 copy width %d, want 4", w)
	}
}

// wmma::load_matrix_sync and store_matrix_sync need 256-bit (32-byte) aligned pointers and leading
// dimensions that are multiples of 16 bytes; cp.async's 16-byte copies need 16-byte aligned shared
// destinations. Every pointer gemm_body forms satisfies them (dynamic shared memory starts 128-byte aligned).
func TestGemmFragmentAlignment(t *testing.T) {
	for _, es := range []int{4, 2} {
		l := newGemmLayout(es)
		if l.lda*es%16 != 0 || l.ldb*es%16 != 0 {
			t.Fatalf("es %d: leading dimensions %d, %d elements are not multiples of 16 bytes", es, l.lda, l.ldb)
		}
		for st := 0; st < gemmStages; st++ {
			aBase, bBase := st*l.sa*es, (gemmStages*l.sa+st*l.sb)*es
			for w := 0; w < gemmThreads/32; w++ {
				wm, wn := w/gemmWarpsN, w%gemmWarpsN
				for kk := 0; kk < gemmBK; kk += l.fk {
					for i := 0; i < gemmWM/gemmFrag; i++ {
						if off := aBase + ((wm*gemmWM+i*gemmFrag)*l.lda+kk)*es; off%32 != 0 {
							t.Fatalf("es %d stage %d warp %d: A fragment at byte %d", es, st, w, off)
						}
					}
					for j := 0; j < gemmWN/gemmFrag; j++ {
						if off := bBase + (kk*l.ldb+wn*gemmWN+j*gemmFrag)*es; off%32 != 0 {
							t.Fatalf("es %d stage %d warp %d: B fragment at byte %d", es, st, w, off)
						}
					}
				}
			}
			w := 16 / es
			for r := 0; r < gemmBM; r++ {
				for c := 0; c < gemmBK; c += w {
					if off := aBase + (r*l.lda+c)*es; off%16 != 0 {
						t.Fatalf("es %d: A copy destination at byte %d", es, off)
					}
				}
			}
		}
		for w := 0; w < gemmThreads/32; w++ {
			for i := 0; i < gemmWM/gemmFrag; i++ {
				for j := 0; j < gemmWN/gemmFrag; j++ {
					if off := (w*gemmWM*gemmWN + i*gemmFrag*gemmWN + j*gemmFrag) * 4; off%32 != 0 {
						t.Fatalf("staging store of warp %d fragment (%d, %d) at byte %d", w, i, j, off)
					}
				}
			}
		}
	}
}

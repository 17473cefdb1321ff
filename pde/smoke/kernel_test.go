package smoke

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
)

// setKernel makes every level of the solver (and so the CG updates) run k.
func (ps *pressureSolver) setKernel(k kernel) {
	for _, l := range ps.levels {
		l.setKernel(k)
	}
}

// randomLayout is an n x n layout with a fraction of solid cells (solid cells only, no exits).
func randomLayout(r *rand.Rand, n int, solid float64) Layout {
	l := Layout{N: n, Solid: make([]bool, n*n)}
	for i := range l.Solid {
		l.Solid[i] = r.Float64() < solid
	}
	return l
}

// testLevels are the levels the kernel tests run on: every multigrid level of the WDNO layout at 128
// (uniform runs, walls and averaged coarse weights), the top levels of random layouts of odd and even
// sizes, and random layouts whose face weights are partly replaced by random values (general runs of
// every length and start).
func testLevels(t *testing.T) []*mgLevel {
	t.Helper()
	l := WDNOLayout(128)
	ps, err := newPressureSolver(&l, 1e-8, 10)
	if err != nil {
		t.Fatal(err)
	}
	levels := append([]*mgLevel(nil), ps.levels...)
	r := rand.New(rand.NewPCG(20, 1))
	for _, n := range []int{1, 2, 3, 5, 8, 13, 17, 30, 37, 61} {
		for _, solid := range []float64{0, 0.1, 0.35} {
			rl := randomLayout(r, n, solid)
			levels = append(levels, topLevel(&rl))
		}
		rl := randomLayout(r, n, 0.1)
		lv := topLevel(&rl)
		for c := range lv.ax {
			if r.Float64() < 0.2 {
				lv.ax[c] = 2 * r.Float64()
			}
			if r.Float64() < 0.2 {
				lv.ay[c] = 2 * r.Float64()
			}
		}
		lv.finish()
		levels = append(levels, lv)
	}
	return levels
}

// fillRandom sets the interior of x and b to random values (the ghost ring stays 0).
func fillRandom(r *rand.Rand, l *mgLevel) {
	for y := 1; y <= l.n; y++ {
		for x := 1; x <= l.n; x++ {
			l.x[y*l.s+x] = 2*r.Float64() - 1
			l.b[y*l.s+x] = 2*r.Float64() - 1
		}
	}
}

func sameBits(a, b []float64) int {
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return i
		}
	}
	return -1
}

// TestRunShapesCoverEveryVectorCase checks that testLevels exercises what the kernels must get right:
// uniform and general runs of every length from 1 to two registers and more, starting at either
// colour.
func TestRunShapesCoverEveryVectorCase(t *testing.T) {
	type shape struct {
		uniform bool
		length  int
		parity  int
	}
	seen := map[shape]bool{}
	for _, l := range testLevels(t) {
		for y, rs := range l.runs {
			for _, r := range rs {
				seen[shape{r.uniform, min(r.x1-r.x0, 17), (y + 1 + r.x0) % 2}] = true
			}
		}
	}
	for _, u := range []bool{true, false} {
		for length := 1; length <= 17; length++ {
			for parity := range 2 {
				if !seen[shape{u, length, parity}] {
					t.Errorf("no run uniform=%v length %d (17 = longer) starting at colour %d", u, length, parity)
				}
			}
		}
	}
}

// TestSweepKernelsAreBitIdenticalToTheScalarLoops runs several red-black half-sweeps of both colours
// with every kernel from the same random state and compares every value's bits with the scalar loops.
func TestSweepKernelsAreBitIdenticalToTheScalarLoops(t *testing.T) {
	r := rand.New(rand.NewPCG(20, 2))
	for li, l := range testLevels(t) {
		fillRandom(r, l)
		x0, b0 := append([]float64(nil), l.x...), append([]float64(nil), l.b...)
		run := func(k kernel) []float64 {
			copy(l.x, x0)
			copy(l.b, b0)
			l.setKernel(k)
			for _, c := range []int{0, 1, 1, 0, 0} {
				l.sweep(c)
			}
			return append([]float64(nil), l.x...)
		}
		want := run(kernelGo)
		for _, k := range kernelsAvailable()[1:] {
			if i := sameBits(run(k), want); i >= 0 {
				t.Fatalf("level %d (n=%d) kernel %v: cell %d differs from the scalar sweep", li, l.n, k, i)
			}
		}
	}
}

// TestSmoothingWavefrontIsBitIdenticalToSequentialSweeps runs the pre- and post-smoothing (four
// half-sweeps each, in one wavefront with the vector kernels) with every kernel and compares the bits
// with the scalar half-sweeps run one after the other.
func TestSmoothingWavefrontIsBitIdenticalToSequentialSweeps(t *testing.T) {
	r := rand.New(rand.NewPCG(20, 7))
	for li, l := range testLevels(t) {
		fillRandom(r, l)
		x0 := append([]float64(nil), l.x...)
		run := func(k kernel) []float64 {
			copy(l.x, x0)
			l.setKernel(k)
			l.smooth(0)
			l.smooth(1)
			return append([]float64(nil), l.x...)
		}
		want := run(kernelGo)
		for _, k := range kernelsAvailable()[1:] {
			if i := sameBits(run(k), want); i >= 0 {
				t.Fatalf("level %d (n=%d) kernel %v: cell %d differs from the sequential scalar sweeps", li, l.n, k, i)
			}
		}
	}
}

// TestApplyKernelsAreBitIdenticalToTheScalarLoops compares out = A v of every kernel with the scalar
// loops, bit for bit.
func TestApplyKernelsAreBitIdenticalToTheScalarLoops(t *testing.T) {
	r := rand.New(rand.NewPCG(20, 3))
	for li, l := range testLevels(t) {
		fillRandom(r, l)
		run := func(k kernel) []float64 {
			out := make([]float64, len(l.x))
			l.setKernel(k)
			l.apply(l.x, out)
			return out
		}
		want := run(kernelGo)
		for _, k := range kernelsAvailable()[1:] {
			if i := sameBits(run(k), want); i >= 0 {
				t.Fatalf("level %d (n=%d) kernel %v: cell %d differs from the scalar operator", li, l.n, k, i)
			}
		}
	}
}

// TestVCycleKernelsAreBitIdenticalToTheScalarLoops runs the multigrid preconditioner (smoothing,
// residual, restriction, prolongation on every level) from a random right-hand side with every kernel
// on the WDNO layout at 128 and at 40 (levels 40, 20, 10, 5: coarse rows that are not whole registers).
func TestVCycleKernelsAreBitIdenticalToTheScalarLoops(t *testing.T) {
	r := rand.New(rand.NewPCG(20, 8))
	for _, n := range []int{128, 40} {
		lay := WDNOLayout(n)
		ps, err := newPressureSolver(&lay, 1e-8, 10)
		if err != nil {
			t.Fatal(err)
		}
		top := ps.levels[0]
		b := make([]float64, len(top.b))
		for c, dg := range top.diag {
			if dg > 0 {
				b[c] = 2*r.Float64() - 1
			}
		}
		run := func(k kernel) []float64 {
			ps.setKernel(k)
			copy(top.b, b)
			ps.vcycle(0)
			return append([]float64(nil), top.x...)
		}
		want := run(kernelGo)
		for _, k := range kernelsAvailable()[1:] {
			if i := sameBits(run(k), want); i >= 0 {
				t.Fatalf("n=%d kernel %v: cell %d of the V-cycle differs from the scalar one", n, k, i)
			}
		}
	}
}

// TestCGUpdateKernelsAreBitIdenticalToTheScalarLoops compares p += alpha d, r -= alpha q, max |r| and
// d = z + beta d of every kernel with the scalar loops for lengths around the register widths, with
// and without a NaN in q (a NaN |r| is skipped by the maximum in both).
func TestCGUpdateKernelsAreBitIdenticalToTheScalarLoops(t *testing.T) {
	r := rand.New(rand.NewPCG(20, 4))
	vec := func(n int) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = 2*r.Float64() - 1
		}
		return v
	}
	for _, n := range []int{0, 1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 130 * 130} {
		for _, nan := range []bool{false, true} {
			p0, r0, d0, q0, z0 := vec(n), vec(n), vec(n), vec(n), vec(n)
			if nan && n > 0 {
				q0[r.IntN(n)] = math.NaN()
			}
			alpha, beta := r.Float64(), r.Float64()
			run := func(k kernel) (p, rr, d []float64, res float64) {
				p, rr, d = append([]float64(nil), p0...), append([]float64(nil), r0...), append([]float64(nil), d0...)
				m, res := cgUpdateVec(k, p, rr, d, q0, alpha)
				for c := m; c < n; c++ {
					p[c] += float64(alpha * d[c])
					rr[c] -= float64(alpha * q0[c])
					if a := math.Abs(rr[c]); a > res {
						res = a
					}
				}
				for c := cgDirectionVec(k, d, z0, beta); c < n; c++ {
					d[c] = z0[c] + float64(beta*d[c])
				}
				return p, rr, d, res
			}
			wp, wr, wd, wres := run(kernelGo)
			for _, k := range kernelsAvailable()[1:] {
				p, rr, d, res := run(k)
				if sameBits(p, wp) >= 0 || sameBits(rr, wr) >= 0 || sameBits(d, wd) >= 0 || math.Float64bits(res) != math.Float64bits(wres) {
					t.Fatalf("n=%d nan=%v kernel %v differs from the scalar CG updates (res %v, want %v)", n, nan, k, res, wres)
				}
			}
		}
	}
}

// TestTrajectoriesAreBitIdenticalAcrossKernels runs the same smoke trajectory (64^2, the benchmark's
// control) with every kernel; states, controls and outflows agree bit for bit.
func TestTrajectoriesAreBitIdenticalAcrossKernels(t *testing.T) {
	p := smallParams()
	var want *Trajectory
	for _, k := range kernelsAvailable() {
		s, err := NewSimulator(p)
		if err != nil {
			t.Fatal(err)
		}
		s.ps.setKernel(k)
		tr, err := s.Run(context.Background(), Initial{X0: 20, Y0: 11, Size: 6}, fixedControl(p, &s.l))
		if err != nil {
			t.Fatal(err)
		}
		if want == nil {
			want = tr
			continue
		}
		if i := sameBits(tr.State, want.State); i >= 0 {
			t.Fatalf("kernel %v: state value %d differs from the scalar solver's", k, i)
		}
		for f := range tr.Outflow {
			a, b := tr.Outflow[f], want.Outflow[f]
			if sameBits(a.Exits, b.Exits) >= 0 || math.Float64bits(a.Remaining) != math.Float64bits(b.Remaining) {
				t.Fatalf("kernel %v: outflow of frame %d differs", k, f)
			}
		}
	}
}

//go:build cuda || trajdiff_cuda

package gpu

// Tests on the device. A cuda-tagged test binary exits at start on a machine without a GPU driver
// (gorgonia.org/cu's initialiser), so these run on a GPU machine, where gpu/check.sh runs the binary built with
// `go test -c -tags cuda -o gpu/gpu.test ./gpu` (docs/benchmarks.md, section GPU), and in CI on gpu/cudaemu, the
// CPU emulation of the driver (.ci/check.d/gpu.sh).

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"unsafe"

	"github.com/trajdiff/trajdiff/diffusion"
)

var (
	devOnce sync.Once
	dev     *Device
	devErr  error
)

// testDevice opens device 0 once for all tests (the process ends with the tests; the context goes with it).
func testDevice(t testing.TB) *Device {
	t.Helper()
	devOnce.Do(func() { dev, devErr = Open(0) })
	if devErr != nil {
		t.Fatal(devErr)
	}
	return dev
}

func testStream(t testing.TB) *Stream {
	t.Helper()
	s, err := testDevice(t).NewStream()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// upload allocates a buffer holding v.
func upload(t testing.TB, v []float32) Buffer {
	t.Helper()
	d := testDevice(t)
	b, err := d.Alloc(len(v))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Free(b) })
	if err := d.Upload(b, v); err != nil {
		t.Fatal(err)
	}
	return b
}

func download(t testing.TB, b Buffer) []float32 {
	t.Helper()
	out := make([]float32, b.Len())
	if err := testDevice(t).Download(out, b); err != nil {
		t.Fatal(err)
	}
	return out
}

func randomF32(seed uint64, n int, scale float64) []float32 {
	rng := newRand(seed)
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(scale * rng.NormFloat64())
	}
	return v
}

func ulpDiff(a, b float32) int64 {
	if a == b {
		return 0
	}
	ia, ib := int64(int32(math.Float32bits(a))), int64(int32(math.Float32bits(b)))
	if ia < 0 {
		ia = math.MinInt32 - ia
	}
	if ib < 0 {
		ib = math.MinInt32 - ib
	}
	if ia > ib {
		return ia - ib
	}
	return ib - ia
}

func TestGPUInfo(t *testing.T) {
	d := testDevice(t)
	free, total, err := d.MemInfo()
	if err != nil {
		t.Fatal(err)
	}
	tf32, bf16, src := d.Info().PeakTFLOPS()
	t.Logf("%s; %.1f of %.1f GiB free; memory %.0f GB/s; peak TF32 %.0f, BF16 %.0f TFLOP/s (%s); fatbin by %s",
		d.Info(), float64(free)/(1<<30), float64(total)/(1<<30), d.Info().MemoryBandwidth()/1e9, tf32, bf16, src, fatbinCompiler)
}

// The noise kernel draws diffusion.Philox4x32.FillNormal's numbers rounded to float32 (the device's double
// log/sin/cos are within 2 ulp, far below float32 resolution: at most a rare 1-ulp difference).
func TestGPUNoiseMatchesPhilox(t *testing.T) {
	s := testStream(t)
	for _, c := range []struct {
		n      int
		seed   uint64
		stream uint32
	}{{1, 0, 0}, {7, 1, 3}, {1000001, 0xdeadbeefcafef00d, 12}, {1 << 22, 99, math.MaxUint32}} {
		buf := upload(t, make([]float32, c.n))
		if err := s.Normal(buf, c.seed, c.stream); err != nil {
			t.Fatal(err)
		}
		got := make([]float32, c.n)
		if err := s.Download(got, buf); err != nil {
			t.Fatal(err)
		}
		want := make([]float64, c.n)
		diffusion.NewPhilox(c.seed).FillNormal(want, c.stream, 0)
		exact, off := 0, 0
		for i := range want {
			switch ulpDiff(got[i], float32(want[i])) {
			case 0:
				exact++
			case 1:
				off++
			default:
				t.Fatalf("n %d seed %#x stream %d: element %d is %v, CPU %v", c.n, c.seed, c.stream, i, got[i], want[i])
			}
		}
		t.Logf("n %d stream %d: %d exact, %d one ulp off", c.n, c.stream, exact, off)
		if off > c.n/10000+1 {
			t.Errorf("%d of %d elements one ulp off", off, c.n)
		}
	}
}

// combine_f32[x4] computes exactly what its host transcription does (double FMAs in term order, one
// rounding), for every term count, with the destination among the terms, on aligned and unaligned buffers.
func TestGPUCombine(t *testing.T) {
	s := testStream(t)
	for _, n := range []int{1, 3, 4, 1001, 1<<20 + 3} {
		for _, off := range []int{0, 1} {
			host := make([][]float32, 14)
			dev := make([]Buffer, len(host))
			for i := range host {
				host[i] = randomF32(uint64(i+1), n+off, 1+float64(i))
				dev[i] = upload(t, host[i]).Slice(off, n+off)
				host[i] = host[i][off:]
			}
			for nterms := 0; nterms <= 13; nterms++ {
				terms := make([]Term, nterms)
				var args []diffusion.Term
				for k := range terms {
					buf := k + 1
					if k == nterms/2 {
						buf = 0 // the destination
					}
					c := math.Sin(float64(k+1)) * 3
					terms[k] = Term{Coef: c, Buf: dev[buf]}
					args = append(args, diffusion.Term{Coef: c, Buf: buf})
				}
				if err := s.Combine(dev[0], terms...); err != nil {
					t.Fatal(err)
				}
				for _, a := range splitCombine(0, args) {
					kernelCombine32(host, a)
				}
				got := make([]float32, n)
				if err := s.Download(got, dev[0]); err != nil {
					t.Fatal(err)
				}
				for i := range got {
					if got[i] != host[0][i] {
						t.Fatalf("n %d offset %d, %d terms: element %d is %v, emulation %v", n, off, nterms, i, got[i], host[0][i])
					}
				}
			}
		}
	}
}

// combine_dim_f32 computes exactly what its host transcription does (bias, then double FMAs in the plan's term
// order, one rounding), for dimensions below, at and above the block size, batches of one point or of more
// values than the grid has threads,
// every term count including split ones, with the destination among the terms and with and without bias,
// the coefficient vectors read from the program's one device copy.
func TestGPUCombineDim(t *testing.T) {
	d := testDevice(t)
	s := testStream(t)
	for _, dim := range []int{1, 3, 64, 1000} {
		// 12000 points of 3 and 333 of 1000 take several grid strides (coordinate wrapping by additions).
		for _, points := range []int{1, 5, 333, 12000} {
			if dim*points > 400_000 {
				continue
			}
			n := dim * points
			for _, nterms := range []int{0, 1, 3, 8, 9, 13} {
				for _, withBias := range []bool{false, true} {
					const dst = 3
					plan := perDimPlan(nterms, dim, dst, []int{nterms / 2}, withBias, uint64(n+nterms))
					prog, err := Compile(plan)
					if err != nil {
						t.Fatal(err)
					}
					bytes := 8 * int64(len(prog.DimCoefs))
					coefs, err := d.alloc(bytes)
					if err != nil {
						t.Fatal(err)
					}
					if err := d.copyHtoD(coefs, unsafe.Pointer(&prog.DimCoefs[0]), bytes); err != nil {
						t.Fatal(err)
					}
					host := make([][]float32, plan.Buffers)
					dev := make([]Buffer, plan.Buffers)
					for i := range host {
						host[i] = randomF32(uint64(i+7*n), n, 1+float64(i))
						dev[i] = upload(t, host[i])
					}
					err = d.do(func() error {
						for _, l := range prog.Launches {
							if err := s.combineDim(dev, coefs, dim, l.CombineDim); err != nil {
								return err
							}
						}
						return nil
					})
					if err != nil {
						t.Fatal(err)
					}
					for _, l := range prog.Launches {
						kernelCombineDim(host, prog.DimCoefs, dim, l.CombineDim, emuThreads)
					}
					got := make([]float32, n)
					if err := s.Download(got, dev[dst]); err != nil {
						t.Fatal(err)
					}
					if err := d.free(coefs); err != nil {
						t.Fatal(err)
					}
					for i := range got {
						if math.Float32bits(got[i]) != math.Float32bits(host[dst][i]) {
							t.Fatalf("dimension %d, %d points, %d terms, bias %v: value %d is %v, emulation %v",
								dim, points, nterms, withBias, i, got[i], host[dst][i])
						}
					}
				}
			}
		}
	}
}

// A plan with per-dimension coefficients runs only on batches of its dimension: the executor refuses a batch
// that is not a whole number of points and a denoiser of another dimension.
func TestGPUCombineDimRefusesOtherDimensions(t *testing.T) {
	d := testDevice(t)
	p := diffusion.NewEDM()
	st := diffusion.GaussianStatistics{Mean: []float64{1, -1, 0.5}, Var: []float64{0.5, 1, 2}, Lo: -20, Hi: 20}
	plan, err := diffusion.PlanForNFE(diffusion.DPMSolverV3{Stats: st, Order: 2}, p, diffusion.Karras{Rho: 7}, 6)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewExecutor(d, plan, 10); err == nil {
		t.Error("executor for 10 values of a 3-D plan accepted")
	}
	e, err := NewExecutor(d, plan, 12)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	err = e.Run(context.Background(), nanDenoiser{4}, make([]float32, 12), RunOptions{})
	if err == nil || !strings.Contains(err.Error(), "dimension 3") {
		t.Errorf("a 4-D denoiser on a 3-D plan gave %v", err)
	}
}

func TestGPUElementwise(t *testing.T) {
	s := testStream(t)
	d := testDevice(t)
	const n = 100003
	x, y := randomF32(1, n, 3), randomF32(2, n, 2)
	x[5], x[6] = float32(math.NaN()), float32(math.Inf(-1))
	bx, by, bz := upload(t, x), upload(t, y), upload(t, make([]float32, n))
	check := func(name string, got []float32, want func(i int) float32, ulps int64) {
		t.Helper()
		for i := range got {
			w := want(i)
			if math.IsNaN(float64(w)) {
				if !math.IsNaN(float64(got[i])) {
					t.Fatalf("%s: element %d is %v, want NaN", name, i, got[i])
				}
				continue
			}
			if ulpDiff(got[i], w) > ulps {
				t.Fatalf("%s: element %d is %v, want %v", name, i, got[i], w)
			}
		}
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.Mul(bz, bx, by))
	check("mul", download(t, bz), func(i int) float32 { return x[i] * y[i] }, 0)
	must(s.SiLU(bz, bx))
	check("silu", download(t, bz), func(i int) float32 { return float32(float64(x[i]) / (1 + math.Exp(-float64(x[i])))) }, 4)
	must(s.Copy(bz, by))
	must(s.Axpby(bz, 0.7, bx, -1.3))
	check("axpby", download(t, bz), func(i int) float32 { return float32(math.FMA(0.7, float64(x[i]), -1.3*float64(y[i]))) }, 0)
	must(s.Copy(bz, bx))
	must(s.Clamp(bz, -1, 2))
	check("clamp", download(t, bz), func(i int) float32 {
		if math.IsNaN(float64(x[i])) {
			return x[i]
		}
		return float32(math.Min(math.Max(float64(x[i]), -1), 2))
	}, 0)
	must(s.Fill(bz, 0.1))
	check("fill", download(t, bz), func(int) float32 { return 0.1 }, 0)

	h, err := d.AllocBF16(n)
	must(err)
	defer d.FreeBF16(h)
	must(s.ToBF16(h, bx))
	bits := make([]uint16, n)
	must(d.DownloadBF16(bits, h))
	for i, v := range x {
		if math.IsNaN(float64(v)) {
			if !math.IsNaN(float64(FromBF16(bits[i]))) {
				t.Fatalf("bf16 of NaN is %#04x", bits[i])
			}
		} else if bits[i] != ToBF16(v) {
			t.Fatalf("bf16 of %v is %#04x, ToBF16 gives %#04x", v, bits[i], ToBF16(v))
		}
	}
	must(s.FromBF16(bz, h))
	check("from bf16", download(t, bz), func(i int) float32 { return FromBF16(ToBF16(x[i])) }, 0)

	// Inpaint: shared values and one row per point.
	const dim = 7
	m := []bool{true, false, false, true, false, false, true}
	vals := []float64{1, 2, 3, 4, 5, 6, 7}
	in, err := NewInpaint(d, m, vals)
	must(err)
	defer in.Close()
	pts := randomF32(3, dim*11, 1)
	bp := upload(t, pts)
	must(in.Condition(s, bp, 0, 1, 0))
	check("inpaint", download(t, bp), func(i int) float32 {
		if m[i%dim] {
			return float32(vals[i%dim])
		}
		return pts[i]
	}, 0)
	rows := make([]float64, dim*11)
	for i := range rows {
		rows[i] = float64(i)
	}
	in2, err := NewInpaint(d, m, rows)
	must(err)
	defer in2.Close()
	bp2 := upload(t, pts)
	must(in2.Condition(s, bp2, 0, 1, 0))
	check("inpaint rows", download(t, bp2), func(i int) float32 {
		if m[i%dim] {
			return float32(i)
		}
		return pts[i]
	}, 0)
}

func TestGPUStats(t *testing.T) {
	s := testStream(t)
	for _, n := range []int{1, 255, 1 << 20, 10000019} {
		x := randomF32(uint64(n), n, 2)
		if n > 10 {
			x[3], x[n-1] = float32(math.NaN()), float32(math.Inf(1))
		}
		st, err := s.Stats(upload(t, x))
		if err != nil {
			t.Fatal(err)
		}
		var sum, sq, mx float64
		var bad int64
		for _, v := range x {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				bad++
				continue
			}
			sum += float64(v)
			sq += float64(v) * float64(v)
			mx = math.Max(mx, math.Abs(float64(v)))
		}
		if st.NonFinite != bad || st.MaxAbs != mx || math.Abs(st.Sum-sum) > 1e-12*sq || math.Abs(st.SumSq-sq) > 1e-12*sq {
			t.Errorf("n %d: stats %+v, want sum %v, sumsq %v, max %v, non-finite %d", n, st, sum, sq, mx, bad)
		}
		again, _ := s.Stats(upload(t, x))
		if again != st {
			t.Errorf("n %d: reduction not deterministic: %+v then %+v", n, st, again)
		}
	}
}

// gemmCheck compares C = alpha A B + beta C0 against a float64 product of the same inputs, elementwise within
// tol * (|alpha| sum_k |a_ik b_kj| + |beta c0_ij|).
func gemmCheck(t *testing.T, name string, got []float32, a, b []float32, c0 []float32, m, n, k, lda, ldb, ldc int,
	alpha, beta, tol float64) {
	t.Helper()
	worst := 0.0
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s, mag float64
			for x := 0; x < k; x++ {
				p := float64(a[i*lda+x]) * float64(b[x*ldb+j])
				s += p
				mag += math.Abs(p)
			}
			want := alpha*s + beta*float64(c0[i*ldc+j])
			bound := math.Abs(alpha)*mag + math.Abs(beta*float64(c0[i*ldc+j]))
			e := math.Abs(float64(got[i*ldc+j]) - want)
			if !(e <= tol*bound+1e-30) { // NaN fails too
				t.Fatalf("%s %dx%dx%d: C(%d, %d) = %v, want %v (bound %.3g)", name, m, n, k, i, j, got[i*ldc+j], want, tol*bound)
			}
			if bound > 0 {
				worst = math.Max(worst, e/bound)
			}
		}
	}
	t.Logf("%s %dx%dx%d: largest error %.2e of sum |a b| (tolerance %.2e)", name, m, n, k, worst, tol)
}

func TestGPUGemm(t *testing.T) {
	s := testStream(t)
	d := testDevice(t)
	type shape struct{ m, n, k, pad int }
	for _, sh := range []shape{{1, 1, 1, 0}, {5, 7, 3, 1}, {128, 128, 32, 0}, {129, 131, 33, 0}, {256, 384, 512, 0},
		{300, 200, 70, 4}, {513, 257, 1000, 0}} {
		lda, ldb, ldc := sh.k+sh.pad, sh.n+sh.pad, sh.n+sh.pad
		a, b, c := randomF32(1, sh.m*lda, 1), randomF32(2, sh.k*ldb, 1), randomF32(3, sh.m*ldc, 1)
		ba, bb, bc := upload(t, a), upload(t, b), upload(t, c)
		if err := s.GemmTF32(sh.m, sh.n, sh.k, 1.5, ba, lda, bb, ldb, -0.5, bc, ldc); err != nil {
			t.Fatal(err)
		}
		// TF32 keeps 10 mantissa bits of each input: products are off by up to 2^-10 relative; float32
		// accumulation adds k 2^-23 at most (tensor cores may truncate).
		gemmCheck(t, "tf32", download(t, bc), a, b, c, sh.m, sh.n, sh.k, lda, ldb, ldc, 1.5, -0.5, 0x1p-10+float64(sh.k+16)*0x1p-23)
		// The 4-byte-copy path on an unaligned A (sliced by one value).
		if sh.k > 1 {
			a1 := upload(t, append([]float32{0}, a...)).Slice(1, len(a)+1)
			if err := s.GemmTF32(sh.m, sh.n, sh.k, 1, a1, lda, bb, ldb, 0, bc, ldc); err != nil {
				t.Fatal(err)
			}
			gemmCheck(t, "tf32 unaligned", download(t, bc), a, b, c, sh.m, sh.n, sh.k, lda, ldb, ldc, 1, 0, 0x1p-10+float64(sh.k+16)*0x1p-23)
		}
	}
	for _, sh := range []shape{{8, 8, 8, 0}, {136, 264, 72, 8}, {129, 128, 128, 0}, {1000, 520, 1024, 0}} {
		lda, ldb, ldc := sh.k+sh.pad, sh.n+sh.pad, sh.n+sh.pad
		a, b, c := randomF32(4, sh.m*lda, 1), randomF32(5, sh.k*ldb, 1), randomF32(6, sh.m*ldc, 1)
		ha, hb := make([]uint16, len(a)), make([]uint16, len(b))
		for i, v := range a {
			ha[i] = ToBF16(v)
			a[i] = FromBF16(ha[i])
		}
		for i, v := range b {
			hb[i] = ToBF16(v)
			b[i] = FromBF16(hb[i])
		}
		ba, err := d.AllocBF16(len(a))
		if err != nil {
			t.Fatal(err)
		}
		bb, err := d.AllocBF16(len(b))
		if err != nil {
			t.Fatal(err)
		}
		if err := d.UploadBF16(ba, ha); err != nil {
			t.Fatal(err)
		}
		if err := d.UploadBF16(bb, hb); err != nil {
			t.Fatal(err)
		}
		bc := upload(t, c)
		if err := s.GemmBF16(sh.m, sh.n, sh.k, 1, ba, lda, bb, ldb, 1, bc, ldc); err != nil {
			t.Fatal(err)
		}
		// Inputs are exact bfloat16, products exact in float32: only the accumulation rounds.
		gemmCheck(t, "bf16", download(t, bc), a, b, c, sh.m, sh.n, sh.k, lda, ldb, ldc, 1, 1, float64(sh.k+16)*0x1p-23)
		d.FreeBF16(ba)
		d.FreeBF16(bb)
	}
	if err := s.GemmBF16(8, 8, 12, 1, BF16{}, 12, BF16{}, 8, 0, Buffer{}, 8); err == nil {
		t.Error("bf16 gemm with k = 12 accepted")
	}
}

// The mixture kernel matches its host transcription and the float64 CPU denoiser to float32 rounding (one
// ulp, 1.5 against the CPU, at magnitude max(|D|, 1)), at every noise level, for a point count that is not a
// multiple of the block's.
func TestGPUMixtureDenoiser(t *testing.T) {
	s := testStream(t)
	d := testDevice(t)
	g := checkMixture(t)
	tab, err := newMixtureTables(g)
	if err != nil {
		t.Fatal(err)
	}
	for _, pn := range []string{"edm", "vp-linear", "flow", "trig"} {
		p, _ := diffusion.NewProcess(pn)
		m, err := NewMixture(d, g, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, t0 := range []float64{p.TMax(), p.TMax() / 3, p.TMin(), 0} {
			x := g.Noise(newRand(4), p, t0, 1001)
			x32 := make([]float32, len(x))
			for i, v := range x {
				x32[i] = float32(v)
				x[i] = float64(x32[i])
			}
			bx, bd := upload(t, x32), upload(t, make([]float32, len(x)))
			if err := m.Denoise(s, bd, bx, t0); err != nil {
				t.Fatal(err)
			}
			got := make([]float32, len(x))
			if err := s.Download(got, bd); err != nil {
				t.Fatal(err)
			}
			emu := make([]float32, len(x))
			if err := kernelMixture(tab, emu, x32, p.Alpha(t0), p.Sigma(t0)); err != nil {
				t.Fatal(err)
			}
			cpu := make([]float64, len(x))
			if err := g.Denoiser(p).Denoise(cpu, x, t0); err != nil {
				t.Fatal(err)
			}
			same := 0
			for i := range got {
				if got[i] == emu[i] {
					same++
				}
				if !closeF32(got[i], float64(emu[i]), 1) || !closeF32(got[i], cpu[i], 1.5) {
					t.Errorf("%s t=%v: element %d is %v; transcription %v, CPU %v", pn, t0, i, got[i], emu[i], cpu[i])
					break
				}
			}
			t.Logf("%s t=%.4g: %d of %d values equal to the transcription's bits", pn, t0, same, len(got))
		}
		m.Close()
	}
}

// Every solver on the 64-D mixture, on the GPU, agrees with the float64 CPU executor to the float32 tolerances
// (emulate_test.go) and with the host emulation of its own kernels, launched op by op and replayed as CUDA
// graphs (bit-identical).
func TestGPUSolversMatchCPU(t *testing.T) {
	d := testDevice(t)
	g := checkMixture(t)
	refs := referenceRuns(t, g, checkCases(t, g), solverCheckPoints(d))
	mixtures := map[string]*Mixture{}
	defer func() {
		for _, m := range mixtures {
			m.Close()
		}
	}()
	t.Logf("%-10s %-15s %-22s %-22s %s", "process", "solver", "GPU vs CPU (rel RMS/max)", "emulation vs CPU", "GPU vs emulation")
	for _, r := range refs {
		m := mixtures[r.Process.Name()]
		if m == nil {
			var err error
			if m, err = NewMixture(d, g, r.Process); err != nil {
				t.Fatal(err)
			}
			mixtures[r.Process.Name()] = m
		}
		e, err := NewExecutor(d, r.Plan, len(r.X0))
		if err != nil {
			t.Fatal(err)
		}
		x := make([]float32, len(r.X0))
		run := func(graph bool) []float32 {
			for i, v := range r.X0 {
				x[i] = float32(v)
			}
			steps := 0
			opt := RunOptions{Seed: checkSeed, Graph: graph, Progress: func(done, total int) {
				steps++
				if done != steps || total != r.Plan.Steps() {
					t.Errorf("%s: progress (%d, %d) after %d steps", r.Solver, done, total, steps)
				}
			}}
			if err := e.Run(context.Background(), m, x, opt); err != nil {
				t.Fatalf("%s %s (graph %v): %v", r.Process.Name(), r.Solver, graph, err)
			}
			if steps != r.Plan.Steps() {
				t.Errorf("%s: %d progress calls for %d steps", r.Solver, steps, r.Plan.Steps())
			}
			return append([]float32(nil), x...)
		}
		direct := run(false)
		graphed := run(true)
		e.Close()
		vsCPU, vsEmu := compare(direct, r.CPU), compare(direct, f64(r.Emu))
		t.Logf("%-10s %-15s %.2e / %.2e      %.2e / %.2e      %.2e / %.2e", r.Process.Name(), r.Solver,
			vsCPU.RelRMS, vsCPU.MaxAbs, r.EmuVs.RelRMS, r.EmuVs.MaxAbs, vsEmu.RelRMS, vsEmu.MaxAbs)
		if !vsCPU.within() {
			t.Errorf("%s %s: GPU differs from the CPU by rel RMS %.3g, max %.3g (tolerance %.0e, %.0e)",
				r.Process.Name(), r.Solver, vsCPU.RelRMS, vsCPU.MaxAbs, solverTolRelRMS, solverTolMaxAbs)
		}
		if vsEmu.RelRMS > math.Max(2*r.EmuVs.RelRMS, 1e-7) {
			t.Errorf("%s %s: GPU differs from the emulation of its kernels by rel RMS %.3g, more than twice the emulation's own error %.3g",
				r.Process.Name(), r.Solver, vsEmu.RelRMS, r.EmuVs.RelRMS)
		}
		for i := range direct {
			if math.Float32bits(direct[i]) != math.Float32bits(graphed[i]) {
				t.Errorf("%s %s: graph replay differs from launches at %d: %v vs %v", r.Process.Name(), r.Solver, i, graphed[i], direct[i])
				break
			}
		}
	}
}

// solverCheckPoints is the solver check's point count: checkPoints on a GPU, a quarter of that on gpu/cudaemu.
// The emulator runs every thread of the mixture kernel on one CPU core, and 78 cases x 2 runs x 256 points made
// this CI's longest test (184 s of the gpu check's 240); every value is checked against the same tolerances, so
// 64 points exercise the same arithmetic. gpu/check.sh on hardware keeps the full size.
func solverCheckPoints(d *Device) int {
	if strings.HasPrefix(d.Info().Name, "cudaemu") {
		return checkPoints / 4
	}
	return checkPoints
}

func f64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// Conditioning and x0 correction on the GPU match diffusion.Inpaint and diffusion.ClipX0 on the CPU, and one
// graph serves several seeds.
func TestGPUInpaintClipAndSeeds(t *testing.T) {
	d := testDevice(t)
	g := checkMixture(t)
	p := diffusion.NewEDM()
	s, _ := diffusion.NewSolver("dpmpp-2m-sde")
	plan, err := diffusion.PlanForNFE(s, p, diffusion.Karras{Rho: 7}, checkNFE)
	if err != nil {
		t.Fatal(err)
	}
	mask := make([]bool, 64)
	vals := make([]float64, 64)
	for i := 0; i < 64; i += 9 {
		mask[i], vals[i] = true, float64(i%5)-2
	}
	in, err := NewInpaint(d, mask, vals)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	m, err := NewMixture(d, g, p)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	x0 := initialNoise(g, p, checkPoints, 8)
	e, err := NewExecutor(d, plan, len(x0))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	for _, seed := range []uint64{1, 2, 3} {
		want := append([]float64(nil), x0...)
		cpuOpt := diffusion.RunOptions{Seed: seed, Condition: &diffusion.Inpaint{Mask: mask, Values: vals}, CorrectX0: diffusion.ClipX0(-2.5, 2.5)}
		if err := diffusion.Sample(context.Background(), plan, g.Denoiser(p), want, cpuOpt); err != nil {
			t.Fatal(err)
		}
		x := make([]float32, len(x0))
		for i, v := range x0 {
			x[i] = float32(v)
		}
		if err := e.Run(context.Background(), m, x, RunOptions{Seed: seed, Condition: in, CorrectX0: ClipX0{-2.5, 2.5}, Graph: true}); err != nil {
			t.Fatal(err)
		}
		if a := compare(x, want); !a.within() {
			t.Errorf("seed %d: inpainted, clipped GPU sample differs from the CPU by rel RMS %.3g, max %.3g", seed, a.RelRMS, a.MaxAbs)
		}
		for i, v := range x {
			if mask[i%64] && v != float32(vals[i%64]) {
				t.Fatalf("seed %d: inpainted coordinate %d is %v, want %v", seed, i, v, vals[i%64])
			}
		}
	}
	if nodes := e.CapturedNodes(); len(nodes) != len(e.Program().Ranges) {
		t.Errorf("%d captured graphs for %d steps", len(nodes), len(e.Program().Ranges))
	}
}

// nanDenoiser returns NaN everywhere.
type nanDenoiser struct{ dim int }

func (n nanDenoiser) Dim() int { return n.dim }
func (n nanDenoiser) Denoise(s *Stream, dst, x Buffer, t float64) error {
	return s.Fill(dst, math.NaN())
}

// Non-finite denoiser outputs are reported with their step; a cancelled context stops the run.
func TestGPUErrors(t *testing.T) {
	d := testDevice(t)
	p := diffusion.NewEDM()
	s, _ := diffusion.NewSolver("heun")
	plan, err := diffusion.PlanForNFE(s, p, diffusion.Karras{Rho: 7}, 9)
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewExecutor(d, plan, 64*10)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	x := randomF32(1, 64*10, 80)
	for _, graph := range []bool{false, true} {
		err := e.Run(context.Background(), nanDenoiser{64}, x, RunOptions{Graph: graph})
		if err == nil || !strings.Contains(err.Error(), "non-finite") || !strings.Contains(err.Error(), "step 0") {
			t.Errorf("graph %v: NaN denoiser gave %v", graph, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	g := checkMixture(t)
	m, err := NewMixture(d, g, p)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := e.Run(ctx, m, x, RunOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled run returned %v", err)
	}
	if err := e.Run(context.Background(), m, x[:10], RunOptions{}); err == nil {
		t.Error("wrong batch size accepted")
	}
	if err := e.Run(context.Background(), nanDenoiser{7}, x, RunOptions{}); err == nil {
		t.Error("batch not a multiple of the dimension accepted")
	}
}

// Device methods called from several goroutines at once, each with its own stream and buffers, give every
// goroutine its own results: Device.do makes the context current on whichever thread a goroutine runs on.
func TestGPUConcurrentStreams(t *testing.T) {
	d := testDevice(t)
	const workers, n, rounds = 4, 10007, 10
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[w] = concurrentWorker(d, w, n, rounds)
		}()
	}
	wg.Wait()
	for w, err := range errs {
		if err != nil {
			t.Errorf("worker %d: %v", w, err)
		}
	}
}

// concurrentWorker repeats x <- 0.5 x + 2 z with fresh noise z on its own stream and checks every round
// against the combine kernel's host transcription.
func concurrentWorker(d *Device, w, n, rounds int) error {
	s, err := d.NewStream()
	if err != nil {
		return err
	}
	defer s.Close()
	x, err := d.Alloc(n)
	if err != nil {
		return err
	}
	defer d.Free(x)
	z, err := d.Alloc(n)
	if err != nil {
		return err
	}
	defer d.Free(z)
	want := randomF32(uint64(w+10), n, 1)
	if err := s.Upload(x, want); err != nil {
		return err
	}
	noise, got := make([]float32, n), make([]float32, n)
	args := CombineArgs{Dst: 0, NTerms: 2, Bufs: [MaxTerms]int{0, 1, -1, -1, -1, -1, -1, -1}, Coefs: [MaxTerms]float64{0.5, 2}}
	for r := range rounds {
		if err := s.Normal(z, uint64(w), uint32(r)); err != nil {
			return err
		}
		if err := s.Combine(x, Term{0.5, x}, Term{2, z}); err != nil {
			return err
		}
		if err := s.Download(noise, z); err != nil {
			return err
		}
		if err := s.Download(got, x); err != nil {
			return err
		}
		kernelCombine32([][]float32{want, noise}, args)
		for i := range got {
			if got[i] != want[i] {
				return fmt.Errorf("round %d, element %d: %v, want %v", r, i, got[i], want[i])
			}
		}
	}
	return nil
}

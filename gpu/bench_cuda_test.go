//go:build cuda || trajdiff_cuda

package gpu

import (
	"context"
	"testing"
	"unsafe"

	"github.com/trajdiff/trajdiff/diffusion"
)

// Benchmarks of the hot paths on the device (go test -tags cuda -bench . ./gpu on a GPU machine);
// TestGPUTimings prints the same measurements as tables next to their references.

// benchBuffers allocates k buffers of n values filled with noise on s (and waits for it).
func benchBuffers(b *testing.B, s *Stream, n, k int) []Buffer {
	d := testDevice(b)
	out := make([]Buffer, k)
	for i := range out {
		var err error
		if out[i], err = d.Alloc(n); err != nil {
			b.Fatal(err)
		}
		buf := out[i]
		b.Cleanup(func() { d.Free(buf) })
		if err := s.Normal(out[i], 1, uint32(i)); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Synchronize(); err != nil {
		b.Fatal(err)
	}
	return out
}

func BenchmarkGPUCombine3(b *testing.B) {
	const n = 1 << 24
	s := testStream(b)
	bufs := benchBuffers(b, s, n, 3)
	b.SetBytes(16 * n)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.Combine(bufs[2], Term{0.5, bufs[0]}, Term{0.25, bufs[1]}, Term{-1, bufs[2]}); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Synchronize(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkGPUCombineDim3 is BenchmarkGPUCombine3 with per-dimension coefficients (d = 3072, a 32x32 RGB
// image) and a bias: 16 bytes of state per value as there, plus the coefficient vectors, which stay in cache.
func BenchmarkGPUCombineDim3(b *testing.B) {
	const dim = 3072
	const n = dim * (1 << 24 / dim) // whole points, about 2^24 values
	d := testDevice(b)
	s := testStream(b)
	bufs := benchBuffers(b, s, n, 3)
	prog, err := Compile(perDimPlan(3, dim, 3, []int{2}, true, 1))
	if err != nil {
		b.Fatal(err)
	}
	bytes := 8 * int64(len(prog.DimCoefs))
	coefs, err := d.alloc(bytes)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.free(coefs) })
	if err := d.copyHtoD(coefs, unsafe.Pointer(&prog.DimCoefs[0]), bytes); err != nil {
		b.Fatal(err)
	}
	// The plan's buffers 4, 5 and 3 (the destination) map to the three device buffers.
	all := make([]Buffer, prog.Buffers)
	all[4], all[5], all[3] = bufs[0], bufs[1], bufs[2]
	a := prog.Launches[0].CombineDim
	b.SetBytes(16 * n)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := d.do(func() error { return s.combineDim(all, coefs, dim, a) }); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Synchronize(); err != nil {
		b.Fatal(err)
	}
}

func BenchmarkGPUNormal(b *testing.B) {
	const n = 1 << 24
	s := testStream(b)
	bufs := benchBuffers(b, s, n, 1)
	b.SetBytes(4 * n)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.Normal(bufs[0], uint64(i), 0); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Synchronize(); err != nil {
		b.Fatal(err)
	}
}

func BenchmarkGPUMixtureDenoise(b *testing.B) {
	const points = 1 << 16
	s := testStream(b)
	bufs := benchBuffers(b, s, 64*points, 2)
	m, err := NewMixture(testDevice(b), checkMixture(b), diffusion.NewEDM())
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := m.Denoise(s, bufs[1], bufs[0], 1); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Synchronize(); err != nil {
		b.Fatal(err)
	}
}

func benchmarkGemm(b *testing.B, bf16 bool) {
	const n = 4096
	d := testDevice(b)
	s := testStream(b)
	bufs := benchBuffers(b, s, n*n, 3)
	var ha, hb BF16
	if bf16 {
		ha, _ = d.AllocBF16(n * n)
		hb, _ = d.AllocBF16(n * n)
		defer d.FreeBF16(ha)
		defer d.FreeBF16(hb)
		s.ToBF16(ha, bufs[0])
		s.ToBF16(hb, bufs[1])
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var err error
		if bf16 {
			err = s.GemmBF16(n, n, n, 1, ha, n, hb, n, 0, bufs[2], n)
		} else {
			err = s.GemmTF32(n, n, n, 1, bufs[0], n, bufs[1], n, 0, bufs[2], n)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Synchronize(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(2*n*n*n*float64(b.N)/b.Elapsed().Seconds()/1e12, "TFLOP/s")
}

func BenchmarkGPUGemmTF32(b *testing.B) { benchmarkGemm(b, false) }
func BenchmarkGPUGemmBF16(b *testing.B) { benchmarkGemm(b, true) }

// One sampler run per iteration (dpmpp-2m, 20 NFE, 1e6 values), launches or graphs; with isolate, every
// example's failures isolated (RunOptions.NonFinite: two elementwise passes per evaluation instead of one
// count, and one at the end).
func benchmarkSampler(b *testing.B, graph, isolate bool) {
	d := testDevice(b)
	g := checkMixture(b)
	p := diffusion.NewEDM()
	m, err := NewMixture(d, g, p)
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	sol, _ := diffusion.NewSolver("dpmpp-2m")
	plan, err := diffusion.PlanForNFE(sol, p, diffusion.Karras{Rho: 7}, checkNFE)
	if err != nil {
		b.Fatal(err)
	}
	e, err := NewExecutor(d, plan, 64*15625)
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	if err := e.Stream().Normal(e.State(), 1, 0); err != nil {
		b.Fatal(err)
	}
	opt := RunOptions{Seed: 1, Graph: graph}
	if isolate {
		opt.NonFinite = func(j int, t float64) { b.Fatalf("example %d diverged at t = %v", j, t) }
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := e.RunDevice(context.Background(), m, opt); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(plan.Steps()*b.N)/b.Elapsed().Seconds(), "steps/s")
}

func BenchmarkGPUSamplerLaunches(b *testing.B)       { benchmarkSampler(b, false, false) }
func BenchmarkGPUSamplerGraphs(b *testing.B)         { benchmarkSampler(b, true, false) }
func BenchmarkGPUSamplerGraphsIsolated(b *testing.B) { benchmarkSampler(b, true, true) }

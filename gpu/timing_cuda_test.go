//go:build cuda || trajdiff_cuda

package gpu

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/trajdiff/trajdiff/diffusion"
)

// TestGPUTimings prints the GPU benchmark tables for docs/benchmarks.md when TRAJDIFF_GPU_TIMINGS=1
// (gpu/check.sh sets it). Nothing here is asserted: timings are printed next to references measured in the
// same run (the device's copy bandwidth and tensor-core peak, the CPU executor on the same machine).
// TRAJDIFF_GPU_TIMINGS=smoke runs every measurement on small sizes, so that CI can run this code on the CPU
// emulation of the driver (gpu/cudaemu) before a GPU ever does; its numbers mean nothing.
func TestGPUTimings(t *testing.T) {
	mode := os.Getenv("TRAJDIFF_GPU_TIMINGS")
	if mode != "1" && mode != "smoke" {
		t.Skip("set TRAJDIFF_GPU_TIMINGS=1 to print the GPU timings (smoke: small sizes)")
	}
	smoke := mode == "smoke"
	// Sizes of the full run, and of the smoke run.
	n := 1 << 26 // 64 Mi values, 256 MiB per buffer
	gemmSizes := []int{2048, 4096, 8192}
	samplerValues := []int{100_032, 1_000_000, 10_000_000}
	overheadNFE := 100
	if smoke {
		n, gemmSizes, samplerValues, overheadNFE = 1<<16, []int{256}, []int{6400}, 10
	}
	d := testDevice(t)
	s := testStream(t)
	info := d.Info()
	var out strings.Builder
	pr := func(format string, a ...any) { fmt.Fprintf(&out, format+"\n", a...) }
	pr("device: %s", info)
	bw := info.MemoryBandwidth()

	alloc := func(n int) Buffer {
		b, err := d.Alloc(n)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	allocBF16 := func(n int) BF16 {
		b, err := d.AllocBF16(n)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	must := func(err error) {
		if err != nil {
			t.Helper()
			t.Fatal(err)
		}
	}

	// Memory-bound kernels against a device-to-device copy of the same size.
	a, b, c := alloc(n), alloc(n), alloc(n)
	defer d.Free(a)
	defer d.Free(b)
	defer d.Free(c)
	for _, x := range []Buffer{a, b, c} {
		if err := s.Normal(x, 1, 0); err != nil {
			t.Fatal(err)
		}
	}
	timeOn := func(st *Stream, f func() error) time.Duration {
		if err := f(); err != nil { // warm-up
			t.Fatal(err)
		}
		var ds []time.Duration
		for i := 0; i < 5; i++ {
			dt, err := st.Time(f)
			if err != nil {
				t.Fatal(err)
			}
			ds = append(ds, dt)
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		return ds[2] // median of 5
	}
	timeIt := func(f func() error) time.Duration { return timeOn(s, f) }
	pr("\n| kernel (%.3g Mi float32) | bytes moved | time | GB/s | of theoretical %.0f GB/s |", float64(n)/(1<<20), bw/1e9)
	pr("|---|---|---|---|---|")
	row := func(name string, nbytes int, dt time.Duration) {
		bytes := float64(nbytes)
		pr("| %s | %.0f MiB | %.3f ms | %.0f | %.0f%% |", name, bytes/(1<<20), dt.Seconds()*1e3, bytes/dt.Seconds()/1e9, 100*bytes/dt.Seconds()/bw)
	}
	row("cuMemcpyDtoD (reference)", 8*n, timeIt(func() error { return s.Copy(c, a) }))
	row("combine, 1 term", 8*n, timeIt(func() error { return s.Combine(c, Term{0.5, a}) }))
	row("combine, 3 terms (dst among them)", 16*n, timeIt(func() error { return s.Combine(c, Term{0.5, a}, Term{0.25, b}, Term{-1, c}) }))
	row("normal (Philox + Box-Muller)", 4*n, timeIt(func() error { return s.Normal(c, 7, 3) }))
	row("stats (sum, sumsq, max, non-finite)", 4*n, timeIt(func() error { _, err := s.Stats(a); return err }))

	// GEMM against the tensor-core peak.
	tf32Peak, bf16Peak, src := info.PeakTFLOPS()
	pr("\n| GEMM (C = A B, row-major) | time | TFLOP/s | of peak (%s) |", src)
	pr("|---|---|---|---|")
	for _, sz := range gemmSizes {
		m := sz * sz
		ga, gb, gc := alloc(m), alloc(m), alloc(m)
		must(s.Normal(ga, 1, 1))
		must(s.Normal(gb, 1, 2))
		flops := 2 * float64(sz) * float64(sz) * float64(sz)
		dt := timeIt(func() error { return s.GemmTF32(sz, sz, sz, 1, ga, sz, gb, sz, 0, gc, sz) })
		pr("| TF32 %d^3 | %.3f ms | %.1f | %.0f%% of %.0f |", sz, dt.Seconds()*1e3, flops/dt.Seconds()/1e12, 100*flops/dt.Seconds()/1e12/tf32Peak, tf32Peak)
		ha, hb := allocBF16(m), allocBF16(m)
		must(s.ToBF16(ha, ga))
		must(s.ToBF16(hb, gb))
		dt = timeIt(func() error { return s.GemmBF16(sz, sz, sz, 1, ha, sz, hb, sz, 0, gc, sz) })
		pr("| BF16 %d^3 | %.3f ms | %.1f | %.0f%% of %.0f |", sz, dt.Seconds()*1e3, flops/dt.Seconds()/1e12, 100*flops/dt.Seconds()/1e12/bf16Peak, bf16Peak)
		d.Free(ga)
		d.Free(gb)
		d.Free(gc)
		d.FreeBF16(ha)
		d.FreeBF16(hb)
	}

	// Whole samplers on the 64-D mixture: steps per second, launches vs graphs, the CPU executor as reference.
	g := checkMixture(t)
	p := diffusion.NewEDM()
	mix, err := NewMixture(d, g, p)
	if err != nil {
		t.Fatal(err)
	}
	defer mix.Close()
	// The solvers timed: three of the scalar-coefficient plans and DPM-Solver-v3 (per-dimension combinations).
	type timedSolver struct {
		name string
		sol  diffusion.Solver
	}
	v3 := diffusion.DPMSolverV3{Stats: checkStatistics(t, g, p), Order: 3}
	timed := func(names ...string) []timedSolver {
		var out []timedSolver
		for _, sn := range names {
			sol, err := diffusion.NewSolver(sn)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, timedSolver{sn, sol})
		}
		return append(out, timedSolver{v3.Name(), v3})
	}
	pr("\n| sampler (64-D, 4-component mixture, EDM, %d NFE) | values | GPU launches: steps/s | GPU graphs: steps/s | mixture eval | CPU executor: steps/s (%d threads) |", checkNFE, runtime.GOMAXPROCS(0))
	pr("|---|---|---|---|---|---|")
	for _, ts := range timed("dpmpp-2m", "euler-maruyama", "heun") {
		sn := ts.name
		plan, err := diffusion.PlanForNFE(ts.sol, p, diffusion.Karras{Rho: 7}, checkNFE)
		if err != nil {
			t.Fatal(err)
		}
		for _, values := range samplerValues {
			values -= values % 64
			x0 := initialNoise(g, p, values/64, 2)
			x := make([]float32, values)
			for i, v := range x0 {
				x[i] = float32(v)
			}
			e, err := NewExecutor(d, plan, values)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Upload(e.State(), x); err != nil {
				t.Fatal(err)
			}
			rate := func(graph bool) float64 {
				run := func() error { return e.RunDevice(context.Background(), mix, RunOptions{Seed: 1, Graph: graph}) }
				if err := run(); err != nil {
					t.Fatal(err)
				}
				best := time.Duration(1 << 62)
				for i := 0; i < 3; i++ {
					t0 := time.Now()
					if err := run(); err != nil {
						t.Fatal(err)
					}
					best = min(best, time.Since(t0))
				}
				return float64(plan.Steps()) / best.Seconds()
			}
			direct, graphed := rate(false), rate(true)
			evalTime := timeOn(e.Stream(), func() error { return mix.Denoise(e.Stream(), e.bufs[1], e.State(), 1) })
			cpu := "-"
			if values <= 1_000_000 {
				t0 := time.Now()
				if err := diffusion.Sample(context.Background(), plan, g.Denoiser(p), append([]float64(nil), x0...), diffusion.RunOptions{Seed: 1}); err != nil {
					t.Fatal(err)
				}
				cpu = fmt.Sprintf("%.1f", float64(plan.Steps())/time.Since(t0).Seconds())
			}
			pr("| %s | %.0e | %.0f | %.0f | %.3f ms | %s |", sn, float64(values), direct, graphed, evalTime.Seconds()*1e3, cpu)
			e.Close()
		}
	}

	// Per-step overhead: a batch of one point, 100 steps, so the kernels take no time and launching is all.
	pr("\n| per-step overhead (1 point, %d NFE) | launches/step | host µs/step, launches | host µs/step, graphs | graph nodes/step |", overheadNFE)
	pr("|---|---|---|---|---|")
	for _, ts := range timed("euler", "dpmpp-2m", "unipc-3", "dpmpp-2m-sde") {
		sn := ts.name
		plan, err := diffusion.PlanForNFE(ts.sol, p, diffusion.Karras{Rho: 7}, overheadNFE)
		if err != nil {
			t.Fatal(err)
		}
		e, err := NewExecutor(d, plan, 64)
		if err != nil {
			t.Fatal(err)
		}
		x := randomF32(1, 64, 80)
		per := func(graph bool) float64 {
			best := time.Duration(1 << 62)
			for i := 0; i < 6; i++ {
				t0 := time.Now()
				if err := e.Run(context.Background(), mix, x, RunOptions{Seed: 3, Graph: graph}); err != nil {
					t.Fatal(err)
				}
				if i > 0 {
					best = min(best, time.Since(t0))
				}
			}
			return best.Seconds() * 1e6 / float64(plan.Steps())
		}
		launches := 0
		for _, l := range e.Program().Launches {
			switch l.Kind {
			case LaunchEval:
				launches += 2 // denoiser + non-finite count
			case LaunchCombine, LaunchCombineDim, LaunchNoise:
				launches++
			}
		}
		direct, graphed := per(false), per(true)
		nodes := 0
		for _, k := range e.CapturedNodes() {
			nodes += k
		}
		pr("| %s | %.1f | %.1f | %.1f | %.1f |", sn, float64(launches)/float64(plan.Steps()), direct, graphed, float64(nodes)/float64(plan.Steps()))
		e.Close()
	}
	fmt.Println(out.String())
}

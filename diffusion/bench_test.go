package diffusion

import (
	"context"
	"testing"
)

const benchN = 1_000_000

// BenchmarkCombine measures one DPM-Solver++(2M) update, x = a x + b D0 + c D1, on 10^6 float64 values: three
// reads and one write per element (32 MB). Compare its MB/s with BenchmarkCopyReference, a plain copy of the
// same size measured in the same run.
func BenchmarkCombine(b *testing.B) {
	bufs := [][]float64{make([]float64, benchN), make([]float64, benchN), make([]float64, benchN)}
	op := &Op{Kind: OpCombine, Dst: 0, Terms: []Term{{0.9, 0}, {0.05, 1}, {0.05, 2}}}
	e := &Executor{bufs: bufs, n: benchN, plan: &Plan{}}
	b.SetBytes(4 * 8 * benchN)
	for b.Loop() {
		e.apply(op, Philox4x32{}, 0, benchN)
	}
}

// BenchmarkCopyReference is the memory-bandwidth reference: copy() of 10^6 float64 (16 MB of traffic).
func BenchmarkCopyReference(b *testing.B) {
	src, dst := make([]float64, benchN), make([]float64, benchN)
	b.SetBytes(2 * 8 * benchN)
	for b.Loop() {
		copy(dst, src)
	}
}

// BenchmarkTriadReference is STREAM's triad a = b + s c on 10^6 float64 (24 MB), written as a plain loop.
func BenchmarkTriadReference(b *testing.B) {
	a, x, y := make([]float64, benchN), make([]float64, benchN), make([]float64, benchN)
	b.SetBytes(3 * 8 * benchN)
	for b.Loop() {
		for i := range a {
			a[i] = x[i] + 0.5*y[i]
		}
	}
}

// BenchmarkNoise draws 10^6 Philox normals.
func BenchmarkNoise(b *testing.B) {
	z := make([]float64, benchN)
	g := NewPhilox(1)
	b.SetBytes(8 * benchN)
	for b.Loop() {
		g.FillNormal(z, 0, 0)
	}
}

// BenchmarkSamplerStep runs whole sampler steps on 10^6 values with a trivial denoiser (D = 0.9 x, one pass),
// reporting ns per step; allocations are per 50-step run.
func BenchmarkSamplerStep(b *testing.B) {
	for _, name := range []string{"euler", "dpmpp-2m", "unipc-3", "dpmpp-2m-sde"} {
		b.Run(name, func(b *testing.B) {
			p := NewEDM()
			times, _ := Karras{Rho: 7}.Times(p, 50)
			s, _ := NewSolver(name)
			plan, err := s.Plan(p, times)
			if err != nil {
				b.Fatal(err)
			}
			e := NewExecutor(plan, benchN)
			x := make([]float64, benchN)
			d := scaleDenoiser{1, 0.9}
			b.ReportAllocs()
			for b.Loop() {
				clear(x)
				if err := e.Run(context.Background(), d, x, RunOptions{Seed: 1}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/50, "ns/step")
		})
	}
}

// BenchmarkMixtureDenoiser64D evaluates the exact denoiser of a 4-component 64-D mixture on 1024 points.
func BenchmarkMixtureDenoiser64D(b *testing.B) {
	g := testMixture64(b)
	p := NewEDM()
	x := g.Noise(newRand(1), p, 1, 1024)
	dst := make([]float64, len(x))
	d := g.Denoiser(p)
	for b.Loop() {
		d.Denoise(dst, x, 1)
	}
}

// BenchmarkPlan compiles UniPC-3 for 100 steps.
func BenchmarkPlan(b *testing.B) {
	p := NewEDM()
	times, _ := Karras{Rho: 7}.Times(p, 100)
	for b.Loop() {
		UniPC{Order: 3}.Plan(p, times)
	}
}

package gpu

import (
	"context"
	"math"
	"testing"

	"github.com/trajdiff/trajdiff/diffusion"
)

// perDimPlan is a plan of one OpCombineDim into buffer dst with nterms terms of dimension d: term k reads
// buffer 4+k, or dst for the k in dstAt; bias is set when withBias.
func perDimPlan(nterms, d, dst int, dstAt []int, withBias bool, seed uint64) *diffusion.Plan {
	rng := newRand(seed)
	op := diffusion.Op{Kind: diffusion.OpCombineDim, Dst: dst}
	b := 4
	for k := 0; k < nterms; k++ {
		buf := b
		if containsInt(dstAt, k) {
			buf = dst
		} else {
			b++
		}
		v := make([]float64, d)
		for j := range v {
			v[j] = rng.NormFloat64()
		}
		op.Terms = append(op.Terms, diffusion.Term{Coef: float64(k+1) * 0.37, Buf: buf})
		op.Vecs = append(op.Vecs, v)
	}
	if withBias || nterms == 0 {
		op.Bias = make([]float64, d)
		for j := range op.Bias {
			op.Bias[j] = rng.NormFloat64()
		}
	}
	return &diffusion.Plan{Solver: "hand", Buffers: 4 + nterms, Times: []float64{1, 0}, Ops: []diffusion.Op{op}}
}

func containsInt(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// cpuCombineDim is diffusion's CPU executor's OpCombineDim: bias first, then Coef v_j buf_i in term order.
func cpuCombineDim(bufs [][]float64, op *diffusion.Op, d int) []float64 {
	out := make([]float64, len(bufs[op.Dst]))
	for i := range out {
		j := i % d
		acc := 0.0
		if op.Bias != nil {
			acc = op.Bias[j]
		}
		for k, t := range op.Terms {
			acc += t.Coef * op.Vecs[k][j] * bufs[t.Buf][i]
		}
		out[i] = acc
	}
	return out
}

// A per-dimension combination that fits one launch keeps the plan's term order (the CPU's summation order)
// with each vector the CPU's product Coef v; a longer one is split so that the destination's old value is
// read before it is overwritten (its own terms merged into the first launch). Either way the launches
// compute the combination, with the destination anywhere among the terms, several times, or not at all.
func TestCompileSplitsLongPerDimensionCombinations(t *testing.T) {
	const points = 5
	for _, nterms := range []int{0, 1, 7, 8, 9, 15, 16, 23} {
		for _, dstAt := range [][]int{nil, {0}, {nterms / 2}, {nterms - 1}, {1, nterms - 2}} {
			for _, d := range []int{1, 3, 7} {
				for _, withBias := range []bool{false, true} {
					const dst = 3
					plan := perDimPlan(nterms, d, dst, dstAt, withBias, uint64(nterms*100+d))
					op := &plan.Ops[0]
					prog, err := Compile(plan)
					if err != nil {
						t.Fatal(err)
					}
					if prog.Dim != d {
						t.Fatalf("program dimension %d, want %d", prog.Dim, d)
					}
					if nterms <= MaxTerms {
						if len(prog.Launches) != 1 {
							t.Fatalf("%d terms: %d launches, want 1", nterms, len(prog.Launches))
						}
						a := prog.Launches[0].CombineDim
						for k, tm := range op.Terms {
							if a.Bufs[k] != tm.Buf {
								t.Errorf("%d terms: launch term %d reads buffer %d, the plan's term %d", nterms, k, a.Bufs[k], tm.Buf)
							}
							for j := 0; j < d; j++ {
								if got, want := prog.DimCoefs[a.Coefs+k*d+j], tm.Coef*op.Vecs[k][j]; got != want {
									t.Errorf("term %d coordinate %d: coefficient %v, want Coef v = %v", k, j, got, want)
								}
							}
						}
					}
					for i, l := range prog.Launches {
						a := l.CombineDim
						if l.Kind != LaunchCombineDim || a.Dst != dst || a.NTerms > MaxTerms {
							t.Fatalf("launch %d: kind %d, dst %d, %d terms", i, l.Kind, a.Dst, a.NTerms)
						}
						if (a.Bias >= 0) != (i == 0 && op.Bias != nil) {
							t.Errorf("%d terms: launch %d has bias offset %d", nterms, i, a.Bias)
						}
						for k := 0; k < a.NTerms; k++ {
							if nterms > MaxTerms && a.Bufs[k] == dst && k != 0 {
								t.Errorf("%d terms: split launch %d reads the destination as term %d, not first", nterms, i, k)
							}
						}
						for k := a.NTerms; k < MaxTerms; k++ {
							if a.Bufs[k] != -1 {
								t.Errorf("unused slot %d of launch %d is buffer %d", k, i, a.Bufs[k])
							}
						}
					}
					bufs := make([][]float64, plan.Buffers)
					rng := newRand(uint64(nterms + d))
					for i := range bufs {
						bufs[i] = make([]float64, points*d)
						for j := range bufs[i] {
							bufs[i][j] = rng.NormFloat64()
						}
					}
					want := cpuCombineDim(bufs, op, d)
					if err := emulate64(prog, bufs, nil, 0); err != nil {
						t.Fatal(err)
					}
					for i := range want {
						if diff := math.Abs(bufs[dst][i] - want[i]); diff > 1e-13*(1+math.Abs(want[i])) {
							t.Fatalf("%d terms, dst at %v, d %d, bias %v: element %d is %v, want %v", nterms, dstAt, d, withBias, i, bufs[dst][i], want[i])
						}
					}
				}
			}
		}
	}
}

// The kernel derives each value's coordinate by adding the grid stride modulo d instead of dividing per value;
// for any grid (fewer, as many or more threads than values or than d) that is i mod d: the result equals the
// combination computed with i mod d directly, bit for bit.
func TestCombineDimCoordinateIsIndexModDimension(t *testing.T) {
	for _, d := range []int{1, 2, 3, 5, 64, 100} {
		for _, points := range []int{1, 3, 17} {
			plan := perDimPlan(3, d, 3, []int{1}, true, uint64(d*points))
			prog, err := Compile(plan)
			if err != nil {
				t.Fatal(err)
			}
			a := prog.Launches[0].CombineDim
			n := points * d
			src := make([][]float64, plan.Buffers)
			rng := newRand(uint64(n))
			for i := range src {
				src[i] = make([]float64, n)
				for j := range src[i] {
					src[i][j] = rng.NormFloat64()
				}
			}
			want := make([]float64, n)
			for i := range want {
				j := i % d
				acc := prog.DimCoefs[a.Bias+j]
				for k := 0; k < a.NTerms; k++ {
					acc = math.FMA(prog.DimCoefs[a.Coefs+k*d+j], src[a.Bufs[k]][i], acc)
				}
				want[i] = acc
			}
			for _, threads := range []int{1, 2, 3, 7, 63, 64, 65, 257, 4096} {
				bufs := make([][]float64, len(src))
				for i := range bufs {
					bufs[i] = append([]float64(nil), src[i]...)
				}
				kernelCombineDim(bufs, prog.DimCoefs, d, a, threads)
				for i := range want {
					if math.Float64bits(bufs[3][i]) != math.Float64bits(want[i]) {
						t.Fatalf("d %d, %d points, %d threads: value %d is %v, want %v", d, points, threads, i, bufs[3][i], want[i])
					}
				}
			}
		}
	}
}

// DPM-Solver-v3's plans (per-dimension combinations with bias), compiled and run by the host emulation of the
// kernels in float64, reproduce diffusion's CPU executor for orders 1 to 3, the full-order and corrector-free
// variants, on exact Gaussian statistics and on statistics estimated from a mixture's denoiser, on every
// process with a finite log-SNR range.
func TestProgramReproducesCPUExecutorForDPMSolverV3(t *testing.T) {
	g, err := diffusion.RandomMixture(5, 3, 3)
	if err != nil {
		t.Fatal(err)
	}
	gauss := diffusion.GaussianStatistics{Mean: []float64{1, -0.5, 0.25}, Var: []float64{0.5, 0.02, 1.5}, Lo: -30, Hi: 30}
	for _, pn := range diffusion.ProcessNames() {
		p, err := diffusion.NewProcess(pn)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := diffusion.EMSRange(p); err != nil {
			continue // flow, trig: no finite log-SNR at the start, which v3 refuses
		}
		ems, err := diffusion.MixtureEMS(context.Background(), g, p, 32, diffusion.EMSOptions{Steps: 24, Batch: 32, Seed: 3})
		if err != nil {
			t.Fatalf("%s: %v", pn, err)
		}
		for _, st := range []diffusion.Statistics{gauss, ems} {
			for _, s := range []diffusion.DPMSolverV3{{Stats: st, Order: 1}, {Stats: st, Order: 2}, {Stats: st, Order: 3},
				{Stats: st, Order: 3, FullOrder: true}, {Stats: st, Order: 2, NoCorrector: true}} {
				plan, err := diffusion.PlanForNFE(s, p, diffusion.Karras{Rho: 7}, 8)
				if err != nil {
					t.Fatalf("%s on %s: %v", s.Name(), pn, err)
				}
				prog, err := Compile(plan)
				if err != nil {
					t.Fatalf("%s on %s: %v", s.Name(), pn, err)
				}
				if prog.Dim != g.Dim() || len(prog.DimCoefs) == 0 {
					t.Fatalf("%s: program of dimension %d with %d coefficients", s.Name(), prog.Dim, len(prog.DimCoefs))
				}
				checkRanges(t, prog)
				x0 := g.Noise(newRand(7), p, p.TMax(), 9)
				want := append([]float64(nil), x0...)
				if err := diffusion.Sample(context.Background(), plan, g.Denoiser(p), want, diffusion.RunOptions{Workers: 1}); err != nil {
					t.Fatalf("%s on %s: CPU: %v", s.Name(), pn, err)
				}
				bufs := make([][]float64, prog.Buffers)
				bufs[0] = append([]float64(nil), x0...)
				for i := 1; i < len(bufs); i++ {
					bufs[i] = make([]float64, len(x0))
				}
				if err := emulate64(prog, bufs, g.Denoiser(p), 0); err != nil {
					t.Fatal(err)
				}
				if a := compare(bufs[0], want); !(a.MaxAbs <= 1e-11) {
					t.Errorf("%s (full %v, corrector %v) on %s: emulated launches differ from the CPU executor by %.3g (rel RMS %.3g)",
						s.Name(), s.FullOrder, !s.NoCorrector, pn, a.MaxAbs, a.RelRMS)
				}
			}
		}
	}
}

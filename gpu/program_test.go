package gpu

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/diffusion"
)

func TestCombineConstantsMatchKernel(t *testing.T) {
	if got := cuDefines(t, "combine.cu")["COMBINE_MAX_TERMS"]; got != MaxTerms {
		t.Fatalf("COMBINE_MAX_TERMS = %d in kernels/combine.cu, MaxTerms = %d", got, MaxTerms)
	}
	if got := cuDefines(t, "combine_dim.cu")["COMBINE_DIM_MAX_TERMS"]; got != MaxTerms {
		t.Fatalf("COMBINE_DIM_MAX_TERMS = %d in kernels/combine_dim.cu, MaxTerms = %d", got, MaxTerms)
	}
	if got := cuDefines(t, "reduce.cu")["STATS_THREADS"]; got != statsThreads {
		t.Fatalf("STATS_THREADS = %d, statsThreads = %d", got, statsThreads)
	}
	if got := cuDefines(t, "mixture.cu")["MIX_PP"]; got != mixturePointsPerThread {
		t.Fatalf("MIX_PP = %d, mixturePointsPerThread = %d", got, mixturePointsPerThread)
	}
}

// A combination longer than one launch is split so that the destination's old value is read before it is
// overwritten; the launches together compute the combination.
func TestCompileSplitsLongCombinations(t *testing.T) {
	for _, nterms := range []int{0, 1, 7, 8, 9, 15, 16, 23} {
		for _, dstAt := range []int{-1, 0, nterms / 2, nterms - 1} {
			const nbuf = 30
			dst := 3
			var terms []diffusion.Term
			b := 4
			for k := 0; k < nterms; k++ {
				buf := b
				if k == dstAt {
					buf = dst
				} else {
					b++
				}
				terms = append(terms, diffusion.Term{Coef: float64(k+1) * 0.37, Buf: buf})
			}
			plan := &diffusion.Plan{Solver: "hand", Buffers: nbuf, Times: []float64{1, 0},
				Ops: []diffusion.Op{{Kind: diffusion.OpCombine, Dst: dst, Terms: terms}}}
			prog, err := Compile(plan)
			if err != nil {
				t.Fatal(err)
			}
			wantLaunches := 1
			if nterms > MaxTerms {
				wantLaunches += (nterms - MaxTerms + MaxTerms - 2) / (MaxTerms - 1)
			}
			if len(prog.Launches) != wantLaunches {
				t.Errorf("%d terms: %d launches, want %d", nterms, len(prog.Launches), wantLaunches)
			}
			for i, l := range prog.Launches {
				if l.Combine.NTerms > MaxTerms {
					t.Fatalf("launch %d has %d terms", i, l.Combine.NTerms)
				}
				for k := 0; k < l.Combine.NTerms; k++ {
					if l.Combine.Bufs[k] == dst && k != 0 {
						t.Errorf("%d terms: launch %d reads the destination as term %d, not first", nterms, i, k)
					}
				}
				for k := l.Combine.NTerms; k < MaxTerms; k++ {
					if l.Combine.Bufs[k] != -1 || l.Combine.Coefs[k] != 0 {
						t.Errorf("unused slot %d of launch %d is %d, %v", k, i, l.Combine.Bufs[k], l.Combine.Coefs[k])
					}
				}
			}
			bufs := make([][]float64, nbuf)
			rng := newRand(uint64(nterms))
			for i := range bufs {
				bufs[i] = []float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
			}
			want := make([]float64, 3)
			for _, tm := range terms {
				for i := range want {
					want[i] += tm.Coef * bufs[tm.Buf][i]
				}
			}
			if err := emulate64(prog, bufs, nil, 0); err != nil {
				t.Fatal(err)
			}
			for i := range want {
				if d := math.Abs(bufs[dst][i] - want[i]); d > 1e-13*(1+math.Abs(want[i])) {
					t.Errorf("%d terms, dst at %d: element %d is %v, want %v", nterms, dstAt, i, bufs[dst][i], want[i])
				}
			}
		}
	}
}

func TestCompileRejectsMalformedPlans(t *testing.T) {
	ok := diffusion.Op{Kind: diffusion.OpEval, Dst: 1, Src: 0, T: 1}
	cases := map[string]*diffusion.Plan{
		"nil plan":          nil,
		"no buffers":        {Solver: "x", Buffers: 0},
		"destination range": {Solver: "x", Buffers: 2, Ops: []diffusion.Op{{Kind: diffusion.OpNoise, Dst: 2}}},
		"source range":      {Solver: "x", Buffers: 2, NFE: 1, Ops: []diffusion.Op{{Kind: diffusion.OpEval, Dst: 1, Src: -1}}},
		"in place":          {Solver: "x", Buffers: 2, NFE: 1, Ops: []diffusion.Op{{Kind: diffusion.OpEval, Dst: 1, Src: 1}}},
		"time":              {Solver: "x", Buffers: 2, NFE: 1, Ops: []diffusion.Op{{Kind: diffusion.OpEval, Dst: 1, T: math.NaN()}}},
		"term range":        {Solver: "x", Buffers: 2, Ops: []diffusion.Op{{Kind: diffusion.OpCombine, Terms: []diffusion.Term{{Coef: 1, Buf: 5}}}}},
		"coefficient":       {Solver: "x", Buffers: 2, Ops: []diffusion.Op{{Kind: diffusion.OpCombine, Terms: []diffusion.Term{{Coef: math.Inf(1), Buf: 1}}}}},
		"stream":            {Solver: "x", Buffers: 2, Ops: []diffusion.Op{{Kind: diffusion.OpNoise, Dst: 1, Stream: -1}}},
		"kind":              {Solver: "x", Buffers: 2, Ops: []diffusion.Op{{Kind: 9}}},
		"per-dimension vector count": {Solver: "x", Buffers: 2, Ops: []diffusion.Op{{Kind: diffusion.OpCombineDim,
			Terms: []diffusion.Term{{Coef: 1, Buf: 1}}, Vecs: [][]float64{{1, 2}, {3, 4}}}}},
		"per-dimension nothing": {Solver: "x", Buffers: 2, Ops: []diffusion.Op{{Kind: diffusion.OpCombineDim}}},
		"per-dimension term range": {Solver: "x", Buffers: 2, Ops: []diffusion.Op{{Kind: diffusion.OpCombineDim,
			Terms: []diffusion.Term{{Coef: 1, Buf: 2}}, Vecs: [][]float64{{1, 2}}}}},
		"per-dimension lengths": {Solver: "x", Buffers: 2, Ops: []diffusion.Op{{Kind: diffusion.OpCombineDim,
			Terms: []diffusion.Term{{Coef: 1, Buf: 1}}, Vecs: [][]float64{{1, 2}}, Bias: []float64{1, 2, 3}}}},
		"per-dimension dimensions": {Solver: "x", Buffers: 2, Ops: []diffusion.Op{
			{Kind: diffusion.OpCombineDim, Terms: []diffusion.Term{{Coef: 1, Buf: 1}}, Vecs: [][]float64{{1, 2}}},
			{Kind: diffusion.OpCombineDim, Terms: []diffusion.Term{{Coef: 1, Buf: 1}}, Vecs: [][]float64{{1, 2, 3}}}}},
		"per-dimension vector": {Solver: "x", Buffers: 2, Ops: []diffusion.Op{{Kind: diffusion.OpCombineDim,
			Terms: []diffusion.Term{{Coef: 1, Buf: 1}}, Vecs: [][]float64{{1, math.NaN()}}}}},
		"per-dimension bias": {Solver: "x", Buffers: 2, Ops: []diffusion.Op{{Kind: diffusion.OpCombineDim,
			Bias: []float64{math.Inf(-1)}}}},
		"per-dimension coefficient": {Solver: "x", Buffers: 2, Ops: []diffusion.Op{{Kind: diffusion.OpCombineDim,
			Terms: []diffusion.Term{{Coef: math.NaN(), Buf: 1}}, Vecs: [][]float64{{1, 2}}}}},
		"per-dimension overflow": {Solver: "x", Buffers: 2, Ops: []diffusion.Op{{Kind: diffusion.OpCombineDim,
			Terms: []diffusion.Term{{Coef: 1e300, Buf: 1}}, Vecs: [][]float64{{1, 1e300}}}}},
		"evaluation count":   {Solver: "x", Buffers: 2, NFE: 2, Ops: []diffusion.Op{ok}},
		"undeclared evaluat": {Solver: "x", Buffers: 2, NFE: 0, Ops: []diffusion.Op{ok}},
	}
	for name, p := range cases {
		if _, err := Compile(p); err == nil {
			t.Errorf("%s: Compile accepted the plan", name)
		} else if !strings.HasPrefix(err.Error(), "gpu: ") {
			t.Errorf("%s: error %q lacks the package prefix", name, err)
		}
	}
}

// The compiled launches, run by the host emulation of the kernels in float64, reproduce diffusion's CPU
// executor for every solver and process (stochastic solvers included: the noise kernel's transcription draws
// the CPU's numbers), so the plan-to-launch packing loses nothing.
func TestProgramReproducesCPUExecutor(t *testing.T) {
	g, err := diffusion.RandomMixture(5, 3, 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, pn := range diffusion.ProcessNames() {
		p, err := diffusion.NewProcess(pn)
		if err != nil {
			t.Fatal(err)
		}
		for _, sn := range diffusion.SolverNames() {
			s, _ := diffusion.NewSolver(sn)
			plan, err := diffusion.PlanForNFE(s, p, diffusion.Karras{Rho: 7}, 12)
			if err != nil {
				t.Fatalf("%s on %s: %v", sn, pn, err)
			}
			prog, err := Compile(plan)
			if err != nil {
				t.Fatalf("%s on %s: %v", sn, pn, err)
			}
			checkRanges(t, prog)
			x0 := g.Noise(newRand(7), p, p.TMax(), 9)
			want := append([]float64(nil), x0...)
			if err := diffusion.Sample(context.Background(), plan, g.Denoiser(p), want, diffusion.RunOptions{Seed: 99, Workers: 1}); err != nil {
				t.Fatalf("%s on %s: CPU: %v", sn, pn, err)
			}
			bufs := make([][]float64, prog.Buffers)
			bufs[0] = append([]float64(nil), x0...)
			for i := 1; i < len(bufs); i++ {
				bufs[i] = make([]float64, len(x0))
			}
			if err := emulate64(prog, bufs, g.Denoiser(p), 99); err != nil {
				t.Fatal(err)
			}
			// 1e-11 relative to the largest value (the samples reach |x| = 69 on vp-sigmoid, where
			// pndm's multistep coefficients leave 1.6e-11 of rounding).
			scale := 1.0
			for _, v := range want {
				scale = math.Max(scale, math.Abs(v))
			}
			if a := compare(bufs[0], want); !(a.MaxAbs <= 1e-11*scale) {
				t.Errorf("%s on %s: emulated launches differ from the CPU executor by %.3g (rel RMS %.3g)", sn, pn, a.MaxAbs, a.RelRMS)
			}
		}
	}
}

// checkRanges verifies that the step ranges tile the launches and follow the plan's steps.
func checkRanges(t *testing.T, prog *Program) {
	t.Helper()
	next := 0
	for i, r := range prog.Ranges {
		if r.Lo != next || r.Hi <= r.Lo {
			t.Fatalf("%s: range %d is [%d, %d), want to start at %d", prog.Plan.Solver, i, r.Lo, r.Hi, next)
		}
		for _, l := range prog.Launches[r.Lo:r.Hi] {
			if l.Step != r.Step {
				t.Fatalf("%s: launch of step %d in the range of step %d", prog.Plan.Solver, l.Step, r.Step)
			}
		}
		if i > 0 && r.Step <= prog.Ranges[i-1].Step {
			t.Fatalf("%s: step %d follows step %d", prog.Plan.Solver, r.Step, prog.Ranges[i-1].Step)
		}
		next = r.Hi
	}
	if next != len(prog.Launches) {
		t.Fatalf("%s: ranges cover %d of %d launches", prog.Plan.Solver, next, len(prog.Launches))
	}
	progress := 0
	for _, l := range prog.Launches {
		if l.Progress {
			progress++
		}
	}
	if progress != prog.Plan.Steps() {
		t.Fatalf("%s: %d progress points for %d steps", prog.Plan.Solver, progress, prog.Plan.Steps())
	}
}

// The device's float32 arithmetic (state, combinations, noise, mixture kernel), emulated on the host, stays
// well inside the GPU check's tolerances against the float64 CPU executor for every case the check runs.
func TestFloat32EmulationWithinTolerance(t *testing.T) {
	if testing.Short() {
		t.Skip("emulates every solver of the GPU check in float32 (about 20 s of CPU, v3 statistics included)")
	}
	worst := agreement{}
	g := checkMixture(t)
	cases := checkCases(t, g)
	for _, r := range referenceRuns(t, g, cases, checkPoints) {
		a := r.EmuVs
		if !(a.RelRMS*10 <= solverTolRelRMS && a.MaxAbs*10 <= solverTolMaxAbs) {
			t.Errorf("%s %s: float32 emulation is off by rel RMS %.3g, max %.3g: not 10x inside the check's %.0e, %.0e",
				r.Process.Name(), r.Solver, a.RelRMS, a.MaxAbs, solverTolRelRMS, solverTolMaxAbs)
		}
		if a.RelRMS > worst.RelRMS {
			worst.RelRMS = a.RelRMS
		}
		if a.MaxAbs > worst.MaxAbs {
			worst.MaxAbs = a.MaxAbs
		}
	}
	t.Logf("float32 emulation vs float64 CPU executor, %d points, worst over %d cases: rel RMS %.2e, max abs %.2e",
		checkPoints, len(cases), worst.RelRMS, worst.MaxAbs)
}

//go:build cuda || trajdiff_cuda

package gpu

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/diffusion"
)

// Tolerances of the network forward pass against the float64 host reference (refMLP), as the largest
// absolute difference over outputs of size O(1) (PyTorch-initialised weights). FP32 is float32 arithmetic
// with products summed in k order: a few float32 roundings per layer, measured worst 1.9e-7 on these
// networks on the emulator (TestGPUNetworkForwardMatchesHost logs it); the tolerance leaves 50x for nvcc's
// FMA contraction and the device's expf/erf. TF32 rounds both operands of every product to a 10-bit
// mantissa (relative 2^-11 each, then float32 accumulation): measured worst 4.4e-4 here, tolerance 10x.
const (
	forwardTolFP32 = 1e-5
	forwardTolTF32 = 5e-3
)

// forwardCases are networks covering every activation, both time embeddings, a fixed condition, per-point
// conditions (for forwardMaxPoints points), classifier-free guidance with either, and the unconditional
// model of a conditional network, and layers wider and narrower than linear_f32's 64x64 tile and its
// 16-wide k slice, with ragged widths.
func forwardCases() []struct {
	name string
	net  *MLP
	ref  refMLP
} {
	type c = struct {
		name string
		net  *MLP
		ref  refMLP
	}
	cs := []c{
		{"mish/sinusoidal", randomMLP(11, 6, 0, 16, []int{70, 33}, ActMish, false), refMLP{}},
		{"silu/fourier", randomMLP(12, 3, 0, 8, []int{130}, ActSiLU, true), refMLP{}},
		{"gelu/cond", randomMLP(13, 5, 3, 12, []int{20, 20, 17}, ActGELU, false), refMLP{cond: []float32{0.5, -1, 2}}},
		{"relu/uncond", randomMLP(14, 5, 3, 12, []int{65}, ActReLU, false), refMLP{}},
		{"identity", randomMLP(15, 2, 0, 4, []int{9}, ActIdentity, true), refMLP{}},
		{"mish/per-point conds", randomMLP(16, 4, 3, 8, []int{40}, ActMish, false), refMLP{rows: randomF32(17, forwardMaxPoints*3, 1.5)}},
		{"silu/cond, guided", randomMLP(18, 4, 2, 8, []int{33}, ActSiLU, true), refMLP{cond: []float32{-0.7, 1.1}, w: 1.8}},
		{"gelu/per-point conds, guided", randomMLP(19, 3, 2, 8, []int{20}, ActGELU, false), refMLP{rows: randomF32(20, forwardMaxPoints*2, 1), w: 0.6}},
	}
	for i := range cs {
		cs[i].ref.m = cs[i].net
	}
	return cs
}

// forwardMaxPoints is the largest batch of TestGPUNetworkForwardMatchesHost.
const forwardMaxPoints = 150

// TestGPUNetworkForwardMatchesHost: the device forward pass (input assembly, Linear layers with their fused
// bias and activation) reproduces the float64 host evaluation of the same network, at batches smaller and
// larger than a tile, at several times, in both precisions.
func TestGPUNetworkForwardMatchesHost(t *testing.T) {
	d := testDevice(t)
	s := testStream(t)
	for _, prec := range []Precision{FP32, TF32} {
		tol := forwardTolFP32
		if prec == TF32 {
			tol = forwardTolTF32
		}
		worst := 0.0
		for _, c := range forwardCases() {
			pz := Parameterization{Prediction: diffusion.PredX0, Process: mustProcess(t, "vp-linear")}
			p, err := NewPredictor(d, c.net, pz, forwardMaxPoints, PredictorOptions{Precision: prec, Cond: c.ref.cond, PointConds: c.ref.rows, Guidance: c.ref.w})
			if err != nil {
				t.Fatal(err)
			}
			ref := c.ref
			for _, npts := range []int{1, 70, forwardMaxPoints} {
				x32 := randomF32(uint64(npts), npts*c.net.Dim, 1)
				x := upload(t, x32)
				dst := upload(t, make([]float32, len(x32)))
				for _, tt := range []float64{0, 0.37, 80} {
					if err := p.Forward(s, dst, x, tt); err != nil {
						t.Fatal(err)
					}
					if err := s.Synchronize(); err != nil {
						t.Fatal(err)
					}
					got := download(t, dst)
					want := make([]float64, len(got))
					if err := ref.Predict(want, f64(x32), tt); err != nil {
						t.Fatal(err)
					}
					a := compare(got, want)
					worst = math.Max(worst, a.MaxAbs)
					if !(a.MaxAbs <= tol) {
						t.Errorf("%s %s, %d points, t = %v: max |device - host| %.3g > %.0e", prec, c.name, npts, tt, a.MaxAbs, tol)
					}
				}
			}
			p.Close()
		}
		t.Logf("%s forward: worst |device - host| %.3g (tolerance %.0e)", prec, worst, tol)
	}
}

// TestGPUNetworkDenoiserConvertsPredictions: Denoise applies the parameterization on the device: eps, v,
// velocity and x0 predictions and EDM's preconditioning give the host's x0 = p x + q F(s x, tau), which
// TestAffineFormReproducesDiffusionDenoisers ties to diffusion's own denoisers; dst may alias x.
func TestGPUNetworkDenoiserConvertsPredictions(t *testing.T) {
	d := testDevice(t)
	s := testStream(t)
	net := randomMLP(21, 4, 0, 8, []int{24}, ActMish, false)
	cosine, _ := diffusion.NewProcess("vp-cosine")
	flow, _ := diffusion.NewProcess("flow")
	for _, pz := range []Parameterization{
		{Prediction: diffusion.PredEps, Process: cosine},
		{Prediction: diffusion.PredV, Process: cosine},
		{Prediction: diffusion.PredX0, Process: cosine},
		{Prediction: diffusion.PredVelocity, Process: flow},
		{SigmaData: 0.5},
	} {
		p, err := NewPredictor(d, net, pz, 40, PredictorOptions{})
		if err != nil {
			t.Fatal(err)
		}
		x32 := randomF32(5, 40*4, 1)
		x := upload(t, x32)
		dst := upload(t, make([]float32, len(x32)))
		host := affineDenoiser{refMLP{m: net}, pz}
		for _, tt := range []float64{0.2, 0.9} {
			want := make([]float64, len(x32))
			if err := host.Denoise(want, f64(x32), tt); err != nil {
				t.Fatal(err)
			}
			if err := p.Denoise(s, dst, x, tt); err != nil {
				t.Fatal(err)
			}
			// In place: x itself becomes D(x, t).
			xi := upload(t, x32)
			if err := p.Denoise(s, xi, xi, tt); err != nil {
				t.Fatal(err)
			}
			got, inPlace := download(t, dst), download(t, xi)
			_, _, _, q, _ := pz.Affine(tt)
			tol := forwardTolFP32 * math.Max(1, math.Abs(q))
			if a := compare(got, want); !(a.MaxAbs <= tol) {
				t.Errorf("%v/%v at t = %v: max |device - host| %.3g > %.3g", pz.Prediction, pz.SigmaData, tt, a.MaxAbs, tol)
			}
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(inPlace[i]) {
					t.Fatalf("%v at t = %v: in-place denoise differs at %d: %v vs %v", pz.Prediction, tt, i, inPlace[i], got[i])
				}
			}
		}
		p.Close()
	}
}

// samplerNFE is the evaluation budget of the network sampler check.
const samplerNFE = 10

// TestGPUNetworkSamplerMatchesCPU: a whole 10-NFE run of deterministic and stochastic solvers with a network
// denoiser on the device (state never leaving it between steps) matches diffusion.Sample on the CPU with the
// same network evaluated in float64, and a run replayed from CUDA graphs (network included) is bit-identical
// to the launched run.
func TestGPUNetworkSamplerMatchesCPU(t *testing.T) {
	d := testDevice(t)
	net := randomMLP(31, 8, 0, 16, []int{64, 64}, ActMish, false)
	const points = 96
	for _, c := range []struct {
		process, solver string
		pz              func(diffusion.Process) Parameterization
	}{
		{"vp-cosine", "ddim", func(p diffusion.Process) Parameterization {
			return Parameterization{Prediction: diffusion.PredEps, Process: p}
		}},
		{"vp-linear", "dpmpp-2m", func(p diffusion.Process) Parameterization {
			return Parameterization{Prediction: diffusion.PredV, Process: p}
		}},
		{"edm", "heun", func(p diffusion.Process) Parameterization { return Parameterization{SigmaData: 0.5} }},
		{"vp-cosine", "ddpm", func(p diffusion.Process) Parameterization {
			return Parameterization{Prediction: diffusion.PredEps, Process: p}
		}},
	} {
		proc, err := diffusion.NewProcess(c.process)
		if err != nil {
			t.Fatal(err)
		}
		solver, err := diffusion.NewSolver(c.solver)
		if err != nil {
			t.Fatal(err)
		}
		plan, err := diffusion.PlanForNFE(solver, proc, diffusion.DefaultSchedule(proc), samplerNFE)
		if err != nil {
			t.Fatal(err)
		}
		pz := c.pz(proc)
		x0 := make([]float64, points*net.Dim)
		rng := newRand(41)
		for i := range x0 {
			x0[i] = float64(float32(proc.Sigma(proc.TMax()) * rng.NormFloat64()))
		}
		cpu := append([]float64(nil), x0...)
		if err := diffusion.Sample(context.Background(), plan, affineDenoiser{refMLP{m: net}, pz}, cpu, diffusion.RunOptions{Seed: 9, Workers: 1}); err != nil {
			t.Fatal(err)
		}
		p, err := NewPredictor(d, net, pz, points, PredictorOptions{})
		if err != nil {
			t.Fatal(err)
		}
		e, err := NewExecutor(d, plan, len(x0))
		if err != nil {
			t.Fatal(err)
		}
		run := func(graph bool) []float32 {
			x := make([]float32, len(x0))
			for i, v := range x0 {
				x[i] = float32(v)
			}
			if err := e.Run(context.Background(), p, x, RunOptions{Seed: 9, Graph: graph}); err != nil {
				t.Fatalf("%s %s (graph %v): %v", c.process, c.solver, graph, err)
			}
			return x
		}
		direct := run(false)
		graphed := run(true)
		nodes := e.CapturedNodes()
		e.Close()
		p.Close()
		a := compare(direct, cpu)
		t.Logf("%-9s %-9s %d NFE: device vs CPU rel RMS %.2e, max %.2e; graph nodes per step %v", c.process, c.solver, plan.NFE, a.RelRMS, a.MaxAbs, nodes)
		if !(a.RelRMS <= 1e-5 && a.MaxAbs <= 1e-3) {
			t.Errorf("%s %s: device differs from the CPU by rel RMS %.3g, max %.3g (tolerance 1e-5, 1e-3)", c.process, c.solver, a.RelRMS, a.MaxAbs)
		}
		for i := range direct {
			if math.Float32bits(direct[i]) != math.Float32bits(graphed[i]) {
				t.Fatalf("%s %s: graph replay differs from launches at %d: %v vs %v", c.process, c.solver, i, graphed[i], direct[i])
			}
		}
		if len(nodes) == 0 || nodes[0] < 2+len(net.Weights) {
			t.Errorf("%s %s: captured graphs %v do not hold the network's launches", c.process, c.solver, nodes)
		}
	}
}

// TestGPUNetworkErrors: bad networks, batches and options are refused with errors, not faults.
func TestGPUNetworkErrors(t *testing.T) {
	d := testDevice(t)
	s := testStream(t)
	net := randomMLP(51, 4, 2, 8, []int{8}, ActSiLU, false)
	vp := mustProcess(t, "vp-linear")
	pz := Parameterization{Prediction: diffusion.PredEps, Process: vp}
	bad := *net
	bad.Dim = 3
	for name, f := range map[string]func() error{
		"bad network": func() error { _, err := NewPredictor(d, &bad, pz, 4, PredictorOptions{}); return err },
		"no process":  func() error { _, err := NewPredictor(d, net, Parameterization{}, 4, PredictorOptions{}); return err },
		"no points":   func() error { _, err := NewPredictor(d, net, pz, 0, PredictorOptions{}); return err },
		"no device":   func() error { _, err := NewPredictor(nil, net, pz, 4, PredictorOptions{}); return err },
		"condition":   func() error { _, err := NewPredictor(d, net, pz, 4, PredictorOptions{Cond: []float32{1}}); return err },
		"nan condition": func() error {
			_, err := NewPredictor(d, net, pz, 4, PredictorOptions{Cond: []float32{1, float32(math.NaN())}})
			return err
		},
		"precision": func() error { _, err := NewPredictor(d, net, pz, 4, PredictorOptions{Precision: 7}); return err },
	} {
		if err := f(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	p, err := NewPredictor(d, net, pz, 4, PredictorOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	big, small := upload(t, make([]float32, 5*4)), upload(t, make([]float32, 6))
	for name, f := range map[string]func() error{
		"too many points": func() error { return p.Denoise(s, big, big, 0.5) },
		"ragged batch":    func() error { return p.Denoise(s, small, small, 0.5) },
		"lengths differ":  func() error { return p.Denoise(s, big.Slice(0, 8), big.Slice(0, 4), 0.5) },
		"nan time":        func() error { return p.Denoise(s, big.Slice(0, 8), big.Slice(0, 8), math.NaN()) },
		"eps at sigma 0":  func() error { return p.Denoise(s, big.Slice(0, 8), big.Slice(0, 8), 0) },
	} {
		err := f()
		if err == nil || !strings.HasPrefix(err.Error(), "gpu: ") {
			t.Errorf("%s: error %v, want a gpu error", name, err)
		}
	}
	if err := s.Synchronize(); err != nil {
		t.Fatal(fmt.Errorf("refused calls left the stream failed: %w", err))
	}
}

func mustProcess(t testing.TB, name string) diffusion.Process {
	t.Helper()
	p, err := diffusion.NewProcess(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

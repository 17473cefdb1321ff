//go:build trajdiff_cuda

package fromnn

// Device tests: the GPU path of trained nn networks against nn's own CPU predictor and the CPU sampler. They
// need `-tags trajdiff_cuda` (this package imports nn, see doc.go) and a device: a GPU (gpu/check.sh) or the
// driver emulator gpu/cudaemu, on which CI runs them (.ci/check.d/gpu.sh).

import (
	"context"
	"fmt"
	"math"
	"sync"
	"testing"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/gpu"
	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/train"
)

var (
	devOnce sync.Once
	dev     *gpu.Device
	devErr  error
)

func testDevice(t testing.TB) *gpu.Device {
	t.Helper()
	devOnce.Do(func() { dev, devErr = gpu.Open(0) })
	if devErr != nil {
		t.Fatal(devErr)
	}
	return dev
}

// Tolerances of the device forward pass against nn's float32 CPU predictor, as the largest absolute
// difference on outputs of size O(1): both sides round in float32, in different summation orders (nn's
// blocked CPU kernels, the device's k order), so they differ by a few float32 roundings per layer. FP32:
// measured worst 2.4e-7 on the emulator (the tests log it), tolerance 1e-5. TF32: the tensor cores round
// every product's operands to 10-bit mantissas: measured worst 3.8e-4, tolerance 5e-3. TF32 TemporalUnet
// (tolUnetTF32): its convolutions chain about 30 layers deep (three resolutions: four convolutions per level
// down and up, the resampling, the middle blocks and the final convolutions), and each layer's relative error
// (about 2^-11 sqrt 2 from the two rounded operands, with random signs) survives the GroupNorms, which restore
// the activations' scale, so the errors add like a random walk: sqrt(30) 2^-11 sqrt 2 = 3.8e-3 RMS of an O(1)
// output. Measured worst 5.7e-3 over unetConfigs (1.1e-3 on the trained network), tolerance 3e-2; the 2-D
// and 3-D U-Nets (GroupNorm and LayerNorm likewise) measured 2.9e-3 and 3.1e-3 on random networks, 8.5e-4
// and 1.5e-3 on trained ones, under the same tolerance. BF16 (tolBF16, tolUnetBF16): the same layers with
// the operands rounded to bfloat16, unit roundoff 2^-8 against TF32's 2^-11, so every per-layer error and
// its random walk through the layers is 8 times TF32's, and so are the tolerances (8 x 3e-2 = 0.24 for the
// U-Nets, written 0.2): measured worst 2.7e-3 for the MLPs; 3.5e-2, 1.8e-2 and 2.5e-2 on random
// TemporalUnets, Unet2Ds and Unet3Ds (6.1, 6.1 and 8.0 times TF32's), 1.0e-2, 6.6e-3 and 1.1e-2 on trained ones.
const (
	tolFP32     = 1e-5
	tolTF32     = 5e-3
	tolUnetTF32 = 3e-2
	tolBF16     = 4e-2
	tolUnetBF16 = 0.2
)

// precisions are the device's precisions, in the order the tests run them: each is checked to be less
// accurate than the one before (or it did not run as asked).
var precisions = []gpu.Precision{gpu.FP32, gpu.TF32, gpu.BFloat16}

// mlpTol and unetTol are the forward tolerances of an MLP and of a U-Net in each precision.
var (
	mlpTol  = map[gpu.Precision]float64{gpu.FP32: tolFP32, gpu.TF32: tolTF32, gpu.BFloat16: tolBF16}
	unetTol = map[gpu.Precision]float64{gpu.FP32: tolFP32, gpu.TF32: tolUnetTF32, gpu.BFloat16: tolUnetBF16}
)

// Tolerances of a whole 10-NFE sampler run on the device against diffusion.Sample with the checkpoint's CPU
// denoiser (relative RMS over the sample, largest absolute difference). FP32 measured rel RMS 1.6e-7, max
// 2.6e-5 on the emulator. TF32's per-layer error (3.8e-4 above) is divided by alpha in the eps-to-x0
// conversion at the noisy end of the schedule and carried through the steps: measured rel RMS 6.6e-4, max
// 7.2e-2, which is why FP32 is the default precision (gpu/doc.go, Network inference). The trained TF32
// TemporalUnet (every convolution on the tensor cores) measured rel RMS 2.2e-4, max 8.1e-2; the trained
// TF32 Unet2D 2.7e-4, 1.0e-1 and Unet3D 3.1e-4, 2.1e-1. BF16: 8 times TF32's tolerances, as for the forward
// pass; measured rel RMS 5.1e-3, max 9.3e-1 (MLP), TemporalUnet 1.9e-3, 8.7e-1, Unet2D 1.9e-3, 7.2e-1 and
// Unet3D 2.3e-3, 1.2 (7 to 8 times TF32's rel RMS; the max is one entry of O(1) samples, the eps-to-x0
// division at the noisy end amplifying it as for TF32).
var samplerTol = map[gpu.Precision][2]float64{gpu.FP32: {1e-5, 1e-3}, gpu.TF32: {5e-3, 0.3}, gpu.BFloat16: {4e-2, 2.4}}

func to32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

// maxDiff is the largest |got - want|.
func maxDiff(got []float32, want []float64) float64 {
	m := 0.0
	for i, w := range want {
		m = math.Max(m, math.Abs(float64(got[i])-w))
	}
	if math.IsNaN(m) {
		return math.Inf(1)
	}
	return m
}

// forwardWorst runs the device forward pass of m on x at times ts and returns the worst difference from
// pred.
func forwardWorst(t *testing.T, m *gpu.MLP, pred *nn.Predictor, x []float64, ts []float64, prec gpu.Precision) float64 {
	t.Helper()
	d := testDevice(t)
	s, err := d.NewStream()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p, err := gpu.NewPredictor(d, m, gpu.Parameterization{SigmaData: 0.5}, len(x)/m.Dim, gpu.PredictorOptions{Precision: prec})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	xb, yb, free := uploadedInput(t, d, s, x)
	defer free()
	worst := 0.0
	got := make([]float32, len(x))
	want := make([]float64, len(x))
	for _, tt := range ts {
		if err := p.Forward(s, yb, xb, tt); err != nil {
			t.Fatal(err)
		}
		if err := s.Download(got, yb); err != nil {
			t.Fatal(err)
		}
		if err := pred.Predict(want, x, tt); err != nil {
			t.Fatal(err)
		}
		worst = math.Max(worst, maxDiff(got, want))
	}
	return worst
}

// TestGPUForwardMatchesNNPredictor: on random inputs, the device forward pass of nn MLPs (random weights, every
// activation and time embedding, a conditional network without its condition) matches nn.Predictor, at
// batches of 1 and 100 points, in every precision.
func TestGPUForwardMatchesNNPredictor(t *testing.T) {
	for _, prec := range precisions {
		tol := mlpTol[prec]
		worst := 0.0
		for i, cfg := range testConfigs {
			net := newMLP(t, cfg, uint64(10+i))
			m, err := MLP(net)
			if err != nil {
				t.Fatal(err)
			}
			pred := nn.NewPredictor(net)
			for _, n := range []int{1, 100} {
				w := forwardWorst(t, m, pred, randomInput(uint64(n+i), n*cfg.Dim), []float64{0.003, 0.4, 1, 50}, prec)
				if !(w <= tol) {
					t.Errorf("%s config %d, %d points: max |device - nn| %.3g > %.0e", prec, i, n, w, tol)
				}
				worst = math.Max(worst, w)
			}
		}
		t.Logf("%s: worst |device - nn.Predictor| over random networks and inputs %.3g (tolerance %.0e)", prec, worst, tol)
	}
}

// TestGPUTrainedMLPMatchesCPU: a tiny MLP trained with package train and read back from its checkpoint runs
// on the device as nn's predictor runs it on the CPU, and a whole 10-NFE sampler with it (DDIM and
// DPM-Solver++(2M); the stochastic DDPM for the noise path) matches diffusion.Sample with the checkpoint's
// CPU denoiser, with each step replayed as a CUDA graph bit for bit.
func TestGPUTrainedMLPMatchesCPU(t *testing.T) {
	cfg := nn.MLPConfig{Dim: 4, Hidden: []int{32, 32}, TimeDim: 16}
	c := trainTiny(t, train.ObjectiveConfig{Process: "vp-cosine", Prediction: "eps"}, cfg)
	m, pz, err := Checkpoint(c)
	if err != nil {
		t.Fatal(err)
	}
	x := randomInput(5, 200*cfg.Dim)
	w := forwardWorst(t, m, c.Predictor, x, []float64{0.01, 0.5, 0.99}, gpu.FP32)
	t.Logf("trained checkpoint: worst |device - nn.Predictor| %.3g (tolerance %.0e)", w, tolFP32)
	if !(w <= tolFP32) {
		t.Errorf("trained checkpoint: max |device - nn| %.3g > %.0e", w, tolFP32)
	}

	d := testDevice(t)
	for _, prec := range precisions {
		samplerRuns(t, d, c, m, pz, x, prec)
	}
}

// samplerRuns compares 10-NFE runs of DDIM, DPM-Solver++(2M) and DDPM on the device with the CPU, and graph
// replay with launches.
func samplerRuns(t *testing.T, d *gpu.Device, c *train.Checkpoint, m *gpu.MLP, pz gpu.Parameterization, x []float64, prec gpu.Precision) {
	p, err := gpu.NewPredictor(d, m, pz, len(x)/m.Dim, gpu.PredictorOptions{Precision: prec})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	tol := samplerTol[prec]
	for _, sn := range []string{"ddim", "dpmpp-2m", "ddpm"} {
		solver, err := diffusion.NewSolver(sn)
		if err != nil {
			t.Fatal(err)
		}
		checkSamplerOnDevice(t, d, p, c, x, solver, tol, fmt.Sprintf("trained checkpoint, %s %s", prec, sn))
	}
}

// checkSamplerOnDevice runs a 10-NFE plan of solver with the checkpoint's denoiser from x on the CPU and with
// the device predictor p on the device, once launch by launch and once as captured graphs: the device must
// be within tol (relative RMS, max) of the CPU and the replay bit-identical to the launches.
func checkSamplerOnDevice(t *testing.T, d *gpu.Device, p gpu.Denoiser, c *train.Checkpoint, x []float64, solver diffusion.Solver,
	tol [2]float64, what string) {
	t.Helper()
	plan, err := diffusion.PlanForNFE(solver, c.Process, diffusion.DefaultSchedule(c.Process), 10)
	if err != nil {
		t.Fatal(err)
	}
	cpu := append([]float64(nil), x...)
	if err := diffusion.Sample(context.Background(), plan, c.Denoiser, cpu, diffusion.RunOptions{Seed: 4, Workers: 1}); err != nil {
		t.Fatal(err)
	}
	e, err := gpu.NewExecutor(d, plan, len(x))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	run := func(graph bool) []float32 {
		x32 := to32(x)
		if err := e.Run(context.Background(), p, x32, gpu.RunOptions{Seed: 4, Graph: graph}); err != nil {
			t.Fatalf("%s (graph %v): %v", what, graph, err)
		}
		return x32
	}
	direct, graphed := run(false), run(true)
	nodes := e.CapturedNodes()
	var num, den float64
	for i, v := range cpu {
		dv := float64(direct[i]) - v
		num, den = num+dv*dv, den+v*v
	}
	rel, mx := math.Sqrt(num/den), maxDiff(direct, cpu)
	t.Logf("%s, %d NFE: device vs CPU rel RMS %.2e, max %.2e; graph nodes per step %v", what, plan.NFE, rel, mx, nodes[:min(1, len(nodes))])
	if !(rel <= tol[0] && mx <= tol[1]) {
		t.Errorf("%s: device differs from the CPU sampler by rel RMS %.3g, max %.3g (tolerance %.0e, %.0e)", what, rel, mx, tol[0], tol[1])
	}
	for i := range direct {
		if math.Float32bits(direct[i]) != math.Float32bits(graphed[i]) {
			t.Fatalf("%s: graph replay differs from launches at %d: %v vs %v", what, i, graphed[i], direct[i])
		}
	}
}

// uploadedInput is x uploaded to the device (xb, float32) next to an output buffer of its length (yb);
// free releases both.
func uploadedInput(t *testing.T, d *gpu.Device, s *gpu.Stream, x []float64) (xb, yb gpu.Buffer, free func()) {
	t.Helper()
	xb, err := d.Alloc(len(x))
	if err != nil {
		t.Fatal(err)
	}
	if yb, err = d.Alloc(len(x)); err != nil {
		d.Free(xb)
		t.Fatal(err)
	}
	free = func() { d.Free(yb); d.Free(xb) }
	if err := s.Upload(xb, to32(x)); err != nil {
		free()
		t.Fatal(err)
	}
	return xb, yb, free
}

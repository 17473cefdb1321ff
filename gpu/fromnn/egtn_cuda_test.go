//go:build trajdiff_cuda

package fromnn

import (
	"math"
	"math/rand/v2"
	"testing"

	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/gpu"
	"github.com/trajdiff/trajdiff/nn"
)

// egtnConfigs are the EGTNs of the checks, one per prior the forecasting configurations use: the learned
// prior with node features and edge attributes, the centre-of-mass prior with prior_output in 2-D, no prior
// with condition frames (frame indices out of order), and no prior nor condition (centred input and output).
var egtnConfigs = []nn.EGTNConfig{
	{Nodes: 4, SpatialDim: 3, CondFrames: []int{0, 1, 2}, TargetFrames: []int{3, 4, 5, 6}, NodeFeatures: 1, EdgeFeatures: 1,
		Hidden: 16, Layers: 2, TimeDim: 8, Prior: "learned", PriorLayers: 1},
	{Nodes: 3, SpatialDim: 2, CondFrames: []int{0, 1}, TargetFrames: []int{4, 5, 6}, Hidden: 8, Layers: 1, Prior: "com", PriorOutput: true},
	{Nodes: 3, SpatialDim: 3, CondFrames: []int{0, 2}, TargetFrames: []int{1, 3}, NodeFeatures: 2, Hidden: 8, Layers: 2, TimeDim: 6, Prior: "none"},
	{Nodes: 4, SpatialDim: 3, TargetFrames: []int{0, 1, 2}, Hidden: 8, Layers: 1, Prior: "none"},
}

// newRandomEGTN builds an nn EGTN with random weights of unit-scale outputs, wired to the process's signal
// coefficient and x0 share as train wires it.
func newRandomEGTN(t testing.TB, cfg nn.EGTNConfig, pz gpu.Parameterization, seed uint64) *nn.EGTN {
	t.Helper()
	net, err := nn.NewEGTN(cfg, tensor.Float32)
	if err != nil {
		t.Fatal(err)
	}
	net.Params().Init(seed)
	rng := rand.New(rand.NewPCG(seed, 23))
	for _, p := range net.Params().All() {
		v := p.Value.Data().([]float32)
		sd := 0.3
		if len(p.Shape) == 2 {
			sd = 1 / math.Sqrt(float64(p.Shape[1]))
		}
		for j := range v {
			v[j] = float32(sd * rng.NormFloat64())
		}
	}
	if net.NeedsSignal() {
		net.UseSignal(pz.Process.Alpha)
	}
	if net.NeedsPriorOutput() {
		share, err := priorShare(pz)
		if err != nil {
			t.Fatal(err)
		}
		net.UsePriorOutput(share)
	}
	return net
}

func vpCosine(t testing.TB, pred diffusion.Prediction) gpu.Parameterization {
	t.Helper()
	p, err := diffusion.NewProcess("vp-cosine")
	if err != nil {
		t.Fatal(err)
	}
	return gpu.Parameterization{Prediction: pred, Process: p}
}

// TestGPUEGTNMatchesNNPredictor: on random inputs and per-example conditions, the device forward pass of
// nn EGTNs with random weights matches nn.Predictor (float32 on the CPU) for every prior, at batches of 1
// and 3 examples and at several times.
func TestGPUEGTNMatchesNNPredictor(t *testing.T) {
	d := testDevice(t)
	worst := 0.0
	for i, cfg := range egtnConfigs {
		pred := diffusion.PredEps
		if cfg.PriorOutput {
			pred = diffusion.PredX0
		}
		pz := vpCosine(t, pred)
		net := newRandomEGTN(t, cfg, pz, uint64(40+i))
		for _, n := range []int{1, 3} {
			x := randomInput(uint64(500+10*i+n), n*net.Dim())
			var cond []float64
			opt := gpu.PredictorOptions{}
			if c := net.CondDim(); c > 0 {
				cond = randomInput(uint64(600+10*i+n), n*c)
				opt.PointConds = to32(cond)
			}
			p, err := NewPredictor(d, net, pz, n, opt)
			if err != nil {
				t.Fatal(err)
			}
			var ref interface {
				Predict(dst, x []float64, t float64) error
			} = nn.NewPredictor(net)
			if cond != nil {
				ref = nn.NewPredictor(net).Conditional(cond)
			}
			w := forwardWorstP(t, d, p, ref, x, []float64{0.02, 0.5, 0.97})
			// The output is not trivially small: the comparison would see a wrong layer.
			y := make([]float64, len(x))
			if err := ref.Predict(y, x, 0.5); err != nil {
				t.Fatal(err)
			}
			if rms := rmsOf(y); rms < 0.05 {
				t.Errorf("config %d: nn's output has RMS %.3g; the random network is too tame to test", i, rms)
			}
			p.Close()
			if !(w <= tolFP32) {
				t.Errorf("config %d (%s prior), %d examples: max |device - nn| %.3g > %.0e", i, cfg.Prior, n, w, tolFP32)
			}
			worst = math.Max(worst, w)
		}
	}
	t.Logf("egtn: worst |device - nn.Predictor| over random networks, inputs and conditions %.3g (tolerance %.0e)", worst, tolFP32)
}

package fromnn

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/gpu"
	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/nn/safetensors"
	"github.com/trajdiff/trajdiff/train"
)

// hostForward evaluates a gpu.MLP in float64 on the host (unconditional), with the time embedding's argument
// rounded to float32 as nn's float32 kernels round it: the check that MLP read every parameter into its place.
func hostForward(m *gpu.MLP, x []float64, t float64) []float64 {
	out := make([]float64, 0, len(x))
	half := m.TimeDim / 2
	tf := float32(t)
	c := math.Log(10000) / float64(half-1)
	for b := 0; b < len(x)/m.Dim; b++ {
		h := append([]float64(nil), x[b*m.Dim:(b+1)*m.Dim]...)
		emb := make([]float64, m.TimeDim)
		for i := 0; i < half; i++ {
			if m.Freqs != nil {
				arg := float64(tf * (m.Freqs[i] * float32(2*math.Pi)))
				emb[i], emb[half+i] = math.Cos(arg), math.Sin(arg)
			} else {
				arg := float64(tf * float32(math.Exp(float64(float32(i)*float32(-c)))))
				emb[i], emb[half+i] = math.Sin(arg), math.Cos(arg)
			}
		}
		h = append(h, emb...)
		h = append(h, make([]float64, m.CondDim)...)
		for l, w := range m.Weights {
			y := make([]float64, len(m.Biases[l]))
			for o := range y {
				s := float64(m.Biases[l][o])
				for k, v := range h {
					s += float64(w[o*len(h)+k]) * v
				}
				if l < len(m.Weights)-1 {
					s = act(m.Act, s)
				}
				y[o] = s
			}
			h = y
		}
		out = append(out, h...)
	}
	return out
}

func act(a gpu.Activation, x float64) float64 {
	switch a {
	case gpu.ActMish:
		return x * math.Tanh(math.Log1p(math.Exp(x)))
	case gpu.ActSiLU:
		return x / (1 + math.Exp(-x))
	case gpu.ActGELU:
		return 0.5 * x * (1 + math.Erf(x/math.Sqrt2))
	case gpu.ActReLU:
		return math.Max(x, 0)
	}
	return x
}

// testConfigs are the nn MLPs of the checks: every activation, both time embeddings, a conditional network
// (evaluated without its condition, as nn.Predictor.Predict does) and widths around the device's tiles.
var testConfigs = []nn.MLPConfig{
	{Dim: 6, Hidden: []int{70, 33}, TimeDim: 16},
	{Dim: 3, Hidden: []int{130}, TimeDim: 8, TimeEmbedding: "fourier", Act: "silu"},
	{Dim: 5, CondDim: 3, Hidden: []int{20, 17}, TimeDim: 12, Act: "gelu"},
	{Dim: 4, Hidden: []int{65}, TimeDim: 4, Act: "relu"},
	{Dim: 2, Hidden: []int{9}, TimeDim: 6, TimeEmbedding: "fourier", FourierScale: 2, Act: "identity"},
}

func newMLP(t testing.TB, cfg nn.MLPConfig, seed uint64) *nn.MLP {
	t.Helper()
	net, err := nn.NewMLP(cfg, tensor.Float32)
	if err != nil {
		t.Fatal(err)
	}
	net.Params().Init(seed)
	return net
}

func randomInput(seed uint64, n int) []float64 {
	rng := rand.New(rand.NewPCG(seed, 1))
	x := make([]float64, n)
	for i := range x {
		x[i] = float64(float32(rng.NormFloat64()))
	}
	return x
}

// TestMLPReadsEveryParameterInPlace: the gpu.MLP read from an nn network, evaluated on the host, gives nn's
// CPU predictor's output to float32 rounding, for every test configuration.
func TestMLPReadsEveryParameterInPlace(t *testing.T) {
	for i, cfg := range testConfigs {
		net := newMLP(t, cfg, uint64(i+1))
		m, err := MLP(net)
		if err != nil {
			t.Fatal(err)
		}
		pred := nn.NewPredictor(net)
		x := randomInput(uint64(i), 7*cfg.Dim)
		for _, tt := range []float64{0.01, 0.5, 3} {
			want := make([]float64, len(x))
			if err := pred.Predict(want, x, tt); err != nil {
				t.Fatal(err)
			}
			got := hostForward(m, x, tt)
			for j := range want {
				if d := math.Abs(got[j] - want[j]); d > 1e-5*math.Max(1, math.Abs(want[j])) {
					t.Fatalf("config %d at t = %v, value %d: host %v, nn %v", i, tt, j, got[j], want[j])
				}
			}
		}
	}
}

// TestUnsupportedNetworksAreRefused: an architecture without a device implementation, and a checkpoint
// without a denoising network, give errors naming the problem.
func TestUnsupportedNetworksAreRefused(t *testing.T) {
	unet, err := nn.NewTemporalUnet(nn.TemporalUnetConfig{Horizon: 8, Transition: 2, Dim: 8, DimMults: []int{1, 2}, Groups: 4}, tensor.Float32)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := MLP(unet); err == nil || !strings.Contains(err.Error(), `MLP of a "temporal_unet" network`) {
		t.Errorf("MLP of a temporal_unet: error %v", err)
	}
	cu, err := nn.NewTemporalUnet(nn.TemporalUnetConfig{Horizon: 8, Transition: 2, Dim: 8, DimMults: []int{1, 2}, Groups: 4, CondDim: 3}, tensor.Float32)
	if err != nil {
		t.Fatal(err)
	}
	if u, err := TemporalUnet(cu); err != nil || u.CondDim != 3 {
		t.Errorf("conditional temporal_unet: %v, cond dim %d", err, u.CondDim)
	}
	egtn, err := nn.Spec{Arch: "egtn", EGTN: &nn.EGTNConfig{Nodes: 3, SpatialDim: 2, TargetFrames: []int{0, 1}, Hidden: 8, Layers: 1}}.New(tensor.Float32, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := MLP(egtn); err == nil || !strings.Contains(err.Error(), `MLP of a "egtn" network`) {
		t.Errorf("MLP of an egtn: error %v", err)
	}
	if _, err := NewPredictor(nil, egtn, gpu.Parameterization{}, 1, gpu.PredictorOptions{}); err == nil {
		t.Error("an egtn predictor without a device was accepted")
	}
	if _, _, err := Checkpoint(&train.Checkpoint{}); err == nil || !strings.Contains(err.Error(), "no denoising network") {
		t.Errorf("empty checkpoint: error %v", err)
	}
	if Supported("regressor") || !Supported("mlp") || !Supported("temporal_unet") || !Supported("transformer") || !Supported("unet2d") || !Supported("unet3d") || !Supported("egtn") {
		t.Error("Supported does not list exactly mlp, temporal_unet, transformer, unet2d, unet3d and egtn")
	}
}

// mixtureSource serves points of a fixed 2-component mixture in Dim dimensions, keyed by step (a tiny,
// deterministic training set).
type mixtureSource struct{ dim int }

func (s mixtureSource) Dim() int     { return s.dim }
func (s mixtureSource) CondDim() int { return 0 }
func (s mixtureSource) Batch(step int, x0, cond []float64) error {
	rng := rand.New(rand.NewPCG(uint64(step), 7))
	for b := 0; b < len(x0)/s.dim; b++ {
		sign := 1.0
		if rng.IntN(2) == 0 {
			sign = -1
		}
		for j := 0; j < s.dim; j++ {
			x0[b*s.dim+j] = sign*0.7*float64(j%2*2-1) + 0.2*rng.NormFloat64()
		}
	}
	return nil
}

// trainTiny trains a small MLP for a few hundred steps into a temporary directory and loads its checkpoint
// (EMA weights) with package train, as `trajdiff sample` would.
func trainTiny(t testing.TB, obj train.ObjectiveConfig, cfg nn.MLPConfig) *train.Checkpoint {
	t.Helper()
	opts := train.DefaultOptions()
	opts.Steps, opts.Batch, opts.Warmup, opts.LR, opts.LogEvery, opts.CheckpointEvery, opts.Seed = 150, 32, 0, 3e-3, 150, 150, 3
	tr := &train.Trainer{Spec: nn.Spec{Arch: "mlp", MLP: &cfg}, Objective: obj, Source: mixtureSource{cfg.Dim}, Options: opts, Dir: t.TempDir()}
	res, err := tr.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("trained %s/%s: %d steps, last loss %.3g", obj.Kind, obj.Prediction, res.Steps, res.Loss)
	c, err := train.LoadCheckpoint(tr.Dir, train.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestCheckpointParameterization: the parameterization read from a trained checkpoint reproduces the
// checkpoint's own CPU denoiser (hostForward + the affine form), for eps, v and EDM objectives.
func TestCheckpointParameterization(t *testing.T) {
	cfg := nn.MLPConfig{Dim: 4, Hidden: []int{16}, TimeDim: 8}
	for _, obj := range []train.ObjectiveConfig{
		{Process: "vp-cosine", Prediction: "eps"},
		{Process: "vp-linear", Prediction: "v"},
		{Kind: "edm", Process: "edm"},
	} {
		c := trainTiny(t, obj, cfg)
		m, pz, err := Checkpoint(c)
		if err != nil {
			t.Fatal(err)
		}
		x := randomInput(3, 5*cfg.Dim)
		for _, u := range []float64{0.2, 0.8} {
			tt := c.Process.TMin() + u*(c.Process.TMax()-c.Process.TMin())
			want := make([]float64, len(x))
			if err := c.Denoiser.Denoise(want, x, tt); err != nil {
				t.Fatal(err)
			}
			s, tau, p, q, err := pz.Affine(tt)
			if err != nil {
				t.Fatal(err)
			}
			xs := make([]float64, len(x))
			for i, v := range x {
				xs[i] = s * v
			}
			f := hostForward(m, xs, tau)
			for i := range want {
				got := p*x[i] + q*f[i]
				if d := math.Abs(got - want[i]); d > 1e-5*math.Max(1, math.Abs(q))*math.Max(1, math.Abs(want[i])) {
					t.Fatalf("%s/%s at t = %v: %v, the checkpoint's denoiser gives %v", obj.Kind, obj.Prediction, tt, got, want[i])
				}
			}
		}
	}
}

// TestConv1dWeightIsTheTransposedTapMajorMatrix: the device's conv1d weight holds weight[o, c, t] at row
// t*in + c, column o.
func TestConv1dWeightIsTheTransposedTapMajorMatrix(t *testing.T) {
	const out, in, k = 2, 3, 4
	v := make([]float32, out*in*k)
	for i := range v {
		v[i] = float32(i)
	}
	w, err := Conv1dWeight(safetensors.F32("w", []int{out, in, k}, v))
	if err != nil {
		t.Fatal(err)
	}
	for o := 0; o < out; o++ {
		for c := 0; c < in; c++ {
			for tap := 0; tap < k; tap++ {
				if got, want := w[(tap*in+c)*out+o], float32((o*in+c)*k+tap); got != want {
					t.Fatalf("w[o %d, c %d, t %d] = %v, want %v", o, c, tap, got, want)
				}
			}
		}
	}
	if _, err := Conv1dWeight(safetensors.F32("w", []int{6, 4}, make([]float32, 24))); err == nil {
		t.Error("a 2-D weight was accepted")
	}
}

// TestConvTranspose1dWeightRegroupsPyTorchsLayout: the device's transposed-convolution weight holds
// weight[c, o, t] at row t*in + c, column o.
func TestConvTranspose1dWeightRegroupsPyTorchsLayout(t *testing.T) {
	const in, out, k = 3, 2, 4
	v := make([]float32, in*out*k)
	for i := range v {
		v[i] = float32(i)
	}
	w, err := ConvTranspose1dWeight(safetensors.F32("w", []int{in, out, k}, v))
	if err != nil {
		t.Fatal(err)
	}
	for c := 0; c < in; c++ {
		for o := 0; o < out; o++ {
			for tap := 0; tap < k; tap++ {
				if got, want := w[(tap*in+c)*out+o], float32((c*out+o)*k+tap); got != want {
					t.Fatalf("w[c %d, o %d, t %d] = %v, want %v", c, o, tap, got, want)
				}
			}
		}
	}
}

// TestNearestUpsamplerReadsAsTiedTransposedTaps: a temporal U-Net with the resize-convolution upsampler
// converts (its 3-tap weights regrouped into the transposed convolution's [in, out, 4] with taps [w2, w1 +
// w2, w0 + w1, w0]), and a weight of the wrong size is refused.
func TestNearestUpsamplerReadsAsTiedTransposedTaps(t *testing.T) {
	net, err := nn.NewTemporalUnet(nn.TemporalUnetConfig{Horizon: 8, Transition: 2, Dim: 8, DimMults: []int{1, 2}, Groups: 4, Upsample: nn.UpsampleNearest}, tensor.Float32)
	if err != nil {
		t.Fatal(err)
	}
	net.Params().Init(5)
	u, err := TemporalUnet(net)
	if err != nil {
		t.Fatal(err)
	}
	w, err := safetensors.Map(net.Params().Tensors())["ups.0.3.conv.weight"].Float32s() // [out, in, 3]
	if err != nil {
		t.Fatal(err)
	}
	v, c := u.Tensors["ups.0.3.conv.weight"], 8
	if len(v) != c*c*4 {
		t.Fatalf("converted weight has %d values, want %d", len(v), c*c*4)
	}
	for o := 0; o < c; o++ {
		for i := 0; i < c; i++ {
			k := w[(o*c+i)*3:]
			for tap, want := range []float32{k[2], k[1] + k[2], k[0] + k[1], k[0]} {
				if got := v[(i*c+o)*4+tap]; got != want {
					t.Fatalf("tap %d of (in %d, out %d) = %v, want %v", tap, i, o, got, want)
				}
			}
		}
	}
	if _, err := tiedTransposedTaps(make([]float32, 10)); err == nil {
		t.Error("a weight of 10 values was accepted")
	}
}

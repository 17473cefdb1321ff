package gpu

import (
	"fmt"
	"math"

	"github.com/trajdiff/trajdiff/diffusion"
)

// Activation is a pointwise activation of a network layer, numbered as nn's (ACT_* in kernels/activation.cuh).
type Activation int

const (
	ActIdentity Activation = iota
	ActMish                // x tanh(softplus(x)) (Misra 2019), nn's default
	ActSiLU                // x sigmoid(x)
	ActGELU                // x Phi(x), the exact (erf) form
	ActReLU                // max(x, 0)
)

var activationNames = [...]string{"identity", "mish", "silu", "gelu", "relu"}

func (a Activation) String() string {
	if a < 0 || int(a) >= len(activationNames) {
		return fmt.Sprintf("Activation(%d)", int(a))
	}
	return activationNames[a]
}

// ParseActivation maps nn's activation names ("" is nn's default, mish; "swish" is silu) to an Activation.
func ParseActivation(s string) (Activation, error) {
	switch s {
	case "":
		return ActMish, nil
	case "swish":
		return ActSiLU, nil
	}
	for i, n := range activationNames {
		if n == s {
			return Activation(i), nil
		}
	}
	return 0, fmt.Errorf("gpu: unknown activation %q (want mish, silu, gelu, relu or identity)", s)
}

// MLP is the fully connected denoiser nn.MLP evaluates, as plain float32 arrays for the device:
//
//	h_0 = [x | emb(t) | keep cond],  h_{i+1} = act(W_i h_i + b_i) (i < L-1),  F = W_{L-1} h_{L-1} + b_{L-1}
//
// emb is the sinusoidal embedding of width TimeDim, or random Fourier features with the frequencies Freqs
// (TimeDim/2 values) when Freqs is set. Weights[i] is W_i in PyTorch's state_dict layout ([out, in],
// row-major: nn's "net.<2i>.weight"), Biases[i] is b_i ("net.<2i>.bias"). gpu/fromnn builds one from an nn
// network or a train checkpoint.
type MLP struct {
	Dim     int // values per example (the input and output width)
	CondDim int // condition values (0: unconditional)
	TimeDim int // time embedding width (even, >= 4)
	Freqs   []float32
	Act     Activation
	Weights [][]float32
	Biases  [][]float32
}

// InputWidth is the width of the first layer's input, Dim + TimeDim + CondDim.
func (m *MLP) InputWidth() int { return m.Dim + m.TimeDim + m.CondDim }

// Widths lists every layer's output width.
func (m *MLP) Widths() []int {
	out := make([]int, len(m.Biases))
	for i, b := range m.Biases {
		out[i] = len(b)
	}
	return out
}

// Validate checks the shapes (every layer's weight fits its input and bias, the last layer returns Dim
// values) and that every parameter is finite.
func (m *MLP) Validate() error {
	if m == nil {
		return fmt.Errorf("gpu: nil MLP")
	}
	if m.Dim <= 0 || m.CondDim < 0 {
		return fmt.Errorf("gpu: MLP of dimension %d with %d condition values", m.Dim, m.CondDim)
	}
	if m.TimeDim < 4 || m.TimeDim%2 != 0 {
		return fmt.Errorf("gpu: MLP time embedding width %d must be even and at least 4", m.TimeDim)
	}
	if m.Freqs != nil && len(m.Freqs) != m.TimeDim/2 {
		return fmt.Errorf("gpu: MLP Fourier embedding of width %d has %d frequencies, want %d", m.TimeDim, len(m.Freqs), m.TimeDim/2)
	}
	if m.Act < ActIdentity || m.Act > ActReLU {
		return fmt.Errorf("gpu: MLP activation %v", m.Act)
	}
	if len(m.Weights) < 2 || len(m.Weights) != len(m.Biases) {
		return fmt.Errorf("gpu: MLP with %d weights and %d biases (want at least two layers, one bias each)", len(m.Weights), len(m.Biases))
	}
	in := m.InputWidth()
	for i, w := range m.Weights {
		out := len(m.Biases[i])
		if out == 0 || len(w) != out*in {
			return fmt.Errorf("gpu: MLP layer %d: weight of %d values for %d inputs and %d outputs", i, len(w), in, out)
		}
		in = out
	}
	if in != m.Dim {
		return fmt.Errorf("gpu: MLP returns %d values, its dimension is %d", in, m.Dim)
	}
	if err := finite32("time frequencies", m.Freqs); err != nil {
		return err
	}
	for i := range m.Weights {
		if err := finite32(fmt.Sprintf("layer %d weight", i), m.Weights[i]); err != nil {
			return err
		}
		if err := finite32(fmt.Sprintf("layer %d bias", i), m.Biases[i]); err != nil {
			return err
		}
	}
	return nil
}

// finite32 reports the first non-finite value of v.
func finite32(what string, v []float32) error {
	for j, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return fmt.Errorf("gpu: MLP %s[%d] is %v", what, j, x)
		}
	}
	return nil
}

// noNaN32 reports the first NaN of a condition. An infinite value passes: it is what a finite host value
// beyond float32's range becomes, which nn's float32 CPU predictor reads the same way, so the points reading
// it get non-finite outputs on both (isolated with RunOptions.NonFinite, else the executor's error), as a
// diverging example does on the CPU.
func noNaN32(what string, v []float32) error {
	for j, x := range v {
		if math.IsNaN(float64(x)) {
			return fmt.Errorf("gpu: MLP %s[%d] is %v", what, j, x)
		}
	}
	return nil
}

// Parameterization says how a network's raw output F becomes the denoiser x0 = D(x, t), the two forms train
// checkpoints use:
//
//	prediction (diffusion.FromPrediction)  F = F(x, t) predicts Prediction under Process, which is linear in
//	                                       (x, x0): x0 = p x + q F with (p, q) = diffusion.ConversionCoefficients
//	EDM (diffusion.EDMPrecond), SigmaData > 0
//	                                       x0 = c_skip x/alpha + c_out F(c_in x/alpha, c_noise) at
//	                                       sigma/alpha (Karras et al. 2022, Table 1); a nil Process is EDM's
//	                                       own (alpha 1, sigma t)
//
// Every case is D(x, t) = p x + q F(s x, tau): the device evaluates the network on the scaled input and
// combines once (Affine).
type Parameterization struct {
	Prediction diffusion.Prediction
	Process    diffusion.Process
	SigmaData  float64 // > 0: EDM's preconditioning
}

// Affine returns D(x, t) = p x + q F(s x, tau) at time t: the input scale s, the network's time tau and the
// output coefficients (p, q), in float64.
func (pz Parameterization) Affine(t float64) (s, tau, p, q float64, err error) {
	if math.IsNaN(t) || math.IsInf(t, 0) {
		return 0, 0, 0, 0, fmt.Errorf("gpu: network denoiser at t = %v", t)
	}
	if pz.SigmaData > 0 {
		alpha, sigma := 1.0, t
		if pz.Process != nil {
			alpha, sigma = pz.Process.Alpha(t), pz.Process.Sigma(t)/pz.Process.Alpha(t)
		}
		if !(alpha > 0) || !(sigma > 0) {
			return 0, 0, 0, 0, fmt.Errorf("gpu: EDM preconditioning at t = %v needs alpha > 0 and sigma > 0 (alpha %v, sigma %v)", t, alpha, sigma)
		}
		cSkip, cOut, cIn, cNoise := diffusion.EDMScalings(sigma, pz.SigmaData)
		return cIn / alpha, cNoise, cSkip / alpha, cOut, nil
	}
	if pz.Process == nil {
		return 0, 0, 0, 0, fmt.Errorf("gpu: a %v-predicting network needs its process", pz.Prediction)
	}
	if pz.Prediction < diffusion.PredX0 || pz.Prediction > diffusion.PredVelocity {
		return 0, 0, 0, 0, fmt.Errorf("gpu: unknown prediction %v", pz.Prediction)
	}
	p, q, err = diffusion.ConversionCoefficients(pz.Prediction, diffusion.PredX0, diffusion.CoefficientsAt(pz.Process, t))
	if err != nil {
		return 0, 0, 0, 0, fmt.Errorf("gpu: %w", err)
	}
	return 1, t, p, q, nil
}

// Validate checks that the parameterization names a process (or EDM's) and a known prediction.
func (pz Parameterization) Validate() error {
	if math.IsNaN(pz.SigmaData) || math.IsInf(pz.SigmaData, 0) || pz.SigmaData < 0 {
		return fmt.Errorf("gpu: EDM sigma_data %v", pz.SigmaData)
	}
	if pz.SigmaData > 0 {
		return nil
	}
	if pz.Process == nil {
		return fmt.Errorf("gpu: a %v-predicting network needs its process", pz.Prediction)
	}
	if pz.Prediction < diffusion.PredX0 || pz.Prediction > diffusion.PredVelocity {
		return fmt.Errorf("gpu: unknown prediction %v", pz.Prediction)
	}
	return nil
}

// PredictorOptions configures a Predictor.
type PredictorOptions struct {
	// Precision of the Linear layers (and of a U-Net's convolutions): FP32 (the default, exact float32),
	// TF32 or BF16 (tensor cores). The 1-D DiT and EGTN refuse TF32 and BF16.
	Precision Precision
	// Cond is a fixed condition (CondDim values) given to every point, the conditional model of
	// classifier-free guidance (nn.Predictor.Conditional); nil evaluates a conditional network without its
	// condition (keep = 0), as nn.Predictor.Predict does.
	Cond []float32
	// PointConds gives every point its own condition instead: MaxPoints rows of CondDim values, point i of
	// a batch reading row i (nn.Predictor.Conditional with one row per point, as train.Model.Sample feeds
	// windows whose conditioning entries differ). Set at most one of Cond and PointConds.
	PointConds []float32
	// Guidance w > 0 is classifier-free guidance (Ho & Salimans 2022) as train.Model.Sample evaluates it:
	// two passes over the batch, out_c with the condition (Cond or PointConds, which it needs) and out_u
	// without it (keep = 0, the unconditional model that condition dropout trains), combined in the network's
	// parameterisation as out_c + (w - 1)(out_c - out_u). 0 is one pass without guidance.
	Guidance float64
}

// condition checks the options' condition for a network taking condDim values and a batch of up to
// maxPoints points, and returns it as the device holds it: the values (nil for none) and the stride
// between points' rows (0 when every point reads the same row).
func (o PredictorOptions) condition(condDim, maxPoints int) ([]float32, int, error) {
	w := o.Guidance
	if math.IsNaN(w) || math.IsInf(w, 0) || w < 0 {
		return nil, 0, fmt.Errorf("gpu: guidance weight %v (want a finite w >= 0, 0 for none)", w)
	}
	switch {
	case o.Cond != nil && o.PointConds != nil:
		return nil, 0, fmt.Errorf("gpu: both a shared condition and per-point conditions")
	case o.Cond != nil:
		if condDim == 0 || len(o.Cond) != condDim {
			return nil, 0, fmt.Errorf("gpu: condition of %d values for a network taking %d", len(o.Cond), condDim)
		}
		if err := noNaN32("condition", o.Cond); err != nil {
			return nil, 0, err
		}
		return append([]float32(nil), o.Cond...), 0, nil
	case o.PointConds != nil:
		if condDim == 0 || len(o.PointConds) != maxPoints*condDim {
			return nil, 0, fmt.Errorf("gpu: per-point conditions of %d values for %d points of a network taking %d each (want %d)",
				len(o.PointConds), maxPoints, condDim, maxPoints*condDim)
		}
		if err := noNaN32("per-point condition", o.PointConds); err != nil {
			return nil, 0, err
		}
		return append([]float32(nil), o.PointConds...), condDim, nil
	case w != 0:
		return nil, 0, fmt.Errorf("gpu: guidance weight %v without a condition to guide towards (set Cond or PointConds)", w)
	}
	return nil, 0, nil
}

// Precision selects the arithmetic of the network's Linear layers (and a U-Net's convolutions) on the device.
type Precision int

const (
	// FP32 is exact float32 (linear_f32: CUDA cores, bias and activation fused): the device reproduces nn's
	// float32 CPU predictor to float32 rounding (gpu/doc.go, Network inference, states the tolerance).
	FP32 Precision = iota
	// TF32 runs the products on the tensor cores (inputs rounded to 10-bit mantissas, float32
	// accumulation): an MLP's through GemmTF32 with a separate bias-and-activation epilogue (bias_act_f32),
	// a U-Net's convolutions and Linear layers through tile_gemm_tf32, the FP32 implicit GEMM on wmma with
	// the epilogue fused (kernels/tile_tf32.cuh). Relative error about 1e-3 per layer (gpu/doc.go, TF32
	// convolutions).
	TF32
	// BFloat16 is TF32 with the operands rounded to bfloat16 (8 significant bits, to nearest even) on the
	// way in, products exact and accumulated in float32, bias and activation fused: the MLP's and U-Nets'
	// Linear layers and the U-Nets' convolutions through tile_gemm_bf16 (kernels/tile_bf16.cuh). Relative
	// error about 8 times TF32's per layer (gpu/doc.go, BF16 convolutions). Its name is longer than TF32's
	// because BF16 is the device buffer of bfloat16 values that GemmBF16 reads.
	BFloat16
)

func (p Precision) String() string {
	switch p {
	case FP32:
		return "fp32"
	case TF32:
		return "tf32"
	case BFloat16:
		return "bf16"
	}
	return fmt.Sprintf("Precision(%d)", int(p))
}

// checkTensors checks that tensors holds exactly the tensors of shapes, each with its size and finite
// values (net names the network in the errors).
func checkTensors(net string, shapes map[string][]int, tensors map[string][]float32) error {
	for name, shape := range shapes {
		v, ok := tensors[name]
		n := 1
		for _, s := range shape {
			n *= s
		}
		if !ok || len(v) != n {
			return fmt.Errorf("gpu: %s tensor %q: %d values, want %v", net, name, len(v), shape)
		}
		for j, x := range v {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return fmt.Errorf("gpu: %s tensor %q[%d] is %v", net, name, j, x)
			}
		}
	}
	for name := range tensors {
		if _, ok := shapes[name]; !ok {
			return fmt.Errorf("gpu: %s tensor %q is not part of the network the device evaluates", net, name)
		}
	}
	return nil
}

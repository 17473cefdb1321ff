package gpu

import (
	"fmt"

	"github.com/trajdiff/trajdiff/diffusion"
)

// ValueMLP is the value network as plain float32 arrays: Weights[l] is W_l in PyTorch's [out, in] layout
// (nn's "net.<2l>.weight"), Biases[l] its bias; In is the window width plus Features (even) time features
// of the process time on [TMin, TMax].
type ValueMLP struct {
	Window, Features int
	TMin, TMax       float64
	Act              Activation
	Weights, Biases  [][]float32
}

// check validates the network's shapes: In = Window + Features, one output.
func (v ValueMLP) check() error {
	if v.Window < 1 || v.Features < 0 || v.Features%2 != 0 || !(v.TMax > v.TMin) {
		return fmt.Errorf("gpu: value network of window %d, %d time features on [%v, %v]", v.Window, v.Features, v.TMin, v.TMax)
	}
	if len(v.Weights) == 0 || len(v.Weights) != len(v.Biases) {
		return fmt.Errorf("gpu: value network with %d weight and %d bias layers", len(v.Weights), len(v.Biases))
	}
	in := v.Window + v.Features
	for l, b := range v.Biases {
		if len(b) == 0 || len(v.Weights[l]) != len(b)*in {
			return fmt.Errorf("gpu: value network layer %d: %d weights and %d biases for %d inputs", l, len(v.Weights[l]), len(b), in)
		}
		in = len(b)
	}
	if in != 1 {
		return fmt.Errorf("gpu: value network with %d outputs, want 1", in)
	}
	return nil
}

// ValueNet is a value network J(x_t, t) that the device differentiates: ValueMLP (train's regressor MLP on
// the window and its time features) or *ValueUnet (Diffuser's temporal_value).
type ValueNet interface {
	valueWindow() int // the window values the network reads before its time input
}

// valueWindow implements ValueNet.
func (v ValueMLP) valueWindow() int { return v.Window }

// ValueGuideConfig is rl/diffuser's value guide in numbers: every x0-prediction at process time
// t >= Stop (with alpha(t) > 0) moves by (y_n - x)/alpha(t), y_0 = x, y_{k+1} = y_k + Scale sigma(t)^2 dJ/dx(y_k, t)
// (Scale alone when NoStd) on the window entries Free marks, for k < Steps.
type ValueGuideConfig struct {
	Net     ValueNet
	Windows int
	Free    []bool // per window entry: moved by the guide; the inpainted entries are not
	Process diffusion.Process
	Scale   float64
	Steps   int
	Stop    float64
	NoStd   bool
}

package fromnn

import (
	"fmt"
	"math"
	"slices"

	"github.com/trajdiff/trajdiff/gpu"
	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/nn/safetensors"
	"github.com/trajdiff/trajdiff/train"
)

// ValueGuide is rl/diffuser's value guide in the numbers the device runs it with (gpu.ValueGuide): every
// x0-prediction at process time t >= StopGradBelow moves by (y_n - x)/alpha(t), y_0 = x,
// y_{k+1} = y_k + Scale sigma(t)^2 dJ/dx(y_k, t) (Scale alone with NoStdScaling), k < Steps (0: 1), on the
// window entries Fixed does not mark, with J the value model Model (objective kind value: arch regressor,
// the MLP on the window and train.ValueTimeFeatures time features, differentiated by gpu.ValueGradient; or
// arch temporal_value, Diffuser's U-Net value model on the window and t, by gpu.ValueUnetGradient). It runs
// after the request's clamp, as train.Model.Sample runs a request's CorrectX0.
type ValueGuide struct {
	Model         *train.Model
	Scale         float64
	Steps         int
	StopGradBelow float64
	NoStdScaling  bool
	Fixed         []bool // per window entry (horizon*transition): inpainted, never moved
}

// ValueNet reads a value model's network for the device, whichever of the two architectures it has:
// ValueMLP for arch regressor, ValueUnet for arch temporal_value.
func ValueNet(m *train.Model) (gpu.ValueNet, error) {
	if m != nil && m.Checkpoint != nil && m.Checkpoint.Regressor != nil && m.Checkpoint.Regressor.Spec().Arch == "temporal_value" {
		return ValueUnet(m)
	}
	return ValueMLP(m)
}

// ValueMLP reads a value model's MLP (the weights it was loaded with) and its time features for the device.
func ValueMLP(m *train.Model) (gpu.ValueMLP, error) {
	if m == nil || !m.IsValue() || m.Checkpoint == nil || m.Checkpoint.Regressor == nil {
		return gpu.ValueMLP{}, fmt.Errorf("fromnn: the value guide needs a value model (objective kind %q)", train.ObjectiveValue)
	}
	net := m.Checkpoint.Regressor
	mlp, ok := net.(*nn.RegressorMLP)
	if !ok {
		return gpu.ValueMLP{}, fmt.Errorf("fromnn: value network architecture %q is not the regressor MLP (ValueUnet reads temporal_value)", net.Spec().Arch)
	}
	cfg := mlp.Config()
	act, err := gpu.ParseActivation(cfg.Activation)
	if err != nil {
		return gpu.ValueMLP{}, fmt.Errorf("fromnn: %w", err)
	}
	p := m.ValueProcess()
	W := m.Horizon * m.Transition
	v := gpu.ValueMLP{Window: W, Features: train.ValueTimeFeatures, TMin: p.TMin(), TMax: p.TMax(), Act: act}
	if cfg.In != W+v.Features || cfg.Out != 1 {
		return gpu.ValueMLP{}, fmt.Errorf("fromnn: value MLP of %d inputs and %d outputs for windows of %d values", cfg.In, cfg.Out, W)
	}
	tensors := safetensors.Map(net.Params().Tensors())
	in := cfg.In
	for i, out := range append(slices.Clone(cfg.Hidden), 1) {
		w, ok1 := tensors[fmt.Sprintf("net.%d.weight", 2*i)]
		b, ok2 := tensors[fmt.Sprintf("net.%d.bias", 2*i)]
		if !ok1 || !ok2 || !slices.Equal(w.Shape, []int{out, in}) || !slices.Equal(b.Shape, []int{out}) {
			return gpu.ValueMLP{}, fmt.Errorf("fromnn: value MLP layer %d is not a [%d, %d] Linear", i, out, in)
		}
		wv, err := w.Float32s()
		if err != nil {
			return gpu.ValueMLP{}, fmt.Errorf("fromnn: %w", err)
		}
		bv, err := b.Float32s()
		if err != nil {
			return gpu.ValueMLP{}, fmt.Errorf("fromnn: %w", err)
		}
		v.Weights, v.Biases = append(v.Weights, wv), append(v.Biases, bv)
		in = out
	}
	return v, nil
}

// ValueUnet reads a value model's temporal_value network (the weights it was loaded with) for the device.
func ValueUnet(m *train.Model) (*gpu.ValueUnet, error) {
	if m == nil || !m.IsValue() || m.Checkpoint == nil || m.Checkpoint.Regressor == nil {
		return nil, fmt.Errorf("fromnn: the value guide needs a value model (objective kind %q)", train.ObjectiveValue)
	}
	return valueUnet(m.Checkpoint.Regressor)
}

// valueUnet reads an nn temporal_value network: its configuration and its state_dict as float32 in
// PyTorch's layouts, which gpu.ValueUnet.Validate then requires to be exactly the network's tensors.
func valueUnet(net nn.Regressor) (*gpu.ValueUnet, error) {
	tv, ok := net.(*nn.TemporalValue)
	if !ok {
		return nil, fmt.Errorf("fromnn: value network architecture %q is not temporal_value", net.Spec().Arch)
	}
	cfg := tv.Config()
	if cfg.Out != 1 {
		return nil, fmt.Errorf("fromnn: temporal_value with %d outputs, want one value", cfg.Out)
	}
	u := &gpu.ValueUnet{Horizon: cfg.Horizon, Transition: cfg.Transition, Dim: cfg.Dim, Kernel: cfg.Kernel, Groups: cfg.Groups,
		DimMults: slices.Clone(cfg.DimMults)}
	tensors, err := float32Tensors(net.Params())
	if err != nil {
		return nil, err
	}
	u.Tensors = tensors
	if err := u.Validate(); err != nil {
		return nil, fmt.Errorf("fromnn: %w", err)
	}
	return u, nil
}

// config checks g against the sampled model m and lays it out for windows windows.
func (g *ValueGuide) config(m *train.Model, windows int) (*gpu.ValueGuideConfig, error) {
	switch {
	case math.IsNaN(g.Scale) || math.IsInf(g.Scale, 0):
		return nil, fmt.Errorf("fromnn: value guidance scale %v", g.Scale)
	case g.Steps < 0 || math.IsNaN(g.StopGradBelow) || g.StopGradBelow < 0:
		return nil, fmt.Errorf("fromnn: value guidance of %d steps, stop time %v", g.Steps, g.StopGradBelow)
	}
	net, err := ValueNet(g.Model)
	if err != nil {
		return nil, err
	}
	if m == nil || m.Checkpoint == nil {
		return nil, fmt.Errorf("fromnn: value guidance without the sampled model")
	}
	W := g.Model.Horizon * g.Model.Transition // the window the value network reads (ValueMLP and ValueUnet check it)
	if m.Horizon*m.Transition != W || m.Checkpoint.Process.Name() != g.Model.ValueProcess().Name() {
		return nil, fmt.Errorf("fromnn: the value model takes windows of %d values of process %s, the sampled model draws %d of %s",
			W, g.Model.ValueProcess().Name(), m.Horizon*m.Transition, m.Checkpoint.Process.Name())
	}
	if len(g.Fixed) != W {
		return nil, fmt.Errorf("fromnn: value guidance with a mask of %d entries for windows of %d", len(g.Fixed), W)
	}
	free := make([]bool, W)
	for i, f := range g.Fixed {
		free[i] = !f
	}
	return &gpu.ValueGuideConfig{Net: net, Windows: windows, Free: free, Process: g.Model.ValueProcess(), Scale: g.Scale,
		Steps: max(g.Steps, 1), Stop: g.StopGradBelow, NoStd: g.NoStdScaling}, nil
}

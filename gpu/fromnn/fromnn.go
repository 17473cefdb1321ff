package fromnn

import (
	"fmt"
	"slices"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/gpu"
	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/nn/safetensors"
	"github.com/trajdiff/trajdiff/train"
)

// supported lists the nn architectures the device evaluates.
var supported = []string{"mlp", "temporal_unet", "transformer", "unet2d", "unet3d", "egtn"}

// Supported reports whether the device evaluates networks of architecture arch (nn.Spec.Arch).
func Supported(arch string) bool { return slices.Contains(supported, arch) }

// MLP reads net (an nn network of architecture "mlp") into the device's form: its configuration and its
// parameters from the state_dict ("net.<2i>.weight", "net.<2i>.bias", "time_embed.freqs"), as float32. Every
// tensor of the state_dict must be used, so that a network with parts the device does not evaluate is
// refused rather than evaluated without them.
func MLP(net nn.Net) (*gpu.MLP, error) {
	if net == nil {
		return nil, fmt.Errorf("fromnn: nil network")
	}
	spec := net.Spec()
	if spec.Arch != "mlp" {
		if !Supported(spec.Arch) {
			return nil, fmt.Errorf("fromnn: network architecture %q has no GPU implementation (supported: %v)", spec.Arch, supported)
		}
		return nil, fmt.Errorf("fromnn: MLP of a %q network (NewPredictor takes any supported architecture)", spec.Arch)
	}
	if su, ok := net.(nn.SignalUser); ok && su.NeedsSignal() {
		return nil, fmt.Errorf("fromnn: %s network needs the process's signal level, which the GPU path does not provide", spec.Arch)
	}
	cfg := spec.MLP
	if cfg == nil {
		return nil, fmt.Errorf("fromnn: mlp spec without its configuration")
	}
	act, err := gpu.ParseActivation(cfg.Act)
	if err != nil {
		return nil, fmt.Errorf("fromnn: %w", err)
	}
	m := &gpu.MLP{Dim: cfg.Dim, CondDim: cfg.CondDim, TimeDim: cfg.TimeDim, Act: act}
	tensors := safetensors.Map(net.Params().Tensors())
	used := map[string]bool{}
	take := func(name string, shape ...int) ([]float32, error) {
		t, ok := tensors[name]
		if !ok {
			return nil, fmt.Errorf("fromnn: mlp state_dict has no %q", name)
		}
		if !slices.Equal(t.Shape, shape) {
			return nil, fmt.Errorf("fromnn: mlp %q has shape %v, want %v", name, t.Shape, shape)
		}
		used[name] = true
		v, err := t.Float32s()
		if err != nil {
			return nil, fmt.Errorf("fromnn: %w", err)
		}
		return v, nil
	}
	switch cfg.TimeEmbedding {
	case "", "sinusoidal":
	case "fourier":
		if m.Freqs, err = take("time_embed.freqs", cfg.TimeDim/2); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("fromnn: mlp time embedding %q has no GPU implementation", cfg.TimeEmbedding)
	}
	in := m.InputWidth()
	for i, out := range append(append([]int(nil), cfg.Hidden...), cfg.Dim) {
		w, err := take(fmt.Sprintf("net.%d.weight", 2*i), out, in)
		if err != nil {
			return nil, err
		}
		b, err := take(fmt.Sprintf("net.%d.bias", 2*i), out)
		if err != nil {
			return nil, err
		}
		m.Weights, m.Biases = append(m.Weights, w), append(m.Biases, b)
		in = out
	}
	for name := range tensors {
		if !used[name] {
			return nil, fmt.Errorf("fromnn: mlp state_dict holds %q, which the GPU path does not evaluate", name)
		}
	}
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("fromnn: %w", err)
	}
	return m, nil
}

// Checkpoint reads a train checkpoint's MLP (with the weights it was loaded with) and the conversion of its
// output to x0 (Parameterization).
func Checkpoint(c *train.Checkpoint) (*gpu.MLP, gpu.Parameterization, error) {
	pz, err := Parameterization(c)
	if err != nil {
		return nil, gpu.Parameterization{}, err
	}
	m, err := MLP(c.Net)
	if err != nil {
		return nil, gpu.Parameterization{}, fmt.Errorf("%w (checkpoint %s)", err, c.Path)
	}
	return m, pz, nil
}

// Parameterization is the conversion of a checkpoint's network output to x0 that its objective defines:
// EDM's preconditioning for objective kind edm, else the objective's prediction (default eps) under the
// checkpoint's process, as train.ObjectiveConfig.Denoiser builds it on the CPU.
func Parameterization(c *train.Checkpoint) (gpu.Parameterization, error) {
	if c == nil || c.Net == nil {
		return gpu.Parameterization{}, fmt.Errorf("fromnn: the checkpoint holds no denoising network (a regressor has no GPU path)")
	}
	if e, ok := c.Denoiser.(*diffusion.EDMPrecond); ok {
		return gpu.Parameterization{SigmaData: e.SigmaData, Process: e.Process}, nil
	}
	name := c.State.Objective.Prediction
	if name == "" {
		name = "eps"
	}
	kind, err := diffusion.ParsePrediction(name)
	if err != nil {
		return gpu.Parameterization{}, fmt.Errorf("fromnn: checkpoint %s: %w", c.Path, err)
	}
	pz := gpu.Parameterization{Prediction: kind, Process: c.Process}
	if err := pz.Validate(); err != nil {
		return gpu.Parameterization{}, fmt.Errorf("fromnn: checkpoint %s: %w", c.Path, err)
	}
	return pz, nil
}

// float32Tensors reads every parameter of a network by its name (PyTorch's state_dict names) as float32,
// the form the device networks upload.
func float32Tensors(ps *nn.Params) (map[string][]float32, error) {
	out := map[string][]float32{}
	for name, t := range safetensors.Map(ps.Tensors()) {
		v, err := t.Float32s()
		if err != nil {
			return nil, fmt.Errorf("fromnn: parameter %s: %w", name, err)
		}
		out[name] = v
	}
	return out, nil
}

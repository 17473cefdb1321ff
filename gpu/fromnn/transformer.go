package fromnn

import (
	"fmt"

	"github.com/trajdiff/trajdiff/gpu"
	"github.com/trajdiff/trajdiff/nn"
)

// Transformer reads net (an nn network of architecture "transformer", the 1-D DiT) into the device's form:
// its configuration (nn's defaults filled in: MLP ratio 4, time width = model width) and its state_dict as
// float32 in PyTorch's layouts; gpu.Transformer.Validate then requires exactly the tensors the device
// evaluates. Dropout is a training-time layer and does not enter the forward pass nn's predictor runs.
func Transformer(net nn.Net) (*gpu.Transformer, error) {
	if net == nil {
		return nil, fmt.Errorf("fromnn: nil network")
	}
	spec := net.Spec()
	if spec.Arch != "transformer" || spec.Transformer == nil {
		return nil, fmt.Errorf("fromnn: Transformer of a %q network", spec.Arch)
	}
	cfg := *spec.Transformer
	if cfg.MLPRatio == 0 {
		cfg.MLPRatio = 4
	}
	if cfg.TimeDim == 0 {
		cfg.TimeDim = cfg.Width
	}
	var fourier bool
	switch cfg.TimeEmbedding {
	case "", "sinusoidal":
	case "fourier":
		fourier = true
	default:
		return nil, fmt.Errorf("fromnn: transformer time embedding %q has no GPU implementation", cfg.TimeEmbedding)
	}
	m := &gpu.Transformer{Length: cfg.Length, Channels: cfg.Channels, Width: cfg.Width, Depth: cfg.Depth, Heads: cfg.Heads,
		Hidden: int(float64(cfg.Width) * cfg.MLPRatio), TimeDim: cfg.TimeDim, Fourier: fourier, CondDim: cfg.CondDim, Causal: cfg.Causal,
	}
	tensors, err := float32Tensors(net.Params())
	if err != nil {
		return nil, err
	}
	m.Tensors = tensors
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("fromnn: %w", err)
	}
	return m, nil
}

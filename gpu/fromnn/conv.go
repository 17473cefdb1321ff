package fromnn

import (
	"fmt"

	"github.com/trajdiff/trajdiff/gpu"
	"github.com/trajdiff/trajdiff/nn/safetensors"
)

// Conv1dWeight converts a Conv1d weight in PyTorch's state_dict layout [out, in, k] (what nn's Params.Tensors
// and checkpoints hold) into the device layout of gpu.Stream.Conv1d, [k*in, out]: row t*in + c, column o
// holds weight[o, c, t].
func Conv1dWeight(t safetensors.Tensor) ([]float32, error) {
	if len(t.Shape) != 3 {
		return nil, fmt.Errorf("fromnn: conv1d weight %q has shape %v, want [out, in, k]", t.Name, t.Shape)
	}
	out, in, k := t.Shape[0], t.Shape[1], t.Shape[2]
	v, err := t.Float32s()
	if err != nil {
		return nil, fmt.Errorf("fromnn: %w", err)
	}
	return gpu.Conv1dDeviceWeight(v, out, in, k), nil
}

// ConvTranspose1dWeight converts a ConvTranspose1d weight in PyTorch's state_dict layout [in, out, k] into
// the device layout of gpu.Stream.ConvTranspose1d, [k*in, out]: row t*in + c, column o holds
// weight[c, o, t].
func ConvTranspose1dWeight(t safetensors.Tensor) ([]float32, error) {
	if len(t.Shape) != 3 {
		return nil, fmt.Errorf("fromnn: conv_transpose1d weight %q has shape %v, want [in, out, k]", t.Name, t.Shape)
	}
	in, out, k := t.Shape[0], t.Shape[1], t.Shape[2]
	v, err := t.Float32s()
	if err != nil {
		return nil, fmt.Errorf("fromnn: %w", err)
	}
	return gpu.ConvTranspose1dDeviceWeight(v, in, out, k), nil
}

package nn

import (
	"fmt"
	"math"

	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/nn/safetensors"
)

// Tensors returns every parameter and buffer as safetensors tensors (F32 or F64) named by the state_dict.
func (ps *Params) Tensors() []safetensors.Tensor {
	out := make([]safetensors.Tensor, len(ps.list))
	for i, p := range ps.list {
		v := make([]float64, p.Size())
		p.toTorch(v)
		if p.Value.Dtype() == tensor.Float32 {
			v32 := make([]float32, len(v))
			for j, x := range v {
				v32[j] = float32(x)
			}
			out[i] = safetensors.F32(p.Name, p.StateShape(), v32)
		} else {
			out[i] = safetensors.F64(p.Name, p.StateShape(), v)
		}
	}
	return out
}

// Save writes the parameters to a safetensors file (atomically), with optional string metadata.
func (ps *Params) Save(path string, metadata map[string]string) error {
	if err := safetensors.WriteFile(path, ps.Tensors(), metadata); err != nil {
		return fmt.Errorf("nn: save parameters: %w", err)
	}
	return nil
}

// Load reads parameters from a safetensors file written by Save or by PyTorch (a state_dict with the same
// names). Every parameter must be present with its exact shape and finite values; extra tensors are an
// error too, so a checkpoint of another architecture is never half-loaded. Values are converted to the
// model's dtype. Nothing is changed unless the whole file is valid.
func (ps *Params) Load(path string) (map[string]string, error) {
	ts, meta, err := safetensors.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("nn: load parameters: %w", err)
	}
	if err := ps.SetTensors(ts); err != nil {
		return nil, fmt.Errorf("nn: load parameters from %s: %w", path, err)
	}
	return meta, nil
}

// SetTensors assigns the parameters from named tensors, with Load's checks.
func (ps *Params) SetTensors(ts []safetensors.Tensor) error {
	byName := safetensors.Map(ts)
	if len(byName) != len(ts) {
		return fmt.Errorf("duplicate tensor names")
	}
	vals := make([][]float64, len(ps.list))
	for i, p := range ps.list {
		t, ok := byName[p.Name]
		if !ok {
			return fmt.Errorf("missing tensor %q (shape %v)", p.Name, p.StateShape())
		}
		if !sameShape(t.Shape, p.StateShape()) {
			return fmt.Errorf("tensor %q has shape %v, want %v", p.Name, t.Shape, p.StateShape())
		}
		v, err := t.Float64s()
		if err != nil {
			return err
		}
		for j, x := range v {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return fmt.Errorf("tensor %q has a non-finite value at %d", p.Name, j)
			}
		}
		vals[i] = v
		delete(byName, p.Name)
	}
	for name := range byName {
		return fmt.Errorf("unexpected tensor %q (not a parameter of this network)", name)
	}
	for i, p := range ps.list {
		p.fromTorch(vals[i])
	}
	return nil
}

// Lerp moves every parameter towards src: p = decay p + (1 - decay) src (an exponential moving average
// of the weights when src is the trained model). Both sets must come from the same architecture.
func (ps *Params) Lerp(src *Params, decay float64) error {
	if len(src.list) != len(ps.list) {
		return fmt.Errorf("nn: lerp parameters: %d tensors, want %d", len(src.list), len(ps.list))
	}
	for i, p := range ps.list {
		q := src.list[i]
		if q.Name != p.Name || !sameShape(q.Shape, p.Shape) || q.Value.Dtype() != p.Value.Dtype() {
			return fmt.Errorf("nn: lerp parameters: tensor %d is %s %v, want %s %v", i, q.Name, q.Shape, p.Name, p.Shape)
		}
		if p.Value.Dtype() == tensor.Float32 {
			lerp(data[float32](p.Value), data[float32](q.Value), decay)
		} else {
			lerp(data[float64](p.Value), data[float64](q.Value), decay)
		}
	}
	return nil
}

func lerp[T Float](dst, src []T, decay float64) {
	d, e := T(decay), T(1-decay)
	for i, v := range src {
		dst[i] = d*dst[i] + e*v
	}
}

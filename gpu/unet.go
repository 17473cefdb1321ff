package gpu

import (
	"fmt"
)

// TemporalUnet is nn's TemporalUnet (Diffuser's, Janner et al. 2022) as float32 arrays for the device, on
// channels-last trajectories x [B, Horizon, Transition]: a sinusoidal time MLP (Linear, Mish, Linear, Mish),
// per resolution two residual blocks and a stride-2 Conv1d downsampling, two middle blocks, per resolution
// on the way up a channel concatenation with the skip, two residual blocks and a ConvTranspose1d(4, 2, 1)
// upsampling, and a final Conv1d -> GroupNorm -> Mish block and 1x1 Conv1d. A residual block is
//
//	h = Mish(GN(conv(x))) + Linear(memb),  y = Mish(GN(conv(h))) + (x or conv1x1(x)),
//
// with memb the time MLP's output (one vector for the batch: all points share t). With CondDim > 0 the
// condition goes through Decision Diffuser's returns MLP (Linear, Mish, Linear, Mish, Linear), is
// multiplied by keep and concatenated to the time embedding before the Mish, so memb = [Mish(emb(t)) |
// Mish(keep c)] has 2 Dim values: the device evaluates the network without its condition (keep 0, the
// second half 0) or with one fixed condition for the batch (PredictorOptions.Cond). Tensors holds the
// state_dict by name in PyTorch's layouts (gpu/fromnn.TemporalUnet fills it from an nn network).
type TemporalUnet struct {
	Horizon, Transition, Dim, Kernel, Groups int
	DimMults                                 []int
	CondDim                                  int
	Tensors                                  map[string][]float32
}

// embedWidth is the width of memb: Dim, or 2 Dim with a condition.
func (u *TemporalUnet) embedWidth() int {
	if u.CondDim > 0 {
		return 2 * u.Dim
	}
	return u.Dim
}

// unetBlock names one residual block and its widths.
type unetBlock struct {
	name    string
	in, out int
}

// widths returns the channel widths [Transition, Dim*m_0, Dim*m_1, ...].
func (u *TemporalUnet) widths() []int {
	dims := []int{u.Transition}
	for _, m := range u.DimMults {
		dims = append(dims, u.Dim*m)
	}
	return dims
}

// tensorShapes lists every state_dict tensor the network needs with its PyTorch shape.
func (u *TemporalUnet) tensorShapes() map[string][]int {
	out := map[string][]int{}
	d, k := u.Dim, u.Kernel
	linear := func(name string, in, o int) { out[name+".weight"], out[name+".bias"] = []int{o, in}, []int{o} }
	conv := func(name string, in, o, taps int) {
		out[name+".weight"], out[name+".bias"] = []int{o, in, taps}, []int{o}
	}
	convT := func(name string, in, o, taps int) {
		out[name+".weight"], out[name+".bias"] = []int{in, o, taps}, []int{o}
	}
	norm := func(name string, c int) { out[name+".weight"], out[name+".bias"] = []int{c}, []int{c} }
	convBlock := func(name string, in, o int) { conv(name+".block.0", in, o, k); norm(name+".block.2", o) }
	linear("time_mlp.1", d, 4*d)
	linear("time_mlp.3", 4*d, d)
	if u.CondDim > 0 {
		linear("cond_mlp.0", u.CondDim, d)
		linear("cond_mlp.2", d, 4*d)
		linear("cond_mlp.4", 4*d, d)
	}
	for _, b := range u.blocks() {
		convBlock(b.name+".blocks.0", b.in, b.out)
		convBlock(b.name+".blocks.1", b.out, b.out)
		linear(b.name+".time_mlp.1", u.embedWidth(), b.out)
		if b.in != b.out {
			conv(b.name+".residual_conv", b.in, b.out, 1)
		}
	}
	dims, levels := u.widths(), len(u.DimMults)
	for i := 0; i < levels-1; i++ {
		conv(fmt.Sprintf("downs.%d.3.conv", i), dims[i+1], dims[i+1], 3)
		in := dims[levels-1-i]
		convT(fmt.Sprintf("ups.%d.3.conv", i), in, in, 4)
	}
	convBlock("final_conv.0", d, d)
	conv("final_conv.1", d, u.Transition, 1)
	return out
}

// blocks lists the residual blocks in evaluation order: downs, middle, ups.
func (u *TemporalUnet) blocks() []unetBlock {
	dims, levels := u.widths(), len(u.DimMults)
	var out []unetBlock
	for i := 0; i < levels; i++ {
		out = append(out, unetBlock{fmt.Sprintf("downs.%d.0", i), dims[i], dims[i+1]}, unetBlock{fmt.Sprintf("downs.%d.1", i), dims[i+1], dims[i+1]})
	}
	mid := dims[levels]
	out = append(out, unetBlock{"mid_block1", mid, mid}, unetBlock{"mid_block2", mid, mid})
	for i := 0; i < levels-1; i++ {
		in, o := dims[levels-1-i], dims[levels-i]
		out = append(out, unetBlock{fmt.Sprintf("ups.%d.0", i), 2 * o, in}, unetBlock{fmt.Sprintf("ups.%d.1", i), in, in})
	}
	return out
}

// Validate checks the configuration as nn does, and that Tensors holds exactly the network's tensors with
// their sizes and finite values.
func (u *TemporalUnet) Validate() error {
	if u == nil {
		return fmt.Errorf("gpu: nil TemporalUnet")
	}
	if u.Horizon <= 0 || u.Transition <= 0 || u.CondDim < 0 || u.Dim < 4 || u.Dim%2 != 0 || u.Kernel < 1 || u.Kernel%2 != 1 || u.Groups < 1 || len(u.DimMults) == 0 {
		return fmt.Errorf("gpu: TemporalUnet %dx%d, dim %d, kernel %d, %d groups, mults %v: need positive sizes, an even dim >= 4 and an odd kernel",
			u.Horizon, u.Transition, u.Dim, u.Kernel, u.Groups, u.DimMults)
	}
	if u.DimMults[0] != 1 {
		return fmt.Errorf("gpu: TemporalUnet multipliers %v: the first must be 1 (the final block takes Dim channels)", u.DimMults)
	}
	if levels := len(u.DimMults); u.Horizon%(1<<(levels-1)) != 0 {
		return fmt.Errorf("gpu: TemporalUnet horizon %d not divisible by 2^%d", u.Horizon, levels-1)
	}
	for _, c := range u.widths()[1:] {
		if c <= 0 || c%u.Groups != 0 {
			return fmt.Errorf("gpu: TemporalUnet width %d not divisible into %d groups", c, u.Groups)
		}
	}
	return checkTensors("TemporalUnet", u.tensorShapes(), u.Tensors)
}

// Conv1dDeviceWeight converts a Conv1d weight in PyTorch's layout [out, in, k] into the device layout of
// Stream.Conv1d, [k*in, out] (row t*in + c, column o holds weight[o, c, t]).
func Conv1dDeviceWeight(v []float32, out, in, k int) []float32 {
	w := make([]float32, len(v))
	for o := 0; o < out; o++ {
		for c := 0; c < in; c++ {
			for t := 0; t < k; t++ {
				w[(t*in+c)*out+o] = v[(o*in+c)*k+t]
			}
		}
	}
	return w
}

// ConvTranspose1dDeviceWeight converts a ConvTranspose1d weight in PyTorch's layout [in, out, k] into the
// device layout of Stream.ConvTranspose1d, [k*in, out] (row t*in + c, column o holds weight[c, o, t]).
func ConvTranspose1dDeviceWeight(v []float32, in, out, k int) []float32 {
	w := make([]float32, len(v))
	for c := 0; c < in; c++ {
		for o := 0; o < out; o++ {
			for t := 0; t < k; t++ {
				w[(t*in+c)*out+o] = v[(c*out+o)*k+t]
			}
		}
	}
	return w
}

// transposeLinear converts a Linear weight [out, in] into [in, out].
func transposeLinear(w []float32, out, in int) []float32 {
	t := make([]float32, len(w))
	for r := 0; r < out; r++ {
		for c := 0; c < in; c++ {
			t[c*out+r] = w[r*in+c]
		}
	}
	return t
}

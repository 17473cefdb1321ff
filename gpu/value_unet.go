package gpu

import "fmt"

// ValueUnet is nn's "temporal_value" (Diffuser's ValueFunction, the value model of Janner et al. 2022) as
// float32 arrays for the device, on channels-last windows x [B, Horizon, Transition]: the TemporalUnet's
// down path (per resolution two residual blocks and a Conv1d(3, stride 2, padding 1) downsampling, "blocks.i.0/1"
// and "blocks.i.2.conv"), two middle blocks halving the width, each followed by such a downsampling
// ("mid_block1", "mid_down1.conv", "mid_block2", "mid_down2.conv"), and the head
//
//	J = Linear(fc/2, 1)(Mish(Linear(fc + Dim, fc/2)([flatten(h) | e]))),  e = time_mlp(t)  ("final_block.0/2")
//
// with flatten PyTorch's channel-major view of [B, C, L] and e the time MLP's output before the Mish that the
// blocks' projections read. The network reads the process time t itself (train's value models of arch
// temporal_value). Tensors holds the state_dict by name in PyTorch's layouts (gpu/fromnn.ValueUnet fills it
// from an nn network); the output is one value.
type ValueUnet struct {
	Horizon, Transition, Dim, Kernel, Groups int
	DimMults                                 []int
	Tensors                                  map[string][]float32
}

// valueWindow implements ValueNet.
func (u *ValueUnet) valueWindow() int { return u.Horizon * u.Transition }

// valueLayer is one layer of the down path: a residual block (unetBlock's widths) or a downsampling
// Conv1d(3, stride 2, padding 1) of in = out channels, "<name>.weight".
type valueLayer struct {
	unetBlock
	down bool
}

// layers lists the down path in evaluation order with the length each layer reads.
func (u *ValueUnet) layers() (ls []valueLayer, lengths []int) {
	in, L := u.Transition, u.Horizon
	add := func(l valueLayer) {
		ls, lengths = append(ls, l), append(lengths, L)
		if l.down {
			L = (L + 1) / 2
		}
	}
	for i, m := range u.DimMults {
		out, name := u.Dim*m, fmt.Sprintf("blocks.%d", i)
		add(valueLayer{unetBlock: unetBlock{name + ".0", in, out}})
		add(valueLayer{unetBlock: unetBlock{name + ".1", out, out}})
		add(valueLayer{unetBlock: unetBlock{name + ".2.conv", out, out}, down: true})
		in = out
	}
	for j := 1; j <= 2; j++ {
		add(valueLayer{unetBlock: unetBlock{fmt.Sprintf("mid_block%d", j), in, in / 2}})
		in /= 2
		add(valueLayer{unetBlock: unetBlock{fmt.Sprintf("mid_down%d.conv", j), in, in}, down: true})
	}
	return ls, lengths
}

// final is the length and width of the down path's output: the head reads fc = length x width values.
func (u *ValueUnet) final() (length, width int) {
	L := u.Horizon
	for range len(u.DimMults) + 2 {
		L = (L + 1) / 2
	}
	return L, u.Dim * u.DimMults[len(u.DimMults)-1] / 4
}

// tensorShapes lists every state_dict tensor of the network with its PyTorch shape.
func (u *ValueUnet) tensorShapes() map[string][]int {
	out := map[string][]int{}
	d, k := u.Dim, u.Kernel
	linear := func(name string, in, o int) { out[name+".weight"], out[name+".bias"] = []int{o, in}, []int{o} }
	conv := func(name string, in, o, taps int) {
		out[name+".weight"], out[name+".bias"] = []int{o, in, taps}, []int{o}
	}
	linear("time_mlp.1", d, 4*d)
	linear("time_mlp.3", 4*d, d)
	ls, _ := u.layers()
	for _, l := range ls {
		if l.down {
			conv(l.name, l.in, l.out, 3)
			continue
		}
		for j, in := range []int{l.in, l.out} {
			name := fmt.Sprintf("%s.blocks.%d.block.", l.name, j)
			conv(name+"0", in, l.out, k)
			out[name+"2.weight"], out[name+"2.bias"] = []int{l.out}, []int{l.out}
		}
		linear(l.name+".time_mlp.1", d, l.out)
		if l.in != l.out {
			conv(l.name+".residual_conv", l.in, l.out, 1)
		}
	}
	L, C := u.final()
	linear("final_block.0", L*C+d, L*C/2)
	linear("final_block.2", L*C/2, 1)
	return out
}

// Validate checks the configuration as nn does, and that Tensors holds exactly the network's tensors with
// their sizes and finite values.
func (u *ValueUnet) Validate() error {
	if u == nil {
		return fmt.Errorf("gpu: nil ValueUnet")
	}
	if u.Horizon <= 0 || u.Transition <= 0 || u.Dim < 4 || u.Dim%2 != 0 || u.Kernel < 1 || u.Kernel%2 != 1 || u.Groups < 1 || len(u.DimMults) == 0 {
		return fmt.Errorf("gpu: ValueUnet %dx%d, dim %d, kernel %d, %d groups, mults %v: need positive sizes, an even dim >= 4 and an odd kernel",
			u.Horizon, u.Transition, u.Dim, u.Kernel, u.Groups, u.DimMults)
	}
	for _, m := range u.DimMults {
		if m <= 0 || (u.Dim*m)%u.Groups != 0 {
			return fmt.Errorf("gpu: ValueUnet width %d x %d not divisible into %d groups", u.Dim, m, u.Groups)
		}
	}
	if mid := u.Dim * u.DimMults[len(u.DimMults)-1]; mid%4 != 0 || (mid/2)%u.Groups != 0 || (mid/4)%u.Groups != 0 {
		return fmt.Errorf("gpu: ValueUnet middle widths %d / 2 and %d / 4 must be integers divisible into %d groups", mid, mid, u.Groups)
	}
	return checkTensors("ValueUnet", u.tensorShapes(), u.Tensors)
}

// conv1dInputGradWeight is the weight of a Conv1d's input gradient, a ConvTranspose1d from its out channels
// back to its in channels with the same taps, in ConvTranspose1dDeviceWeight's layout [k*out, in] (row
// t*out + o, column c holds weight[o, c, t]) from PyTorch's [out, in, k].
func conv1dInputGradWeight(v []float32, out, in, k int) []float32 {
	w := make([]float32, len(v))
	for o := 0; o < out; o++ {
		for c := 0; c < in; c++ {
			for t := 0; t < k; t++ {
				w[(t*out+o)*in+c] = v[(o*in+c)*k+t]
			}
		}
	}
	return w
}

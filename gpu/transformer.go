package gpu

import (
	"fmt"
)

// Transformer is nn's 1-D DiT ("transformer": Peebles & Xie 2023, "Scalable Diffusion Models with
// Transformers", on sequences) as float32 arrays for the device, on channels-last windows x [B, Length,
// Channels]:
//
//	h = x W_x^T + b_x + pos                                         token and position embedding
//	c = Linear(SiLU(Linear(emb(t)))) + keep (W_c cond + b_c)        time (and condition) embedding
//	per block:  mod = Linear(SiLU(c)) = [shift1 | scale1 | gate1 | shift2 | scale2 | gate2]
//	            h += gate1 attn(LN(h) (1 + scale1) + shift1)
//	            h += gate2 fc2(GELU(fc1(LN(h) (1 + scale2) + shift2)))
//	out = Linear(LN(h) (1 + scale) + shift), [shift | scale] = Linear(SiLU(c))
//
// with LayerNorms without affine map (eps 1e-6), attn multi-head self-attention (packed qkv, then proj;
// causal when Causal) and emb sinusoidal or random Fourier (Freqs). All points share t; the condition is
// absent (keep 0), one row for the batch or one row per window (PredictorOptions). Tensors holds the
// state_dict by name in PyTorch's layouts (gpu/fromnn.Transformer fills it from an nn network).
type Transformer struct {
	Length, Channels, Width, Depth, Heads int
	Hidden                                int  // the MLP's hidden width (nn: Width * MLPRatio)
	TimeDim                               int  // the time embedding's width
	Fourier                               bool // random Fourier time embedding ("time_embed.freqs") instead of sinusoidal
	CondDim                               int
	Causal                                bool
	Tensors                               map[string][]float32
}

// attentionMaxHeadDim is ATT_MAX_DH of kernels/attention.cu: each thread holds one query and its output
// accumulator of head width in registers.
const attentionMaxHeadDim = 128

// transformerEps is the LayerNorms' eps (nn's DiTBlock, DiT's).
const transformerEps = 1e-6

// tensorShapes lists every state_dict tensor the network needs with its PyTorch shape.
func (m *Transformer) tensorShapes() map[string][]int {
	out := map[string][]int{}
	D := m.Width
	linear := func(name string, in, o int) { out[name+".weight"], out[name+".bias"] = []int{o, in}, []int{o} }
	linear("x_embed", m.Channels, D)
	out["pos_embed"] = []int{m.Length, D}
	if m.Fourier {
		out["time_embed.freqs"] = []int{m.TimeDim / 2}
	}
	linear("t_embed.mlp.0", m.TimeDim, D)
	linear("t_embed.mlp.2", D, D)
	if m.CondDim > 0 {
		linear("cond_embed", m.CondDim, D)
	}
	for i := 0; i < m.Depth; i++ {
		b := fmt.Sprintf("blocks.%d", i)
		linear(b+".attn.qkv", D, 3*D)
		linear(b+".attn.proj", D, D)
		linear(b+".mlp.fc1", D, m.Hidden)
		linear(b+".mlp.fc2", m.Hidden, D)
		linear(b+".adaLN_modulation.1", D, 6*D)
	}
	linear("final_layer.adaLN_modulation.1", D, 2*D)
	linear("final_layer.linear", D, m.Channels)
	return out
}

// Validate checks the configuration as nn does, the device's limits (head width at most 128, the
// attention kernel's registers), and that Tensors holds exactly the network's tensors with their sizes and
// finite values.
func (m *Transformer) Validate() error {
	if m == nil {
		return fmt.Errorf("gpu: nil Transformer")
	}
	if m.Length <= 0 || m.Channels <= 0 || m.Width <= 0 || m.Depth <= 0 || m.Heads <= 0 || m.Width%m.Heads != 0 || m.Hidden <= 0 ||
		m.CondDim < 0 || m.TimeDim < 4 || m.TimeDim%2 != 0 {
		return fmt.Errorf("gpu: Transformer %dx%d, width %d, depth %d, %d heads, hidden %d, time dim %d, cond dim %d: need positive sizes, "+
			"width divisible by heads, an even time dim >= 4", m.Length, m.Channels, m.Width, m.Depth, m.Heads, m.Hidden, m.TimeDim, m.CondDim)
	}
	if dh := m.Width / m.Heads; dh > attentionMaxHeadDim {
		return fmt.Errorf("gpu: Transformer heads of width %d: the device's attention kernel supports at most %d", dh, attentionMaxHeadDim)
	}
	return checkTensors("Transformer", m.tensorShapes(), m.Tensors)
}

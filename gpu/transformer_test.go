package gpu

import (
	"math"
	"strings"
	"testing"
)

// TestTransformerValidateNamesTheProblem: a Transformer with exactly its tensors validates; a missing, extra,
// mis-sized or non-finite tensor, a width not divisible by the heads, heads wider than the attention kernel
// holds and an odd time width are refused with the reason.
func TestTransformerValidateNamesTheProblem(t *testing.T) {
	good := func() *Transformer {
		m := &Transformer{Length: 8, Channels: 2, Width: 16, Depth: 2, Heads: 2, Hidden: 64, TimeDim: 16, CondDim: 3, Tensors: map[string][]float32{}}
		for name, shape := range m.tensorShapes() {
			n := 1
			for _, s := range shape {
				n *= s
			}
			m.Tensors[name] = make([]float32, n)
		}
		return m
	}
	if err := good().Validate(); err != nil {
		t.Fatal(err)
	}
	// x_embed, t_embed (2 Linears), cond_embed: 8 tensors, pos_embed, 10 per block, final layer 4.
	if n := len(good().Tensors); n != 8+1+2*10+4 {
		t.Errorf("a two-block conditional Transformer has %d tensors, want 33 (nn's state_dict)", n)
	}
	for name, c := range map[string]struct {
		edit func(m *Transformer)
		want string
	}{
		"missing": {func(m *Transformer) { delete(m.Tensors, "blocks.1.attn.qkv.weight") }, "blocks.1.attn.qkv.weight"},
		"extra":   {func(m *Transformer) { m.Tensors["time_embed.freqs"] = []float32{1} }, "time_embed.freqs"},
		"size":    {func(m *Transformer) { m.Tensors["pos_embed"] = []float32{1} }, "pos_embed"},
		"nan":     {func(m *Transformer) { m.Tensors["final_layer.linear.bias"][1] = float32(math.Inf(1)) }, "final_layer.linear.bias"},
		"heads":   {func(m *Transformer) { m.Heads = 3 }, "divisible by heads"},
		"wide":    {func(m *Transformer) { m.Width, m.Heads = 258, 2 }, "at most 128"},
		"time":    {func(m *Transformer) { m.TimeDim = 7 }, "even time dim"},
		"fourier": {func(m *Transformer) { m.Fourier = true }, "time_embed.freqs"},
	} {
		m := good()
		c.edit(m)
		if err := m.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", name, err, c.want)
		}
	}
}

package fromnn

import (
	"strings"
	"testing"

	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/nn"
)

// TestTransformerReadsTheWholeStateDict: an nn Transformer converts with its defaults filled in (MLP ratio 4,
// time width = model width) and every tensor of its state_dict used, Fourier frequencies included; a network
// of another architecture is refused.
func TestTransformerReadsTheWholeStateDict(t *testing.T) {
	for _, cfg := range []nn.TransformerConfig{
		{Length: 6, Channels: 2, Width: 8, Depth: 2, Heads: 2},
		{Length: 5, Channels: 3, Width: 12, Depth: 1, Heads: 3, CondDim: 2, TimeEmbedding: "fourier", MLPRatio: 1.5, TimeDim: 6, Causal: true},
	} {
		net, err := nn.NewTransformer(cfg, tensor.Float32)
		if err != nil {
			t.Fatal(err)
		}
		net.Params().Init(1)
		m, err := Transformer(net)
		if err != nil {
			t.Fatal(err)
		}
		wantHidden, wantTime := 4*cfg.Width, cfg.Width
		if cfg.MLPRatio != 0 {
			wantHidden = int(float64(cfg.Width) * cfg.MLPRatio)
		}
		if cfg.TimeDim != 0 {
			wantTime = cfg.TimeDim
		}
		if m.Hidden != wantHidden || m.TimeDim != wantTime || m.Fourier != (cfg.TimeEmbedding == "fourier") || m.Causal != cfg.Causal || m.CondDim != cfg.CondDim {
			t.Errorf("%+v: read as %+v", cfg, *m)
		}
		if len(m.Tensors) != len(net.Params().All()) {
			t.Errorf("%+v: %d tensors read, nn has %d", cfg, len(m.Tensors), len(net.Params().All()))
		}
	}
	if _, err := Transformer(newMLP(t, nn.MLPConfig{Dim: 2, Hidden: []int{4}, TimeDim: 4}, 1)); err == nil || !strings.Contains(err.Error(), "mlp") {
		t.Errorf("an MLP read as a Transformer: %v", err)
	}
}

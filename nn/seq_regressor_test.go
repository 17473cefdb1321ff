package nn

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gorgonia.org/tensor"
)

// The whole sequence regressor's gradient (through RegressionGraph) against central differences in
// float64, with and without the causal mask; the parameters are perturbed off their initial values
// (LayerNorm scales and biases, attention) so that every path carries gradient.
func TestSeqRegressorGradients(t *testing.T) {
	for _, causal := range []bool{false, true} {
		name := "bidirectional"
		if causal {
			name = "causal"
		}
		t.Run(name, func(t *testing.T) {
			cfg := SeqRegressorConfig{Tokens: 3, TokenDim: 2, Out: 2, Width: 4, Depth: 2, Heads: 2, FF: 6, Causal: causal}
			net, err := Spec{Arch: "seq_regressor", SeqRegressor: &cfg}.NewRegressor(tensor.Float64, 3)
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(7, 8))
			for _, p := range net.Params().Learnable() {
				for j, v := range p.Float64s() {
					p.Float64s()[j] = v + 0.3*rng.NormFloat64()
				}
			}
			const B = 3
			rg, err := NewRegressionGraph(net, TrainOptions{Batch: B})
			if err != nil {
				t.Fatal(err)
			}
			defer rg.Close()
			for i := 0; i < B; i++ {
				x, y := make([]float64, net.In()), make([]float64, net.Out())
				for j := range x {
					x[j] = rng.NormFloat64()
				}
				for j := range y {
					y[j] = rng.NormFloat64()
				}
				if err := rg.SetExample(i, x, y); err != nil {
					t.Fatal(err)
				}
			}
			if len(rg.Params()) != len(net.Params().Learnable()) {
				t.Fatalf("%d of %d parameters in the graph", len(rg.Params()), len(net.Params().Learnable()))
			}
			checkRegressionParamGradients(t, rg, allEntries)
		})
	}
}

// The output is read at the last token, which attends to every token even with the causal mask: a change
// of any token changes the output (that earlier tokens do not see later ones under the mask is checked
// against PyTorch's masked attention by the parity case).
func TestSeqRegressorReadsEveryToken(t *testing.T) {
	cfg := SeqRegressorConfig{Tokens: 4, TokenDim: 3, Out: 2, Width: 8, Depth: 1, Heads: 2, Causal: true}
	net, err := Spec{Arch: "seq_regressor", SeqRegressor: &cfg}.NewRegressor(tensor.Float64, 1)
	if err != nil {
		t.Fatal(err)
	}
	p := NewRegressorPredictor(net)
	x := make([]float64, net.In())
	for i := range x {
		x[i] = float64(i%5) - 2
	}
	y0 := make([]float64, 2)
	if err := p.Predict(y0, x); err != nil {
		t.Fatal(err)
	}
	for tok := 0; tok < cfg.Tokens; tok++ {
		x2 := append([]float64(nil), x...)
		x2[tok*cfg.TokenDim] += 1
		y := make([]float64, 2)
		if err := p.Predict(y, x2); err != nil {
			t.Fatal(err)
		}
		if math.Abs(y[0]-y0[0])+math.Abs(y[1]-y0[1]) < 1e-9 {
			t.Errorf("the output ignores token %d", tok)
		}
	}
}

// The sequence regressor against PyTorch (scripts/nn/parity.py seq_regressor_networks, models.SeqRegressor):
// output, MSE loss and gradients with the same weights, and the inference path on the same inputs.
func TestParitySeqRegressor(t *testing.T) {
	for _, name := range []string{"seq_regressor", "seq_regressor_causal"} {
		t.Run(name, func(t *testing.T) {
			regressionParity(t, name)
		})
	}
}

// Spec round trip, defaults, RegressorIO and bad configurations.
func TestSeqRegressorSpec(t *testing.T) {
	spec := Spec{Arch: "seq_regressor", SeqRegressor: &SeqRegressorConfig{Tokens: 8, TokenDim: 5, Out: 5, Width: 64, Depth: 2, Heads: 4}}
	if in, out, err := spec.RegressorIO(); err != nil || in != 40 || out != 5 {
		t.Errorf("RegressorIO = %d, %d, %v; want 40, 5", in, out, err)
	}
	r, err := spec.NewRegressor(tensor.Float32, 1)
	if err != nil {
		t.Fatal(err)
	}
	if r.In() != 40 || r.Out() != 5 || r.(*SeqRegressor).Config().FF != 256 {
		t.Errorf("in %d out %d ff %d, want 40, 5, 256", r.In(), r.Out(), r.(*SeqRegressor).Config().FF)
	}
	b, _ := json.Marshal(r.Spec())
	back, err := ParseSpec(b)
	if err != nil || !back.IsRegressor() || back.SeqRegressor == nil || back.SeqRegressor.FF != 256 {
		t.Errorf("spec round trip %s: %+v, %v", b, back, err)
	}
	if _, err := spec.New(tensor.Float32, 1); err == nil || !strings.Contains(err.Error(), "NewRegressor") {
		t.Errorf("Spec.New of a seq_regressor: %v, want an error pointing to NewRegressor", err)
	}
	if _, _, err := (Spec{Arch: "seq_regressor"}).RegressorIO(); err == nil {
		t.Error("RegressorIO without a configuration")
	}
	for _, bad := range []SeqRegressorConfig{{Tokens: 0, TokenDim: 1, Out: 1, Width: 4, Depth: 1, Heads: 1},
		{Tokens: 2, TokenDim: 1, Out: 1, Width: 6, Depth: 1, Heads: 4}, {Tokens: 2, TokenDim: 1, Out: 0, Width: 4, Depth: 1, Heads: 1},
		{Tokens: 2, TokenDim: 1, Out: 1, Width: 4, Depth: 0, Heads: 1}} {
		if _, err := NewSeqRegressor(bad, tensor.Float32); err == nil {
			t.Errorf("config %+v accepted", bad)
		}
	}
}

// BenchmarkSeqRegressorTrainStep is one training step (forward, backward, Adam) of a draft-model-sized
// sequence regressor: 8 tokens of 5 values ((x, y, vx, vy, RTG) on maze2d), D 64, 2 blocks, 4 heads,
// batch 32.
func BenchmarkSeqRegressorTrainStep(b *testing.B) {
	cfg := SeqRegressorConfig{Tokens: 8, TokenDim: 5, Out: 5, Width: 64, Depth: 2, Heads: 4}
	net, err := Spec{Arch: "seq_regressor", SeqRegressor: &cfg}.NewRegressor(tensor.Float32, 1)
	if err != nil {
		b.Fatal(err)
	}
	rg, err := NewRegressionGraph(net, TrainOptions{Batch: 32})
	if err != nil {
		b.Fatal(err)
	}
	defer rg.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	fillRandom(rng, rg.X(), rg.Target())
	opt, _ := NewAdam(AdamConfig{LR: 1e-4})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := rg.Run(uint64(i)); err != nil {
			b.Fatal(err)
		}
		if err := opt.Step(rg.ValueGrads()); err != nil {
			b.Fatal(err)
		}
	}
}

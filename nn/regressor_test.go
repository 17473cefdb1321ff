package nn

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/nn/safetensors"
)

// allEntries lists every entry of a tensor of n values.
func allEntries(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// checkRegressionParamGradients compares the loss gradient of the float64 regression graph rg (its
// examples set) with central differences at the entries of every parameter that entries lists.
func checkRegressionParamGradients(t *testing.T, rg *RegressionGraph, entries func(n int) []int) {
	t.Helper()
	eval := func() float64 {
		l, err := rg.Run(0)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	eval()
	grads := make([][]float64, len(rg.Params()))
	for i := range rg.Params() {
		grads[i] = append([]float64(nil), data[float64](rg.Grad(i))...)
	}
	const h = 1e-6
	for i, p := range rg.Params() {
		v := p.Float64s()
		for _, j := range entries(len(v)) {
			old := v[j]
			v[j] = old + h
			lp := eval()
			v[j] = old - h
			lm := eval()
			v[j] = old
			num := (lp - lm) / (2 * h)
			if got := grads[i][j]; math.Abs(got-num) > 1e-6+1e-5*math.Abs(num) {
				t.Errorf("d/d %s[%d]: analytic %.10g, finite difference %.10g", p.Name, j, got, num)
			}
		}
	}
}

// The regressor's gradient (through RegressionGraph) against central differences in float64, with ReLU
// (inputs are drawn so that no unit sits within the step of its kink in practice) and with SiLU.
func TestRegressorGradients(t *testing.T) {
	for _, act := range []string{"relu", "silu"} {
		t.Run(act, func(t *testing.T) {
			net, err := Spec{Arch: "regressor", Regressor: &RegressorConfig{In: 4, Out: 3, Hidden: []int{6, 5}, Activation: act}}.NewRegressor(tensor.Float64, 3)
			if err != nil {
				t.Fatal(err)
			}
			const B = 5
			rg, err := NewRegressionGraph(net, TrainOptions{Batch: B})
			if err != nil {
				t.Fatal(err)
			}
			defer rg.Close()
			rng := rand.New(rand.NewPCG(5, 6))
			for i := 0; i < B; i++ {
				x, y := make([]float64, 4), make([]float64, 3)
				for j := range x {
					x[j] = 2 * rng.NormFloat64()
				}
				for j := range y {
					y[j] = rng.NormFloat64()
				}
				if err := rg.SetExample(i, x, y); err != nil {
					t.Fatal(err)
				}
			}
			checkRegressionParamGradients(t, rg, allEntries)
		})
	}
}

// regressionParity loads the regressor of parity case name (scripts/nn/parity.py) with its weights, runs one
// regression step on the case's inputs and checks against PyTorch: the output, the MSE loss, every
// parameter's gradient (each learnable parameter present in PyTorch, in its layout) and the inference path.
// It returns the network, the graph (closed at the end of the test) and the case's tensors.
func regressionParity(t *testing.T, name string) (Regressor, *RegressionGraph, map[string][]float32) {
	t.Helper()
	io, shapes, _ := readIO(t, name)
	wpath := filepath.Join("testdata", "parity", name+".weights.safetensors")
	_, meta, err := safetensors.ReadFile(wpath)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := ParseSpec([]byte(meta["spec"]))
	if err != nil {
		t.Fatal(err)
	}
	net, err := spec.NewRegressor(tensor.Float32, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := net.Params().Load(wpath); err != nil {
		t.Fatal(err)
	}
	B := shapes["in.x"][0]
	rg, err := NewRegressionGraph(net, TrainOptions{Batch: B})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rg.Close() })
	copy(rg.X(), io["in.x"])
	copy(rg.Target(), io["in.target"])
	loss, err := rg.Run(0)
	if err != nil {
		t.Fatal(err)
	}
	if d := maxAbsDiff(data[float32](rg.Output().Value()), io["out.y"]); d > parityTol {
		t.Errorf("output differs from PyTorch by %.3g", d)
	}
	if d := math.Abs(loss - float64(io["out.loss"][0])); d > parityTol {
		t.Errorf("loss %v, PyTorch F.mse_loss %v", loss, io["out.loss"][0])
	}
	if len(rg.Params()) == 0 || len(rg.Params()) != len(net.Params().Learnable()) {
		t.Errorf("%d parameters in the graph, %d in the network", len(rg.Params()), len(net.Params().Learnable()))
	}
	for i, p := range rg.Params() {
		want, ok := io["grad."+p.Name]
		if !ok {
			t.Errorf("PyTorch has no parameter %s", p.Name)
			continue
		}
		if d := maxAbsDiff(torchLayout(p, data[float32](rg.Grad(i))), want); d > parityTol {
			t.Errorf("gradient of %s differs from PyTorch by %.3g", p.Name, d)
		}
	}
	pred := make([]float64, B*net.Out())
	if err := NewRegressorPredictor(net).Predict(pred, f64(io["in.x"])); err != nil {
		t.Fatal(err)
	}
	if d := maxAbsDiff(pred, io["out.y"]); d > parityTol {
		t.Errorf("predictor differs from PyTorch by %.3g", d)
	}
	return net, rg, io
}

// The regressor against PyTorch (scripts/nn/parity.py regressor_networks): output, MSE loss, gradients
// and one Adam step with the same weights, and the inference path on the same inputs.
func TestParityRegressor(t *testing.T) {
	for _, name := range []string{"regressor", "regressor_gelu"} {
		t.Run(name, func(t *testing.T) {
			_, rg, io := regressionParity(t, name)
			opt, _ := NewAdam(AdamConfig{LR: 1e-3})
			if err := opt.Step(rg.ValueGrads()); err != nil {
				t.Fatal(err)
			}
			for _, p := range rg.Params() {
				if d := maxAbsDiff(p.Float32s(), io["adam."+p.Name]); d > 1e-6 {
					t.Errorf("Adam step: %s differs from torch.optim.Adam by %.3g", p.Name, d)
				}
			}
		})
	}
}

// Defaults, PyTorch-style initialisation bounds, the spec's JSON round trip and the errors.
func TestRegressorSpec(t *testing.T) {
	spec := Spec{Arch: "regressor", Regressor: &RegressorConfig{In: 8, Out: 2}}
	r, err := spec.NewRegressor(tensor.Float32, 1)
	if err != nil {
		t.Fatal(err)
	}
	cfg := r.(*RegressorMLP).Config()
	if len(cfg.Hidden) != 2 || cfg.Hidden[0] != 256 || cfg.Hidden[1] != 256 || cfg.Activation != "relu" {
		t.Errorf("defaults %+v, want hidden [256 256] and relu", cfg)
	}
	names := []string{"net.0.weight", "net.0.bias", "net.2.weight", "net.2.bias", "net.4.weight", "net.4.bias"}
	fans := []int{8, 8, 256, 256, 256, 256}
	for i, p := range r.Params().All() {
		if p.Name != names[i] {
			t.Fatalf("parameter %d is %s, want %s (nn.Sequential names)", i, p.Name, names[i])
		}
		bound, big := 1/math.Sqrt(float64(fans[i])), 0.0
		for _, v := range p.Float32s() {
			big = math.Max(big, math.Abs(float64(v)))
		}
		if big > bound || (p.Size() >= 64 && big < 0.8*bound) {
			t.Errorf("%s: largest |value| %v, want just under U(-1/sqrt(fan_in), 1/sqrt(fan_in))'s %v", p.Name, big, bound)
		}
	}
	b, _ := json.Marshal(r.Spec())
	back, err := ParseSpec(b)
	if err != nil || !back.IsRegressor() || back.Regressor.In != 8 || len(back.Regressor.Hidden) != 2 {
		t.Errorf("spec round trip %s -> %+v (%v)", b, back, err)
	}
	if _, err := spec.New(tensor.Float32, 1); err == nil || !strings.Contains(err.Error(), "NewRegressor") {
		t.Errorf("Spec.New of a regressor: %v, want an error pointing to NewRegressor", err)
	}
	if _, err := (Spec{Arch: "mlp", MLP: &MLPConfig{Dim: 2, Hidden: []int{4}, TimeDim: 4}}).NewRegressor(tensor.Float32, 1); err == nil {
		t.Error("NewRegressor built an mlp")
	}
	for _, bad := range []RegressorConfig{{In: 0, Out: 2}, {In: 2, Out: 0}, {In: 2, Out: 2, Hidden: []int{0}}, {In: 2, Out: 2, Activation: "tanh"}} {
		if _, err := NewRegressorMLP(bad, tensor.Float32); err == nil {
			t.Errorf("config %+v accepted", bad)
		}
	}
	rg, _ := NewRegressionGraph(r, TrainOptions{Batch: 2})
	defer rg.Close()
	if err := rg.SetExample(0, make([]float64, 7), make([]float64, 2)); err == nil {
		t.Error("an input of 7 values accepted for In 8")
	}
	if err := rg.SetExample(0, []float64{math.NaN(), 0, 0, 0, 0, 0, 0, 0}, make([]float64, 2)); err == nil {
		t.Error("a NaN input accepted")
	}
	if err := NewRegressorPredictor(r).Predict(make([]float64, 2), make([]float64, 9)); err == nil {
		t.Error("the predictor accepted 9 input values for In 8")
	}
}

// BenchmarkRegressorTrainStep is one training step (forward, backward, Adam) of the default regressor
// (hidden [256, 256], ReLU) at In 8, Out 2, batch 32: Decision Diffuser's inverse dynamics on maze2d.
func BenchmarkRegressorTrainStep(b *testing.B) {
	net, err := Spec{Arch: "regressor", Regressor: &RegressorConfig{In: 8, Out: 2}}.NewRegressor(tensor.Float32, 1)
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

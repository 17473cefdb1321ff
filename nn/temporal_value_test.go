package nn

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gorgonia.org/tensor"
)

// smallTemporalValue is a float64 temporal value network whose lengths go 12 -> 6 -> 3 -> 2 -> 1 (an odd
// length on the way) with perturbed weights, so that every path carries gradient.
func smallTemporalValue(t *testing.T, out int) Regressor {
	t.Helper()
	cfg := TemporalValueConfig{Horizon: 12, Transition: 2, Dim: 4, DimMults: []int{1, 2}, Kernel: 3, Groups: 2, Out: out}
	net, err := Spec{Arch: "temporal_value", TemporalValue: &cfg}.NewRegressor(tensor.Float64, 5)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(9, 10))
	for _, p := range net.Params().Learnable() {
		for j, v := range p.Float64s() {
			p.Float64s()[j] = v + 0.2*rng.NormFloat64()
		}
	}
	return net
}

// randomValueInputs returns B rows of [window | t] with standard normal windows and t in [0, 1).
func randomValueInputs(rng *rand.Rand, B, in int) []float64 {
	x := make([]float64, B*in)
	for i := range x {
		x[i] = rng.NormFloat64()
		if i%in == in-1 {
			x[i] = rng.Float64()
		}
	}
	return x
}

// The temporal value network's parameter gradients (through RegressionGraph, the value objective's
// training step) equal central differences of its loss in float64.
func TestTemporalValueParameterGradientsMatchFiniteDifferences(t *testing.T) {
	net := smallTemporalValue(t, 2)
	const B = 3
	rg, err := NewRegressionGraph(net, TrainOptions{Batch: B})
	if err != nil {
		t.Fatal(err)
	}
	defer rg.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	x := randomValueInputs(rng, B, net.In())
	for i := 0; i < B; i++ {
		if err := rg.SetExample(i, x[i*net.In():(i+1)*net.In()], []float64{rng.NormFloat64(), rng.NormFloat64()}); err != nil {
			t.Fatal(err)
		}
	}
	// Three entries of every tensor.
	checkRegressionParamGradients(t, rg, func(n int) []int { return []int{0, n / 2, n - 1} })
}

// The input gradient of the temporal value network (RegressorInputGrad, value guidance's dJ/dx_t) equals
// central differences of w . J(x, t) with respect to every window value, and reads 0 for the time, which
// reaches the network only through its embedding and is not a variable of guidance.
func TestTemporalValueInputGradientMatchesCentralDifferences(t *testing.T) {
	net := smallTemporalValue(t, 2)
	const B = 2
	In, Out := net.In(), net.Out()
	rng := rand.New(rand.NewPCG(5, 6))
	x := randomValueInputs(rng, B, In)
	w := []float64{0.8, -1.1}
	y, grad := make([]float64, B*Out), make([]float64, B*In)
	ig := NewRegressorInputGrad(net)
	for range 2 { // a second call on the same graph gives the same gradient
		if err := ig.Gradient(y, grad, x, w); err != nil {
			t.Fatal(err)
		}
	}
	pred := NewRegressorPredictor(net)
	f := func() []float64 {
		out := make([]float64, B*Out)
		if err := pred.Predict(out, x); err != nil {
			t.Fatal(err)
		}
		return out
	}
	for i, v := range f() {
		if math.Abs(v-y[i]) > 1e-12 {
			t.Fatalf("output %d: %v with the gradient, %v predicted", i, y[i], v)
		}
	}
	const h = 1e-6
	for i := range x {
		b := i / In
		if i%In == In-1 {
			if grad[i] != 0 {
				t.Errorf("row %d: gradient %v with respect to the time, want 0", b, grad[i])
			}
			continue
		}
		old := x[i]
		x[i] = old + h
		up := f()
		x[i] = old - h
		dn := f()
		x[i] = old
		num := 0.0
		for o := 0; o < Out; o++ {
			num += w[o] * (up[b*Out+o] - dn[b*Out+o]) / (2 * h)
		}
		if math.Abs(num-grad[i]) > 1e-6*(1+math.Abs(num)) {
			t.Errorf("input %d: analytic %v, central difference %v", i, grad[i], num)
		}
	}
}

// The temporal value network against PyTorch (scripts/nn/parity.py temporal_value_networks,
// models.TemporalValue): output, MSE loss and parameter gradients through RegressionGraph, the inference
// path, and the input gradient of w . J over the window.
func TestParityTemporalValue(t *testing.T) {
	for _, name := range []string{"temporal_value", "temporal_value_k3"} {
		t.Run(name, func(t *testing.T) {
			net, rg, io := regressionParity(t, name)
			B := rg.Batch()
			y, grad := make([]float64, B*net.Out()), make([]float64, B*net.In())
			if err := NewRegressorInputGrad(net).Gradient(y, grad, f64(io["in.x"]), f64(io["in.w"])); err != nil {
				t.Fatal(err)
			}
			worst, ref := 0.0, io["ingrad.x"]
			for i := range grad {
				if i%net.In() != net.In()-1 { // PyTorch differentiates the embedding in t too; guidance does not
					worst = math.Max(worst, math.Abs(grad[i]-float64(ref[i])))
				}
			}
			if worst > parityTol {
				t.Errorf("input gradient differs from PyTorch by %.3g", worst)
			}
		})
	}
}

// The spec round trip, the reference's state_dict names in order, the head's width from the lengths the
// stride-2 convolutions produce, and clear errors for bad configurations.
func TestTemporalValueSpecAndNames(t *testing.T) {
	spec := Spec{Arch: "temporal_value", TemporalValue: &TemporalValueConfig{Horizon: 128, Transition: 6, Dim: 16, DimMults: []int{1, 4, 8}}}
	if in, out, err := spec.RegressorIO(); err != nil || in != 128*6+1 || out != 1 {
		t.Fatalf("RegressorIO %d, %d, %v; want 769, 1", in, out, err)
	}
	r, err := spec.NewRegressor(tensor.Float32, 1)
	if err != nil {
		t.Fatal(err)
	}
	ps := r.Params().All()
	var names []string
	for _, p := range ps {
		names = append(names, p.Name)
	}
	joined := strings.Join(names, " ")
	for _, want := range []string{"time_mlp.1.weight time_mlp.1.bias time_mlp.3.weight time_mlp.3.bias blocks.0.0.blocks.0.block.0.weight",
		"blocks.0.0.time_mlp.1.bias blocks.0.0.residual_conv.weight", "blocks.2.1.time_mlp.1.bias blocks.2.2.conv.weight blocks.2.2.conv.bias mid_block1.blocks.0.block.0.weight",
		"mid_block1.residual_conv.bias mid_down1.conv.weight", "mid_down2.conv.bias final_block.0.weight final_block.0.bias final_block.2.weight final_block.2.bias"} {
		if !strings.Contains(joined, want) {
			t.Errorf("state_dict order lacks %q:\n%s", want, joined)
		}
	}
	// 128 -> 64 -> 32 -> 16 (three resolutions) -> 8 -> 4: 128/4 = 32 channels x 4 = 128 features, plus the
	// 16-wide time embedding; the reference's bookkeeping would say 32 x 8.
	if head := ps[len(ps)-4]; head.Shape[0] != 64 || head.Shape[1] != 128+16 {
		t.Errorf("final_block.0 weight %v, want [64 144]", head.Shape)
	}
	back, err := ParseSpec([]byte(`{"arch":"temporal_value","temporal_value":{"horizon":32,"transition":4,"dim":32}}`))
	if err != nil || !back.IsRegressor() {
		t.Fatalf("ParseSpec: %v", err)
	}
	r2, err := back.NewRegressor(tensor.Float32, 1)
	if err != nil {
		t.Fatal(err)
	}
	if c := r2.(*TemporalValue).Config(); len(c.DimMults) != 4 || c.Kernel != 5 || c.Groups != 8 || c.Out != 1 || r2.Spec().TemporalValue.Horizon != 32 {
		t.Errorf("defaults %+v, want dim_mults 1 2 4 8, kernel 5, groups 8, out 1", c)
	}
	if _, err := back.New(tensor.Float32, 1); err == nil || !strings.Contains(err.Error(), "NewRegressor") {
		t.Errorf("Spec.New of a temporal_value: %v, want an error pointing to NewRegressor", err)
	}
	for _, bad := range []TemporalValueConfig{
		{Horizon: 0, Transition: 6, Dim: 16},
		{Horizon: 32, Transition: 6, Dim: 15},
		{Horizon: 32, Transition: 6, Dim: 16, Kernel: 4},
		{Horizon: 32, Transition: 6, Dim: 16, DimMults: []int{1, 0}},
		{Horizon: 32, Transition: 6, Dim: 8, DimMults: []int{1, 2}}, // middle widths 8 and 4 with 8 groups
	} {
		s := Spec{Arch: "temporal_value", TemporalValue: &bad}
		if _, err := s.NewRegressor(tensor.Float32, 1); err == nil || !strings.Contains(err.Error(), "temporal_value") {
			t.Errorf("config %+v: error %v, want a temporal_value configuration error", bad, err)
		}
	}
	if _, _, err := (Spec{Arch: "temporal_value"}).RegressorIO(); err == nil {
		t.Error("a temporal_value spec without its configuration was accepted")
	}
}

// The input gradient of a value model of the U-Maze configuration (horizon 128, 6 values, dim 16, mults
// 1, 4, 8), batch 1: the cost of one guidance step of one plan (BenchmarkRegressorInputGrad is the MLP's).
func BenchmarkTemporalValueInputGrad(b *testing.B) {
	cfg := TemporalValueConfig{Horizon: 128, Transition: 6, Dim: 16, DimMults: []int{1, 4, 8}}
	net, err := Spec{Arch: "temporal_value", TemporalValue: &cfg}.NewRegressor(tensor.Float32, 1)
	if err != nil {
		b.Fatal(err)
	}
	const B = 1
	x := randomValueInputs(rand.New(rand.NewPCG(1, 1)), B, net.In())
	y, grad := make([]float64, B), make([]float64, len(x))
	ig := NewRegressorInputGrad(net)
	for b.Loop() {
		if err := ig.Gradient(y, grad, x, []float64{1}); err != nil {
			b.Fatal(err)
		}
	}
}

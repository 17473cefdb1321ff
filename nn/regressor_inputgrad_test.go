package nn

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gorgonia.org/tensor"
)

// The input gradient of a float64 regressor equals central differences of the weighted output sum
// w . f(x) with respect to every input value, for several activations and a batch of 3, on the third call
// of the same graph (the machine adds into gradients; a call must start from zero).
func TestRegressorInputGradientMatchesFiniteDifferences(t *testing.T) {
	for _, act := range []string{"relu", "silu", "mish"} {
		t.Run(act, func(t *testing.T) {
			const In, Out, B = 5, 2, 3
			net, err := Spec{Arch: "regressor", Regressor: &RegressorConfig{In: In, Out: Out, Hidden: []int{7, 6}, Activation: act}}.NewRegressor(tensor.Float64, 11)
			if err != nil {
				t.Fatal(err)
			}
			ig := NewRegressorInputGrad(net)
			rng := rand.New(rand.NewPCG(3, 4))
			x := make([]float64, B*In)
			for i := range x {
				x[i] = 1.5 * rng.NormFloat64()
			}
			w := []float64{0.7, -1.3}
			y, grad := make([]float64, B*Out), make([]float64, B*In)
			for range 3 { // repeated calls give the same gradient: nothing accumulates between them
				if err := ig.Gradient(y, grad, x, w); err != nil {
					t.Fatal(err)
				}
			}
			pred := NewRegressorPredictor(net)
			f := func(x []float64) []float64 {
				out := make([]float64, len(x)/In*Out)
				if err := pred.Predict(out, x); err != nil {
					t.Fatal(err)
				}
				return out
			}
			y0 := f(x)
			for i := range y {
				if math.Abs(y[i]-y0[i]) > 1e-12 {
					t.Fatalf("output %d: %v with the gradient, %v predicted", i, y[i], y0[i])
				}
			}
			const h = 1e-6
			for i := range x {
				b := i / In
				old := x[i]
				x[i] = old + h
				up := f(x)
				x[i] = old - h
				dn := f(x)
				x[i] = old
				num := 0.0
				for o := 0; o < Out; o++ {
					num += w[o] * (up[b*Out+o] - dn[b*Out+o]) / (2 * h)
				}
				if math.Abs(num-grad[i]) > 1e-6*(1+math.Abs(num)) {
					t.Fatalf("input %d: analytic %v, central difference %v", i, grad[i], num)
				}
			}
		})
	}
}

// A float32 regressor's input gradient agrees with the float64 one of the same weights to float32 accuracy.
func TestRegressorInputGradientFloat32AgreesWithFloat64(t *testing.T) {
	spec := Spec{Arch: "regressor", Regressor: &RegressorConfig{In: 4, Out: 1, Hidden: []int{8}, Activation: "silu"}}
	n64, err := spec.NewRegressor(tensor.Float64, 2)
	if err != nil {
		t.Fatal(err)
	}
	n32, err := spec.NewRegressor(tensor.Float32, 2)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range n64.Params().All() {
		src := p.Float64s()
		dst := n32.Params().All()[i].Value.Data().([]float32)
		for j, v := range src {
			dst[j] = float32(v)
		}
		for j := range src {
			src[j] = float64(dst[j])
		}
	}
	x := []float64{0.3, -1.2, 0.8, 2.0, -0.1, 0.5, 0.0, -0.7}
	g64, g32 := make([]float64, len(x)), make([]float64, len(x))
	y := make([]float64, 2)
	if err := NewRegressorInputGrad(n64).Gradient(y, g64, x, []float64{1}); err != nil {
		t.Fatal(err)
	}
	if err := NewRegressorInputGrad(n32).Gradient(y, g32, x, []float64{1}); err != nil {
		t.Fatal(err)
	}
	for i := range g64 {
		if math.Abs(g64[i]-g32[i]) > 1e-5*(1+math.Abs(g64[i])) {
			t.Fatalf("input %d: float32 %v, float64 %v", i, g32[i], g64[i])
		}
	}
}

// Bad sizes and non-finite inputs are refused with an error naming the problem.
func TestRegressorInputGradientRefusesBadInput(t *testing.T) {
	net, err := Spec{Arch: "regressor", Regressor: &RegressorConfig{In: 3, Out: 1, Hidden: []int{4}}}.NewRegressor(tensor.Float64, 1)
	if err != nil {
		t.Fatal(err)
	}
	ig := NewRegressorInputGrad(net)
	cases := []struct {
		name       string
		y, g, x, w []float64
		want       string
	}{
		{"ragged x", make([]float64, 1), make([]float64, 4), make([]float64, 4), []float64{1}, "multiple of 3"},
		{"short grad", make([]float64, 1), make([]float64, 2), make([]float64, 3), []float64{1}, "len(grad)"},
		{"weights", make([]float64, 1), make([]float64, 3), make([]float64, 3), []float64{1, 2}, "output weights"},
		{"nan", make([]float64, 1), make([]float64, 3), []float64{0, math.NaN(), 0}, []float64{1}, "non-finite"},
	}
	for _, c := range cases {
		err := ig.Gradient(c.y, c.g, c.x, c.w)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", c.name, err, c.want)
		}
	}
}

// BenchmarkRegressorInputGrad is one value-guidance evaluation of the U-Maze value model's size
// (776 -> 256 -> 256 -> 1, float32, batch 1): J and dJ/dx.
func BenchmarkRegressorInputGrad(b *testing.B) {
	net, err := Spec{Arch: "regressor", Regressor: &RegressorConfig{In: 776, Out: 1, Hidden: []int{256, 256}, Activation: "mish"}}.NewRegressor(tensor.Float32, 1)
	if err != nil {
		b.Fatal(err)
	}
	ig := NewRegressorInputGrad(net)
	x, g, y := make([]float64, 776), make([]float64, 776), make([]float64, 1)
	for i := range x {
		x[i] = math.Sin(float64(i))
	}
	for b.Loop() {
		if err := ig.Gradient(y, g, x, []float64{1}); err != nil {
			b.Fatal(err)
		}
	}
}

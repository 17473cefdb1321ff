package kern

import (
	"math"
	"testing"
)

// TestActivationsAgainstFloat64 checks the float32 kernels (vectorised and scalar tails) against the
// float64 formulas on [-100, 100] and near the thresholds.
func TestActivationsAgainstFloat64(t *testing.T) {
	var xs []float64
	for x := -100.0; x <= 100; x += 0.0137 {
		xs = append(xs, x)
	}
	xs = append(xs, -87.5, -87, 19.99, 20, 20.01, 88, 88.7, 0, math.Copysign(0, -1)) // the literal -0.0 is +0 in Go
	x32 := make([]float32, len(xs))
	dy := make([]float32, len(xs))
	for i, v := range xs {
		x32[i] = float32(v)
		dy[i] = float32(1 + 0.5*math.Sin(v))
	}
	for _, a := range []Act{Mish, SiLU, GELU, ReLU} {
		y := make([]float32, len(xs))
		dx := make([]float32, len(xs))
		ActFwd(a, y, x32)
		ActBwd(a, dx, x32, dy)
		for i := range xs {
			x := float64(x32[i])
			want := actFwd1(a, x)
			wantD := float64(dy[i]) * actDeriv1(a, x)
			if d := math.Abs(float64(y[i]) - want); d > 2e-6*math.Max(1, math.Abs(want)) {
				t.Fatalf("%v(%v) = %v, float64 %v", a, x, y[i], want)
			}
			if d := math.Abs(float64(dx[i]) - wantD); d > 4e-6*math.Max(1, math.Abs(wantD)) {
				t.Fatalf("%v'(%v) dy = %v, float64 %v", a, x, dx[i], wantD)
			}
		}
	}
	// Mish and its derivative against the textbook form x tanh(log(1 + e^x)).
	for _, x := range xs {
		if x > 80 {
			continue
		}
		sp := math.Log1p(math.Exp(x))
		want := x * math.Tanh(sp)
		s := 1 / (1 + math.Exp(-x))
		wantD := math.Tanh(sp) + x*s*(1-math.Tanh(sp)*math.Tanh(sp))
		if math.Abs(actFwd1(Mish, x)-want) > 1e-12*math.Max(1, math.Abs(want)) || math.Abs(actDeriv1(Mish, x)-wantD) > 1e-12 {
			t.Fatalf("mish(%v): %v / %v, want %v / %v", x, actFwd1(Mish, x), actDeriv1(Mish, x), want, wantD)
		}
	}
	ex := make([]float32, len(xs))
	Exp(ex, x32)
	for i, x := range xs {
		if x < -87 || x > 88 {
			continue
		}
		want := math.Exp(float64(x32[i]))
		if math.Abs(float64(ex[i])-want) > 3e-7*want {
			t.Fatalf("exp(%v) = %v, want %v", x, ex[i], want)
		}
	}
}

func TestExp32(t *testing.T) {
	for x := float32(-87); x < 88.7; x += 0.001 {
		want := math.Exp(float64(x))
		if got := float64(Exp32(x)); math.Abs(got-want) > 2.5e-7*want {
			t.Fatalf("Exp32(%v) = %v, want %v", x, got, want)
		}
	}
	if Exp32(-100) != 0 || !math.IsInf(float64(Exp32(100)), 1) {
		t.Error("Exp32 outside the range")
	}
}

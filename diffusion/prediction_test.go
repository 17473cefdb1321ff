package diffusion

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Each prediction computed from its definition in terms of (x0, eps), independently of Linear.
func predictionFromDefinition(k Prediction, c Coefficients, x0, eps float64) float64 {
	switch k {
	case PredX0:
		return x0
	case PredEps:
		return eps
	case PredScore:
		return -eps / c.Sigma
	case PredV:
		n := math.Hypot(c.Alpha, c.Sigma)
		return (c.Alpha*eps - c.Sigma*x0) / n
	case PredVelocity:
		return c.DAlpha*x0 + c.DSigma*eps
	}
	panic("unreachable")
}

func TestPredictionConversions(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	kinds := []Prediction{PredX0, PredEps, PredScore, PredV, PredVelocity}
	for _, p := range allProcesses(t) {
		for _, tt := range interior(p) {
			c := CoefficientsAt(p, tt)
			x0, eps := rng.NormFloat64(), rng.NormFloat64()
			x := c.Alpha*x0 + c.Sigma*eps
			for _, from := range kinds {
				for _, to := range kinds {
					src := []float64{predictionFromDefinition(from, c, x0, eps)}
					dst := make([]float64, 1)
					if err := Convert(dst, []float64{x}, src, from, to, c); err != nil {
						t.Fatal(err)
					}
					want := predictionFromDefinition(to, c, x0, eps)
					scale := math.Max(1, math.Abs(want))
					// The conversion amplifies rounding by the size of its coefficients (1/sigma^2 for score).
					cp, cq, _ := ConversionCoefficients(from, to, c)
					amp := math.Max(1, math.Abs(cp*x)+math.Abs(cq*src[0]))
					if math.Abs(dst[0]-want)/scale > 1e-12*amp/scale {
						t.Errorf("%s t=%v %v->%v: got %v, want %v", p.Name(), tt, from, to, dst[0], want)
					}
					// Round trip back.
					back := make([]float64, 1)
					Convert(back, []float64{x}, dst, to, from, c)
					if math.Abs(back[0]-src[0]) > 1e-12*math.Max(1, math.Abs(src[0]))*amp {
						t.Errorf("%s t=%v %v->%v->%v: %v, want %v", p.Name(), tt, from, to, from, back[0], src[0])
					}
				}
				a, b := from.NoiseForm(c)
				if v := a*x0 + b*eps; math.Abs(v-predictionFromDefinition(from, c, x0, eps)) > 1e-12*math.Max(1, math.Abs(v)) {
					t.Errorf("%v NoiseForm mismatch: %v", from, v)
				}
			}
		}
	}
}

func TestVelocityOfFlowIsEpsMinusX0(t *testing.T) {
	c := CoefficientsAt(NewFlow(), 0.3)
	a, b := PredVelocity.NoiseForm(c)
	if a != -1 || b != 1 {
		t.Errorf("flow velocity = %v x0 + %v eps, want eps - x0", a, b)
	}
}

func TestParsePrediction(t *testing.T) {
	for _, s := range []string{"x0", "eps", "score", "v", "velocity"} {
		k, err := ParsePrediction(s)
		if err != nil || k.String() != s {
			t.Errorf("ParsePrediction(%q) = %v, %v", s, k, err)
		}
	}
	if _, err := ParsePrediction("noise"); err == nil {
		t.Error("want an error")
	}
}

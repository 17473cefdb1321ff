package train

import (
	"math"
	"testing"

	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/nn"
)

// A network whose output carries its prior's share predicts u + A(t) x_r, A the coefficient of x0 in the
// prediction: 0 for eps, 1 for x0, alpha' = -1 for velocity on the interpolant (exactly, also at sigma = 0
// where NoiseForm would divide by zero), and a translation of (x0, x_r) by c moves A x0 + B eps computed
// from z = x - (1 - alpha) x_r by A c. EDM's preconditioned objective has no such prediction.
func TestPriorShareIsTheX0CoefficientOfThePrediction(t *testing.T) {
	p, err := diffusion.NewInterpolantProcess(1, 1)
	if err != nil {
		t.Fatal(err)
	}
	for pred, want := range map[string]func(c diffusion.Coefficients) float64{
		"eps":      func(diffusion.Coefficients) float64 { return 0 },
		"x0":       func(diffusion.Coefficients) float64 { return 1 },
		"velocity": func(diffusion.Coefficients) float64 { return -1 },
		"v":        func(c diffusion.Coefficients) float64 { return -c.Sigma / math.Hypot(c.Alpha, c.Sigma) },
	} {
		a, err := priorShare(ObjectiveConfig{Process: "interpolant", Prediction: pred}, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, tau := range []float64{0, 0.2, 0.7, 0.999} {
			c := diffusion.CoefficientsAt(p, tau)
			if tau == 0 && pred == "v" {
				continue
			}
			if got := a(tau); math.Abs(got-want(c)) > 1e-12 {
				t.Errorf("%s at tau %g: share %v, want %v", pred, tau, got, want(c))
			}
			if tau == 0 {
				continue
			}
			// The prediction moves by A c under a translation c: compute it from shifted data.
			k, _ := diffusion.ParsePrediction(pred)
			cx, c0 := k.Linear(c)
			x0, xr, eps, shift := 0.3, -1.2, 0.8, 2.5
			z := func(x0, xr float64) float64 {
				x := c.Alpha*x0 + (1-c.Alpha)*xr + c.Sigma*eps
				return x - (1-c.Alpha)*xr
			}
			move := cx*z(x0+shift, xr+shift) + c0*(x0+shift) - (cx*z(x0, xr) + c0*x0)
			if math.Abs(move-a(tau)*shift) > 1e-9 {
				t.Errorf("%s at tau %g: a translation by %g moves the prediction by %v, the share says %v", pred, tau, shift, move, a(tau)*shift)
			}
		}
	}
	if _, err := priorShare(ObjectiveConfig{Kind: "edm"}, diffusion.NewEDM()); err == nil {
		t.Error("EDM accepted")
	}
}

// priorOutputNet is a signal network that adds (or not) its prior's share to its output.
type priorOutputNet struct {
	signalNet
	adds bool
}

func (p *priorOutputNet) NeedsPriorOutput() bool               { return p.adds }
func (p *priorOutputNet) UsePriorOutput(func(float64) float64) {}

// A network with a prior and a translation-invariant output is refused a target with an x0 share before it
// trains (it would plateau silently); eps and score pass, so does any prediction once the network adds the
// prior's share, and a network without a prior is not checked.
func TestTranslationInvariantNetworksAreRefusedTargetsWithAnX0Share(t *testing.T) {
	mlp, err := nn.Spec{Arch: "mlp", MLP: &nn.MLPConfig{Dim: 2, Hidden: []int{4}, TimeDim: 4}}.New(tensor.Float32, 1)
	if err != nil {
		t.Fatal(err)
	}
	invariant := &priorOutputNet{signalNet: signalNet{Net: mlp, needs: true}}
	shares := &priorOutputNet{signalNet: signalNet{Net: mlp, needs: true}, adds: true}
	noPrior := &priorOutputNet{signalNet: signalNet{Net: mlp}}
	for _, tc := range []struct {
		net    nn.Net
		obj    ObjectiveConfig
		refuse bool
	}{
		{invariant, ObjectiveConfig{Prediction: "eps"}, false},
		{invariant, ObjectiveConfig{Prediction: "score"}, false},
		{invariant, ObjectiveConfig{Prediction: "x0"}, true},
		{invariant, ObjectiveConfig{Prediction: "v"}, true},
		{invariant, ObjectiveConfig{Process: "interpolant", Prediction: "velocity"}, true},
		{invariant, ObjectiveConfig{Kind: "edm"}, true},
		{shares, ObjectiveConfig{Process: "interpolant", Prediction: "velocity"}, false},
		{noPrior, ObjectiveConfig{Prediction: "x0"}, false},
		{mlp, ObjectiveConfig{Prediction: "x0"}, false},
	} {
		err := checkPriorShare(tc.net, tc.obj)
		if (err != nil) != tc.refuse {
			t.Errorf("%T (prior %v) with %+v: error %v, want refused = %v", tc.net, tc.net != mlp && tc.net != noPrior, tc.obj, err, tc.refuse)
		}
	}
}

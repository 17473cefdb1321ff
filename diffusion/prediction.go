package diffusion

import (
	"fmt"
	"math"
)

// Prediction names what a network outputs. For an affine process x = alpha x0 + sigma eps every
// parameterisation is linear in (x, x0), pred = Cx x + C0 x0, which is what makes all of them interchangeable:
//
//	x0        the clean data                         Cx = 0,               C0 = 1
//	eps       the noise, (x - alpha x0)/sigma         Cx = 1/sigma,         C0 = -alpha/sigma
//	score     grad log p_t(x) = -eps/sigma            Cx = -1/sigma^2,      C0 = alpha/sigma^2
//	v         Salimans & Ho (2022) on the VP-normalised process x/n, n = sqrt(alpha^2+sigma^2):
//	          v = (alpha eps - sigma x0)/n            Cx = alpha/(n sigma), C0 = -n/sigma
//	velocity  the flow-matching target dx/dt = alpha' x0 + sigma' eps
//	                                                  Cx = sigma'/sigma,    C0 = alpha' - alpha sigma'/sigma
//
// For VP processes (n = 1) v is exactly Salimans & Ho's; for the flow path velocity is eps - x0.
type Prediction int

const (
	PredX0 Prediction = iota
	PredEps
	PredScore
	PredV
	PredVelocity
)

var predictionNames = [...]string{"x0", "eps", "score", "v", "velocity"}

func (k Prediction) String() string {
	if k < 0 || int(k) >= len(predictionNames) {
		return fmt.Sprintf("Prediction(%d)", int(k))
	}
	return predictionNames[k]
}

// ParsePrediction maps "x0", "eps", "score", "v" or "velocity" to a Prediction.
func ParsePrediction(s string) (Prediction, error) {
	for i, n := range predictionNames {
		if n == s {
			return Prediction(i), nil
		}
	}
	return 0, fmt.Errorf("diffusion: unknown prediction %q (want x0, eps, score, v or velocity)", s)
}

// Linear returns (Cx, C0) with pred = Cx x + C0 x0 at coefficients c.
func (k Prediction) Linear(c Coefficients) (cx, c0 float64) {
	a, s := c.Alpha, c.Sigma
	switch k {
	case PredX0:
		return 0, 1
	case PredEps:
		return 1 / s, -a / s
	case PredScore:
		return -1 / (s * s), a / (s * s)
	case PredV:
		n := math.Hypot(a, s)
		return a / (n * s), -n / s
	case PredVelocity:
		return c.DSigma / s, c.DAlpha - a*c.DSigma/s
	}
	panic(fmt.Sprintf("diffusion: invalid Prediction %d", int(k)))
}

// NoiseForm returns (A, B) with pred = A x0 + B eps, the form training targets need.
func (k Prediction) NoiseForm(c Coefficients) (a0, be float64) {
	// Substitute x = alpha x0 + sigma eps into pred = Cx x + C0 x0.
	cx, c0 := k.Linear(c)
	return cx*c.Alpha + c0, cx * c.Sigma
}

// ConversionCoefficients returns (p, q) such that to = p x + q from, converting one prediction into another
// at coefficients c. It fails where the source prediction does not determine x0 (sigma = 0 for non-x0 sources).
func ConversionCoefficients(from, to Prediction, c Coefficients) (p, q float64, err error) {
	fx, f0 := from.Linear(c)
	tx, t0 := to.Linear(c)
	if f0 == 0 || math.IsNaN(f0) || math.IsInf(f0, 0) || math.IsNaN(fx) || math.IsInf(fx, 0) {
		return 0, 0, fmt.Errorf("diffusion: %v does not determine x0 at t = %v (alpha %v, sigma %v)", from, c.T, c.Alpha, c.Sigma)
	}
	// x0 = (from - fx x)/f0, to = tx x + t0 x0.
	return tx - t0*fx/f0, t0 / f0, nil
}

// Convert writes into dst the prediction `to` equivalent to `pred` (of kind `from`) at state x and
// coefficients c. dst may alias pred.
func Convert(dst, x, pred []float64, from, to Prediction, c Coefficients) error {
	if len(dst) != len(x) || len(pred) != len(x) {
		return fmt.Errorf("diffusion: Convert lengths differ: dst %d, x %d, pred %d", len(dst), len(x), len(pred))
	}
	p, q, err := ConversionCoefficients(from, to, c)
	if err != nil {
		return err
	}
	for i := range dst {
		dst[i] = p*x[i] + q*pred[i]
	}
	return nil
}

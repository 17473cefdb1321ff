package diffusion

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// NoiseObjective is an Objective that noises x0 with Gaussian noise the caller drew: SampleWithNoise draws
// only the noise level from rng and uses eps (len(x0) standard normal values) where Sample would draw its
// own. Immiscible diffusion (Li et al. 2024; package train) assigns a batch's noise draws to its examples
// before noising; the objectives are otherwise unchanged.
type NoiseObjective interface {
	Objective
	SampleWithNoise(rng *rand.Rand, x0, eps, input, target []float64) (Example, error)
}

// SampleWithNoise is Sample with the noise eps given: x_t = alpha x0 + sigma eps, target A x0 + B eps.
func (o DenoisingObjective) SampleWithNoise(rng *rand.Rand, x0, eps, input, target []float64) (Example, error) {
	if len(input) != len(x0) || len(target) != len(x0) || len(eps) != len(x0) {
		return Example{}, fmt.Errorf("diffusion: objective: x0 %d, noise %d, input %d, target %d values; want equal", len(x0), len(eps), len(input), len(target))
	}
	t := o.Time.SampleTime(rng)
	c := CoefficientsAt(o.Process, t)
	a, b := o.Prediction.NoiseForm(c)
	for i, v := range x0 {
		input[i] = c.Alpha*v + c.Sigma*eps[i]
		target[i] = a*v + b*eps[i]
	}
	return o.example(c, t)
}

// SampleWithNoise is Sample with the Gaussian noise eps given: x = x0 + sigma eps. A PFGM++ kernel's noise is
// not a Gaussian vector that could be drawn beforehand, so an objective with Kernel set refuses it.
func (o EDMObjective) SampleWithNoise(rng *rand.Rand, x0, eps, input, target []float64) (Example, error) {
	if o.Kernel != nil {
		return Example{}, fmt.Errorf("diffusion: the EDM objective with a PFGM++ kernel draws its own (non-Gaussian) noise")
	}
	if len(input) != len(x0) || len(target) != len(x0) || len(eps) != len(x0) {
		return Example{}, fmt.Errorf("diffusion: objective: x0 %d, noise %d, input %d, target %d values; want equal", len(x0), len(eps), len(input), len(target))
	}
	sigma := math.Exp(o.PMean + o.PStd*rng.NormFloat64())
	cSkip, cOut, cIn, cNoise := EDMScalings(sigma, o.SigmaData)
	for i, v := range x0 {
		x := v + sigma*eps[i]
		target[i] = (v - cSkip*x) / cOut
		input[i] = cIn * x
	}
	return Example{T: sigma, NetTime: cNoise, Weight: 1}, nil
}

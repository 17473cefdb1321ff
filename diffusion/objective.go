package diffusion

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Objective turns a clean training example x0 into what the trainer regresses: a network input, a target and
// a weight, loss = weight * ||net(input, NetTime) - target||^2 / dim. The trainer asks nothing else of the
// process.
type Objective interface {
	Sample(rng *rand.Rand, x0, input, target []float64) (Example, error)
}

// Example describes one drawn training example.
type Example struct {
	T       float64 // process time of the noisy input
	NetTime float64 // the time value given to the network (t, or EDM's c_noise)
	Weight  float64
}

// TimeSampler draws training times.
type TimeSampler interface {
	SampleTime(rng *rand.Rand) float64
}

// UniformTime draws t ~ U(Lo, Hi), the DDPM / flow-matching choice.
type UniformTime struct{ Lo, Hi float64 }

func (u UniformTime) SampleTime(rng *rand.Rand) float64 { return u.Lo + (u.Hi-u.Lo)*rng.Float64() }

// DiscreteTime draws one of the N steps of a discrete chain, t = (n+1)/N, as DDPM trains.
type DiscreteTime struct{ N int }

func (d DiscreteTime) SampleTime(rng *rand.Rand) float64 {
	return float64(rng.IntN(d.N)+1) / float64(d.N)
}

// LogNormalSigma draws sigma-hat = sigma/alpha with ln sigma-hat ~ N(PMean, PStd^2) (EDM, Karras et al. 2022,
// Table 1: PMean = -1.2, PStd = 1.2) and returns the process time at that noise level.
type LogNormalSigma struct {
	Process     Process
	PMean, PStd float64
}

func (l LogNormalSigma) SampleTime(rng *rand.Rand) float64 {
	return l.Process.TimeAtLogSNR(-(l.PMean + l.PStd*rng.NormFloat64()))
}

// LogitNormalTime draws t = sigmoid(N(Mean, Std^2)) (Esser et al. 2024, rectified-flow training).
type LogitNormalTime struct{ Mean, Std float64 }

func (l LogitNormalTime) SampleTime(rng *rand.Rand) float64 {
	return 1 / (1 + math.Exp(-(l.Mean + l.Std*rng.NormFloat64())))
}

// Weighting gives a loss weight in x0 units, w(lambda) for ||x0_hat - x0||^2; DenoisingObjective converts it to
// the units of the network's prediction.
type Weighting interface {
	X0Weight(c Coefficients) float64
}

// UnitWeight weights the prediction's own MSE by 1 (the "simple" losses: eps-MSE of DDPM, velocity MSE of flow
// matching). It is special-cased by DenoisingObjective.
type UnitWeight struct{}

func (UnitWeight) X0Weight(Coefficients) float64 { return math.NaN() }

// MinSNR is min-SNR-gamma weighting (Hang et al. 2023): the x0 loss weighted by min(SNR, gamma), SNR =
// alpha^2/sigma^2; in eps units this is min(SNR, gamma)/SNR and for v on a VP process min(SNR, gamma)/(SNR+1).
type MinSNR struct{ Gamma float64 }

func (m MinSNR) X0Weight(c Coefficients) float64 { return math.Min(math.Exp(2*c.LogSNR), m.Gamma) }

// EDMWeight is EDM's lambda(sigma) = (sigma^2 + sd^2)/(sigma sd)^2 on the x0 loss, with sigma = sigma-hat.
type EDMWeight struct{ SigmaData float64 }

func (e EDMWeight) X0Weight(c Coefficients) float64 {
	s := math.Exp(-c.LogSNR)
	return (s*s + e.SigmaData*e.SigmaData) / (s * s * e.SigmaData * e.SigmaData)
}

// DenoisingObjective is the generic denoising loss: t from Time, x_t = alpha x0 + sigma eps, the target is the
// prediction kind's value (its NoiseForm A x0 + B eps) and the weight is Weighting's x0 weight divided by
// C0^2, the squared sensitivity of the prediction to x0 (so that all parameterisations minimise the same
// x0-space loss). Flow matching is DenoisingObjective{Flow, PredVelocity, UniformTime{0, 1}, UnitWeight}.
type DenoisingObjective struct {
	Process    Process
	Prediction Prediction
	Time       TimeSampler
	Weighting  Weighting
}

func (o DenoisingObjective) Sample(rng *rand.Rand, x0, input, target []float64) (Example, error) {
	if len(input) != len(x0) || len(target) != len(x0) {
		return Example{}, fmt.Errorf("diffusion: objective: x0 %d, input %d, target %d values; want equal", len(x0), len(input), len(target))
	}
	t := o.Time.SampleTime(rng)
	c := CoefficientsAt(o.Process, t)
	a, b := o.Prediction.NoiseForm(c)
	for i, v := range x0 {
		eps := rng.NormFloat64()
		input[i] = c.Alpha*v + c.Sigma*eps
		target[i] = a*v + b*eps
	}
	return o.example(c, t)
}

// example is the training example's time and loss weight at t: the weighting's x0 weight divided by the
// squared x0 coefficient of the prediction (1 for unit weighting).
func (o DenoisingObjective) example(c Coefficients, t float64) (Example, error) {
	w := 1.0
	if o.Weighting != nil {
		if _, unit := o.Weighting.(UnitWeight); !unit {
			_, c0 := o.Prediction.Linear(c)
			w = o.Weighting.X0Weight(c) / (c0 * c0)
		}
	}
	if math.IsNaN(w) || math.IsInf(w, 0) {
		return Example{}, fmt.Errorf("diffusion: objective weight %v at t = %v", w, t)
	}
	return Example{T: t, NetTime: t, Weight: w}, nil
}

// EDMObjective is EDM's training (Karras et al. 2022, Eq. 8 and Table 1) for a raw network F wrapped by
// EDMPrecond: sigma from ln sigma ~ N(PMean, PStd^2), x = x0 + n, input c_in x, NetTime c_noise, target
// (x0 - c_skip x)/c_out and weight lambda(sigma) c_out^2 = 1. With Kernel set, n is PFGM++ noise at the aligned
// radius instead of Gaussian (Xu et al. 2023).
type EDMObjective struct {
	SigmaData, PMean, PStd float64
	Kernel                 *PFGMPP
}

// NewEDMObjective returns EDM's defaults: sigma_data 0.5, PMean -1.2, PStd 1.2.
func NewEDMObjective() EDMObjective { return EDMObjective{SigmaData: 0.5, PMean: -1.2, PStd: 1.2} }

func (o EDMObjective) Sample(rng *rand.Rand, x0, input, target []float64) (Example, error) {
	if len(input) != len(x0) || len(target) != len(x0) {
		return Example{}, fmt.Errorf("diffusion: objective: x0 %d, input %d, target %d values; want equal", len(x0), len(input), len(target))
	}
	sigma := math.Exp(o.PMean + o.PStd*rng.NormFloat64())
	if o.Kernel != nil {
		if err := o.Kernel.Perturb(rng, input, x0, sigma); err != nil {
			return Example{}, err
		}
	} else {
		for i, v := range x0 {
			input[i] = v + sigma*rng.NormFloat64()
		}
	}
	cSkip, cOut, cIn, cNoise := EDMScalings(sigma, o.SigmaData)
	for i, v := range x0 {
		target[i] = (v - cSkip*input[i]) / cOut
		input[i] *= cIn
	}
	return Example{T: sigma, NetTime: cNoise, Weight: 1}, nil
}

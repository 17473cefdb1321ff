package diffusion

import (
	"context"
	"fmt"
	"math"
)

// InterpolantSampler carries samples of x0's law to x1's along an Interpolant, with the generative
// equations of Albergo, Boffi & Vanden-Eijnden (2023, Sec. 2.2-2.3): the probability-flow ODE
//
//	dX = b(t, X) dt
//
// and, for any diffusion coefficient eps(t) >= 0, the forward SDE with the same marginals
//
//	dX = [b(t, X) + eps(t) s(t, X)] dt + sqrt(2 eps(t)) dW,   s = -eta/gamma the score of x_t's law.
//
// Here eps(t) = Eps gamma(t), so that the drift correction eps s = -Eps eta stays bounded where gamma
// vanishes (t = 0 and 1) and the injected noise vanishes there too: Eps tunes how stochastic the transport
// is, from the ODE (Eps = 0) upwards. The ODE is integrated by Heun's method (two evaluations a step, order
// 2), the SDE by Euler-Maruyama (one evaluation a step, weak order 1) on a uniform grid from TStart to 1.
//
// The ODE needs x0's law to have a density: from a point mass (a forecast from a known state without base
// noise, Eps = 0) it follows a single path. Start such forecasts with base noise (x0 = x_c + s0 zeta, the
// data-dependent coupling of Albergo et al. 2023b) or with Eps > 0 and TStart > 0.
type InterpolantSampler struct {
	Interpolant Interpolant
	Steps       int
	Eps         float64
	// TStart is where integration starts (default 0); x must then hold samples of x_TStart.
	TStart float64
	// TEnd is where it ends (0 means 1): an x0-predictor finishes the path from there when the fields are
	// singular at t = 1 (InterpolantProcessFields.Sample).
	TEnd float64
	// Times, when not nil, is the grid TStart = Times[0] < Times[1] < ... < Times[Steps] = TEnd itself; nil
	// spaces the steps uniformly in t. A grid dense towards t = 1 keeps Heun stable where gamma' blows up
	// (InterpolantProcessFields.Sampler).
	Times []float64
	// Seed keys the SDE's Philox noise: element j of x at step i draws normal j of stream i, whatever the
	// batch holds besides it.
	Seed uint64
	// Progress, if set, is called after every step with (steps done, Steps).
	Progress func(done, total int)
}

// NFE is the number of field evaluations Sample makes.
func (s InterpolantSampler) NFE() int {
	if s.Eps == 0 {
		return 2 * s.Steps
	}
	return s.Steps
}

func (s InterpolantSampler) validate(f InterpolantField, x []float64) error {
	switch {
	case s.Interpolant == nil:
		return fmt.Errorf("diffusion: interpolant sampler without an interpolant")
	case s.Steps < 1:
		return fmt.Errorf("diffusion: interpolant sampler needs at least one step, got %d", s.Steps)
	case !(s.Eps >= 0) || math.IsInf(s.Eps, 1):
		return fmt.Errorf("diffusion: interpolant sampler Eps %v must be finite and >= 0", s.Eps)
	case !(s.TStart >= 0 && s.TStart < 1):
		return fmt.Errorf("diffusion: interpolant sampler TStart %v must be in [0, 1)", s.TStart)
	case !(s.TEnd == 0 || (s.TEnd > s.TStart && s.TEnd <= 1)):
		return fmt.Errorf("diffusion: interpolant sampler TEnd %v must be in (TStart, 1] = (%v, 1] (0 for 1)", s.TEnd, s.TStart)
	case s.Times != nil && !s.gridOK():
		return fmt.Errorf("diffusion: interpolant sampler Times must be %d strictly increasing times from TStart %v to TEnd %v, got %v",
			s.Steps+1, s.TStart, s.end(), s.Times)
	case f == nil || f.Dim() < 1:
		return fmt.Errorf("diffusion: interpolant sampler without a field")
	case len(x) == 0 || len(x)%f.Dim() != 0:
		return fmt.Errorf("diffusion: interpolant sampler got %d values for dimension %d", len(x), f.Dim())
	}
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("diffusion: interpolant sampler input value %d is %v", i, v)
		}
	}
	return nil
}

// gridOK reports whether Times is a valid grid of Steps steps from TStart to the end.
func (s InterpolantSampler) gridOK() bool {
	if len(s.Times) != s.Steps+1 || s.Times[0] != s.TStart || s.Times[s.Steps] != s.end() {
		return false
	}
	for i := 1; i < len(s.Times); i++ {
		if !(s.Times[i] > s.Times[i-1]) {
			return false
		}
	}
	return true
}

// end is where integration stops: TEnd, or 1.
func (s InterpolantSampler) end() float64 {
	if s.TEnd == 0 {
		return 1
	}
	return s.TEnd
}

// Sample integrates x in place from TStart to TEnd (default t = 1) and returns the number of field
// evaluations. It stops with an error when ctx is cancelled or a state becomes non-finite (naming the step).
func (s InterpolantSampler) Sample(ctx context.Context, f InterpolantField, x []float64) (int, error) {
	if err := s.validate(f, x); err != nil {
		return 0, err
	}
	n := len(x)
	b := make([]float64, n)
	var eta, b2, xe, z []float64
	if s.Eps == 0 {
		b2, xe = make([]float64, n), make([]float64, n)
	} else {
		eta, z = make([]float64, n), make([]float64, n)
	}
	rng := NewPhilox(s.Seed)
	end := s.end()
	h := (end - s.TStart) / float64(s.Steps)
	nfe := 0
	for i := range s.Steps {
		if err := ctx.Err(); err != nil {
			return nfe, err
		}
		t0 := s.TStart + float64(i)*h
		t1 := s.TStart + float64(i+1)*h
		if i == s.Steps-1 {
			t1 = end
		}
		if s.Times != nil {
			t0, t1 = s.Times[i], s.Times[i+1]
		}
		if err := f.Fields(b, eta, x, t0); err != nil {
			return nfe, fmt.Errorf("diffusion: interpolant field at t = %g: %w", t0, err)
		}
		nfe++
		if s.Eps == 0 {
			// Heun: Euler predictor, trapezoidal corrector.
			for j := range x {
				xe[j] = x[j] + (t1-t0)*b[j]
			}
			if err := f.Fields(b2, nil, xe, t1); err != nil {
				return nfe, fmt.Errorf("diffusion: interpolant field at t = %g: %w", t1, err)
			}
			nfe++
			for j := range x {
				x[j] += (t1 - t0) / 2 * (b[j] + b2[j])
			}
		} else {
			eps := s.Eps * s.Interpolant.At(t0).Gamma
			rng.FillNormal(z, uint32(i), 0)
			amp := math.Sqrt(2 * eps * (t1 - t0))
			for j := range x {
				x[j] += (t1-t0)*(b[j]-s.Eps*eta[j]) + amp*z[j]
			}
		}
		for j, v := range x {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nfe, fmt.Errorf("diffusion: interpolant sampler state %d is %v after step %d (t = %g)", j, v, i+1, t1)
			}
		}
		if s.Progress != nil {
			s.Progress(i+1, s.Steps)
		}
	}
	return nfe, nil
}

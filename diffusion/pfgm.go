package diffusion

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/stat/distuv"
)

// PFGMPP is the perturbation kernel of PFGM++ (Xu et al. 2023, "PFGM++: Unlocking the Potential of
// Physics-Inspired Generative Models", Sec. 3-4) with D augmented dimensions, for data of N dimensions:
//
//	x = y + R u,  R = r sqrt(B/(1-B)),  B ~ Beta(N/2, D/2),  u uniform on the unit sphere,
//
// whose radial density is p(R) ~ R^(N-1)/(R^2 + r^2)^((N+D)/2). With the alignment r = sigma sqrt(D) the
// kernel tends to EDM's N(y, sigma^2 I) as D -> Inf, and the same denoiser parameterisation, preconditioning and
// samplers apply with t = sigma (Eq. 9 of the paper); only training noise and the prior differ.
type PFGMPP struct {
	D float64 // augmentation dimension, > 2 so that the kernel has a finite second moment
}

func (k PFGMPP) check(n int, sigma float64) error {
	if !(k.D > 0) {
		return fmt.Errorf("diffusion: PFGM++ needs D > 0, got %v", k.D)
	}
	if n < 1 {
		return fmt.Errorf("diffusion: PFGM++ needs at least one data dimension")
	}
	if !(sigma >= 0) || math.IsInf(sigma, 0) {
		return fmt.Errorf("diffusion: PFGM++ sigma must be finite and non-negative, got %v", sigma)
	}
	return nil
}

// Radius draws R for data dimension n at noise level sigma (r = sigma sqrt(D)).
func (k PFGMPP) Radius(rng *rand.Rand, n int, sigma float64) float64 {
	b := distuv.Beta{Alpha: float64(n) / 2, Beta: k.D / 2, Src: rng}.Rand()
	return sigma * math.Sqrt(k.D) * math.Sqrt(b/(1-b))
}

// Perturb writes x = y + R u into dst (len(dst) == len(y) == N).
func (k PFGMPP) Perturb(rng *rand.Rand, dst, y []float64, sigma float64) error {
	n := len(y)
	if len(dst) != n {
		return fmt.Errorf("diffusion: PFGM++ perturb: len(dst) %d != len(y) %d", len(dst), n)
	}
	if err := k.check(n, sigma); err != nil {
		return err
	}
	r := k.Radius(rng, n, sigma)
	norm := 0.0
	for i := range dst {
		dst[i] = rng.NormFloat64()
		norm += dst[i] * dst[i]
	}
	s := r / math.Sqrt(norm)
	for i := range dst {
		dst[i] = y[i] + s*dst[i]
	}
	return nil
}

// Prior draws the starting point of sampling at sigmaMax: the kernel around the origin.
func (k PFGMPP) Prior(rng *rand.Rand, dst []float64, sigmaMax float64) error {
	return k.Perturb(rng, dst, make([]float64, len(dst)), sigmaMax)
}

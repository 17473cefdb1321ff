package geometry

import (
	"fmt"
	"math"
)

// Covariance says how a block of numbers transforms under g = (R, t) in E(3).
type Covariance int

const (
	// Invariant blocks do not change: charges, masses, distances, energies.
	Invariant Covariance = iota
	// Vectors rotate: u -> R u (velocities, forces, displacements); 3-vectors, node-major.
	Vectors
	// Points rotate and translate: x -> R x + t (positions); 3-vectors, node-major.
	Points
)

func (c Covariance) String() string {
	switch c {
	case Vectors:
		return "vectors"
	case Points:
		return "points"
	}
	return "invariant"
}

func (c Covariance) act(g Transform, u []float64) []float64 {
	out := append([]float64(nil), u...)
	switch c {
	case Vectors:
		g.Rotate(out, out)
	case Points:
		g.Apply(out, out)
	}
	return out
}

// EquivarianceOptions configure CheckEquivariance.
type EquivarianceOptions struct {
	// Trials is the number of random group elements (default 8).
	Trials int
	// Seed seeds the group elements.
	Seed uint64
	// Reflections draws from O(3) instead of SO(3).
	Reflections bool
	// TranslationScale is the standard deviation of the random translations (0: none).
	TranslationScale float64
	// Tol bounds |f(g.in) - g.f(in)| componentwise, relative to max(1, max |g.f(in)|) of the block
	// (default 1e-9).
	Tol float64
}

// CheckEquivariance tests f(g.in) = g.f(in) for random g in E(3): in and the outputs are blocks whose
// transformation rules are inKinds and outKinds. It returns the largest relative deviation seen and
// an error naming the block, component and group element when it exceeds opt.Tol. Use it on any
// function of coordinates: a simulator, a force field, an equivariant network.
func CheckEquivariance(f func(in [][]float64) ([][]float64, error), in [][]float64, inKinds, outKinds []Covariance, opt EquivarianceOptions) (float64, error) {
	if len(in) != len(inKinds) {
		return 0, fmt.Errorf("geometry equivariance: %d input blocks but %d kinds", len(in), len(inKinds))
	}
	for b, k := range inKinds {
		if k != Invariant && len(in[b])%3 != 0 {
			return 0, fmt.Errorf("geometry equivariance: input block %d (%s) has %d values, not a list of 3-vectors", b, k, len(in[b]))
		}
	}
	if opt.Trials <= 0 {
		opt.Trials = 8
	}
	if opt.Tol <= 0 {
		opt.Tol = 1e-9
	}
	base, err := f(in)
	if err != nil {
		return 0, fmt.Errorf("geometry equivariance: f(x): %w", err)
	}
	if len(base) != len(outKinds) {
		return 0, fmt.Errorf("geometry equivariance: f returned %d blocks but %d kinds were given", len(base), len(outKinds))
	}
	rng := StreamRNG(opt.Seed, "equivariance", 0)
	worst := 0.0
	for trial := 0; trial < opt.Trials; trial++ {
		g := RandomTransform(rng, opt.Reflections, opt.TranslationScale)
		gin := make([][]float64, len(in))
		for b := range in {
			gin[b] = inKinds[b].act(g, in[b])
		}
		got, err := f(gin)
		if err != nil {
			return worst, fmt.Errorf("geometry equivariance: f(g x), trial %d: %w", trial, err)
		}
		if len(got) != len(base) {
			return worst, fmt.Errorf("geometry equivariance: f(g x) returned %d blocks, f(x) %d", len(got), len(base))
		}
		for b := range base {
			if len(got[b]) != len(base[b]) {
				return worst, fmt.Errorf("geometry equivariance: block %d has %d values for g x and %d for x", b, len(got[b]), len(base[b]))
			}
			if outKinds[b] != Invariant && len(base[b])%3 != 0 {
				return worst, fmt.Errorf("geometry equivariance: output block %d (%s) has %d values, not a list of 3-vectors", b, outKinds[b], len(base[b]))
			}
			want := outKinds[b].act(g, base[b])
			scale := 1.0
			for _, w := range want {
				scale = math.Max(scale, math.Abs(w))
			}
			for k := range want {
				d := math.Abs(got[b][k]-want[k]) / scale
				if math.IsNaN(d) {
					d = math.Inf(1)
				}
				if d > worst {
					worst = d
				}
				if d > opt.Tol {
					return worst, fmt.Errorf("geometry equivariance: trial %d, output block %d (%s), component %d: f(g x) = %v but g f(x) = %v (relative error %.3g > %.3g; R = %v, t = %v)",
						trial, b, outKinds[b], k, got[b][k], want[k], d, opt.Tol, g.R, g.T)
				}
			}
		}
	}
	return worst, nil
}

package geometry

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Transform is an element g = (R, t) of E(3) acting on points as x -> R x + t and on vectors
// (velocities, forces, displacements) as u -> R u. R is row-major 3x3 and orthogonal.
type Transform struct {
	R [9]float64
	T [3]float64
}

// Identity returns the identity transform.
func Identity() Transform { return Transform{R: [9]float64{1, 0, 0, 0, 1, 0, 0, 0, 1}} }

// RandomRotation returns a rotation uniform (Haar-distributed) on SO(3): the rotation of a unit
// quaternion uniform on S^3, obtained by normalising four independent standard normals (Shoemake,
// "Uniform random rotations", Graphics Gems III, 1992).
func RandomRotation(rng *rand.Rand) [9]float64 {
	var q [4]float64
	n := 0.0
	for n < 1e-12 {
		n = 0
		for i := range q {
			q[i] = rng.NormFloat64()
			n += q[i] * q[i]
		}
	}
	n = math.Sqrt(n)
	w, x, y, z := q[0]/n, q[1]/n, q[2]/n, q[3]/n
	return [9]float64{
		1 - 2*(y*y+z*z), 2 * (x*y - w*z), 2 * (x*z + w*y),
		2 * (x*y + w*z), 1 - 2*(x*x+z*z), 2 * (y*z - w*x),
		2 * (x*z - w*y), 2 * (y*z + w*x), 1 - 2*(x*x+y*y),
	}
}

// RandomTransform draws a uniform rotation, with probability 1/2 composed with the reflection
// x -> -x when reflect is set (then R is uniform on O(3)), and a translation N(0, scale^2 I).
func RandomTransform(rng *rand.Rand, reflect bool, scale float64) Transform {
	g := Transform{R: RandomRotation(rng)}
	if reflect && rng.Float64() < 0.5 {
		for i := range g.R {
			g.R[i] = -g.R[i]
		}
	}
	for i := range g.T {
		g.T[i] = scale * rng.NormFloat64()
	}
	return g
}

// Rotate writes R u for every 3-vector of u (length a multiple of 3) into dst, which may alias u.
func (g Transform) Rotate(dst, u []float64) {
	r := &g.R
	for i := 0; i+2 < len(u); i += 3 {
		a, b, c := u[i], u[i+1], u[i+2]
		dst[i] = r[0]*a + r[1]*b + r[2]*c
		dst[i+1] = r[3]*a + r[4]*b + r[5]*c
		dst[i+2] = r[6]*a + r[7]*b + r[8]*c
	}
}

// Apply writes R x + t for every point of x into dst, which may alias x.
func (g Transform) Apply(dst, x []float64) {
	g.Rotate(dst, x)
	for i := 0; i+2 < len(x); i += 3 {
		dst[i] += g.T[0]
		dst[i+1] += g.T[1]
		dst[i+2] += g.T[2]
	}
}

// Centre subtracts the centroid from the points of x (node-major 3-vectors) in place and returns it.
// With per-point weights w (nil: equal) it removes the weighted mean, e.g. the centre of mass.
func Centre(x, w []float64) ([3]float64, error) {
	var c [3]float64
	if len(x)%3 != 0 || len(x) == 0 {
		return c, fmt.Errorf("geometry centre: %d coordinates is not a non-empty list of 3-vectors", len(x))
	}
	n := len(x) / 3
	if w != nil && len(w) != n {
		return c, fmt.Errorf("geometry centre: %d weights for %d points", len(w), n)
	}
	total := 0.0
	for i := 0; i < n; i++ {
		wi := 1.0
		if w != nil {
			wi = w[i]
		}
		total += wi
		c[0] += wi * x[3*i]
		c[1] += wi * x[3*i+1]
		c[2] += wi * x[3*i+2]
	}
	if total == 0 || math.IsNaN(total) {
		return c, fmt.Errorf("geometry centre: weights sum to %v", total)
	}
	for k := range c {
		c[k] /= total
	}
	for i := 0; i < n; i++ {
		x[3*i] -= c[0]
		x[3*i+1] -= c[1]
		x[3*i+2] -= c[2]
	}
	return c, nil
}

package geometry

import (
	"math"
	"testing"
)

func det3(r [9]float64) float64 {
	return r[0]*(r[4]*r[8]-r[5]*r[7]) - r[1]*(r[3]*r[8]-r[5]*r[6]) + r[2]*(r[3]*r[7]-r[4]*r[6])
}

// TestRandomRotationIsHaar checks orthogonality and det = +1, and moments that identify the Haar
// measure on SO(3): E[R] = 0, E[R_ij^2] = 1/3 and E[(tr R)^2] = 1 (the character of the irreducible
// 3-dimensional representation has unit norm). A rotation with a uniform angle about a uniform axis,
// a common mistake, has E[(tr R)^2] = 1.5 and fails.
func TestRandomRotationIsHaar(t *testing.T) {
	rng := StreamRNG(5, "haar", 0)
	const n = 40000
	var mean, sq [9]float64
	tr2 := 0.0
	for s := 0; s < n; s++ {
		r := RandomRotation(rng)
		if s < 100 {
			for i := 0; i < 3; i++ {
				for j := 0; j < 3; j++ {
					d := 0.0
					for k := 0; k < 3; k++ {
						d += r[3*i+k] * r[3*j+k]
					}
					if i == j {
						d--
					}
					if math.Abs(d) > 1e-14 {
						t.Fatalf("R R^T - I = %v at (%d, %d)", d, i, j)
					}
				}
			}
			if math.Abs(det3(r)-1) > 1e-14 {
				t.Fatalf("det R = %v", det3(r))
			}
		}
		for i := range r {
			mean[i] += r[i] / n
			sq[i] += r[i] * r[i] / n
		}
		tr := r[0] + r[4] + r[8]
		tr2 += tr * tr / n
	}
	// Standard errors: R_ij has variance 1/3, R_ij^2 variance 1/5 - 1/9, (tr R)^2 variance 1 (E tr^4 = 2).
	for i := range mean {
		if math.Abs(mean[i]) > 5*math.Sqrt(1.0/3/n) {
			t.Errorf("E[R_%d] = %v, want 0", i, mean[i])
		}
		if math.Abs(sq[i]-1.0/3) > 5*math.Sqrt((1.0/5-1.0/9)/n) {
			t.Errorf("E[R_%d^2] = %v, want 1/3", i, sq[i])
		}
	}
	if math.Abs(tr2-1) > 5*math.Sqrt(1.0/n) {
		t.Errorf("E[(tr R)^2] = %v, want 1", tr2)
	}
}

func TestTransformAndCentre(t *testing.T) {
	rng := StreamRNG(2, "transform", 0)
	g := RandomTransform(rng, true, 2)
	x := []float64{1, 2, 3, -1, 0.5, 2, 0, 0, 1}
	y := make([]float64, len(x))
	g.Apply(y, x)
	// Distances are preserved and the centroid maps to R c + t.
	for i := 0; i < 3; i++ {
		for j := i + 1; j < 3; j++ {
			if d := dist(x, i, j) - dist(y, i, j); math.Abs(d) > 1e-14 {
				t.Errorf("distance %d-%d changed by %v", i, j, d)
			}
		}
	}
	cx, err := Centre(append([]float64(nil), x...), nil)
	if err != nil {
		t.Fatal(err)
	}
	cy, err := Centre(y, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]float64, 3)
	g.Apply(want, cx[:])
	for k := range cy {
		if math.Abs(cy[k]-want[k]) > 1e-14 {
			t.Errorf("centroid %d: %v, want %v", k, cy[k], want[k])
		}
	}
	var sum [3]float64
	for i := range y {
		sum[i%3] += y[i]
	}
	for k := range sum {
		if math.Abs(sum[k]) > 1e-14 {
			t.Errorf("centred points sum to %v in component %d", sum[k], k)
		}
	}
	// Weighted centre: the centre of mass.
	z := []float64{0, 0, 0, 3, 0, 0}
	c, err := Centre(z, []float64{2, 1})
	if err != nil || c != [3]float64{1, 0, 0} || z[0] != -1 || z[3] != 2 {
		t.Errorf("weighted centre = %v, %v, points %v", c, err, z)
	}
	for _, bad := range []struct {
		x, w []float64
	}{{[]float64{1, 2}, nil}, {nil, nil}, {[]float64{1, 2, 3}, []float64{1, 1}}, {[]float64{1, 2, 3}, []float64{0}}} {
		if _, err := Centre(bad.x, bad.w); err == nil {
			t.Errorf("Centre(%v, %v) accepted", bad.x, bad.w)
		}
	}
}

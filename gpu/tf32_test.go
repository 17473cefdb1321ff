package gpu

import (
	"math"
	"testing"
)

// roundTF32 rounds v to TF32 as the tensor cores' operand conversion does (cvt.rna.tf32.f32, which
// tile_tf32.cuh and gemm.cu apply through wmma::__float_to_tf32): to the nearest multiple of 2^(e-10) for v
// in [2^e, 2^(e+1)) (float32 subnormals keep the spacing 2^-136 of the smallest normal binade), ties away
// from zero; NaN and the infinities unchanged. Written on the value, not on the bits, so that it checks the
// kernels' bit formula rather than repeating it.
func roundTF32(v float32) float32 {
	x := float64(v)
	if math.IsNaN(x) || math.IsInf(x, 0) || x == 0 {
		return v
	}
	_, e := math.Frexp(math.Abs(x)) // |x| = f 2^e, f in [0.5, 1): the binade [2^(e-1), 2^e)
	e = max(e-1, -126)
	ulp := math.Ldexp(1, e-10)
	r := math.Floor(math.Abs(x)/ulp+0.5) * ulp // exact: |x|/ulp < 2^11 with at most 13 fraction bits
	return float32(math.Copysign(r, x))
}

// roundedWith is v with every entry rounded by round (roundTF32, roundBF16, ...).
func roundedWith(v []float32, round func(float32) float32) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = round(x)
	}
	return out
}

// TestRoundTF32RoundsToNearestTiesAway: the reference rounding keeps 10 mantissa bits, rounds to nearest and
// breaks ties away from zero (not to even, not by truncation), in the normal and subnormal ranges, and
// leaves TF32 values, NaN and the infinities alone.
func TestRoundTF32RoundsToNearestTiesAway(t *testing.T) {
	cases := []struct{ in, want float32 }{
		{1, 1},
		{1 + 0x1p-10, 1 + 0x1p-10},       // already TF32
		{1 + 0x1p-11, 1 + 0x1p-10},       // tie: away from zero (to even would give 1)
		{-(1 + 0x1p-11), -(1 + 0x1p-10)}, // negative tie: away from zero
		{1 + 0x1p-11 - 0x1p-23, 1},
		{1 + 0x1p-11 + 0x1p-23, 1 + 0x1p-10},
		{1 + 3*0x1p-11, 1 + 2*0x1p-10},
		{3 + 0x1p-10, 3 + 0x1p-9},
		{-(3 + 0x1p-11), -3},
		{0x1p-137, 0x1p-136}, // subnormal tie (half the TF32 spacing there): away from zero
		{0x1p-138, 0},        // below the subnormal tie: to zero
		{0x1p-126 + 0x1p-137, 0x1p-126 + 0x1p-136},
		{math.MaxFloat32, float32(math.Inf(1))}, // rounds past the largest finite TF32, as the bit formula overflows
		{float32(math.Inf(-1)), float32(math.Inf(-1))},
	}
	for _, c := range cases {
		if got := roundTF32(c.in); got != c.want {
			t.Errorf("roundTF32(%g) = %g, want %g", c.in, got, c.want)
		}
	}
	if got := roundTF32(float32(math.NaN())); !math.IsNaN(float64(got)) {
		t.Errorf("roundTF32(NaN) = %g", got)
	}
	// Every result has its 13 low mantissa bits clear and lies within half a TF32 spacing of the input.
	rng := newRand(7)
	for i := 0; i < 10000; i++ {
		v := float32(rng.NormFloat64() * math.Exp(8*rng.NormFloat64()))
		r := roundTF32(v)
		_, e := math.Frexp(math.Abs(float64(v)))
		half := math.Ldexp(1, max(e-1, -126)-11)
		if math.Float32bits(r)&0x1fff != 0 || math.Abs(float64(r)-float64(v)) > half {
			t.Fatalf("roundTF32(%g) = %g: not the nearest TF32 value", v, r)
		}
	}
}

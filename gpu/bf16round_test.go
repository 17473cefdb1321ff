package gpu

import (
	"math"
	"testing"
)

// roundBF16 rounds v to bfloat16 as tile_bf16.cuh stages the tensor cores' operands (__float2bfloat16_rn):
// to nearest, ties to even (ToBF16, which TestToBF16 checks against math/big).
func roundBF16(v float32) float32 { return FromBF16(ToBF16(v)) }

// truncBF16 and awayBF16 are the roundings the BF16 tile must not apply: toward zero (dropping the low 16
// bits, as the hardware would read unrounded operands) and to nearest with ties away from zero (TF32's
// cvt.rna rule). Finite inputs only.
func truncBF16(v float32) float32 { return math.Float32frombits(math.Float32bits(v) &^ 0xffff) }
func awayBF16(v float32) float32 {
	return math.Float32frombits((math.Float32bits(v) + 0x8000) &^ 0xffff)
}

// TestBF16RoundingsSplitTheTies: the ties TestGPUBF16TileMatchesRoundedReference stages tell the three
// roundings apart. 1 + 2^-8 is half way between 1 (even) and 1 + 2^-7 (odd); 1 + 3 2^-8 between 1 + 2^-7
// (odd) and 1 + 2^-6 (even): ties to even go down and up, truncation down and down, ties away up and up.
func TestBF16RoundingsSplitTheTies(t *testing.T) {
	cases := []struct{ in, even, trunc, away float32 }{
		{1 + 0x1p-8, 1, 1, 1 + 0x1p-7},
		{1 + 3*0x1p-8, 1 + 0x1p-6, 1 + 0x1p-7, 1 + 0x1p-6},
		{-(1 + 3*0x1p-8), -(1 + 0x1p-6), -(1 + 0x1p-7), -(1 + 0x1p-6)},
		{1 + 0x1p-8 + 0x1p-20, 1 + 0x1p-7, 1, 1 + 0x1p-7}, // past the tie: to nearest
		{3, 3, 3, 3},
	}
	for _, c := range cases {
		if g := roundBF16(c.in); g != c.even {
			t.Errorf("roundBF16(%g) = %g, want %g", c.in, g, c.even)
		}
		if g := truncBF16(c.in); g != c.trunc {
			t.Errorf("truncBF16(%g) = %g, want %g", c.in, g, c.trunc)
		}
		if g := awayBF16(c.in); g != c.away {
			t.Errorf("awayBF16(%g) = %g, want %g", c.in, g, c.away)
		}
	}
}

//go:build cuda || trajdiff_cuda

package gpu

import "testing"

// TestGPUBF16TileMatchesRoundedReference: linear_bf16, conv1d_bf16, conv_transpose1d_bf16, conv2d_bf16,
// conv3d_bf16 and conv_transpose2d_bf16 (tile_bf16.cuh on the tensor cores) equal the float64 layer
// evaluated on x and w rounded to bfloat16 as the tile stages them (roundBF16: to nearest, ties to even), to
// float32 accumulation, on the cases and within the bound of TestGPUTF32TileMatchesRoundedReference: a
// product of two BF16 values has at most 16 significant bits, so it too is exact in float32 and only the
// k + 1 additions round.
//
// Ties: every x is 1 + 3 2^-8 and every w 1 + 2^-8 (TestBF16RoundingsSplitTheTies), so every product is
// 1 + 2^-6 with ties to even, 1 + 2^-7 with truncation and (1 + 2^-6)(1 + 2^-7) with ties away: sums of k
// terms about k 2^-7 apart, far outside the bound.
func TestGPUBF16TileMatchesRoundedReference(t *testing.T) {
	checkTile(t, BFloat16, tileCases(BFloat16, 1+3*0x1p-8, 1+0x1p-8), roundBF16, truncBF16, awayBF16)
}

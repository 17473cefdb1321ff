package nn

import (
	"testing"

	"gorgonia.org/tensor"
)

// Diffuser's maze2d network (dim 32, dim_mults 1,4,8, horizon 128, transition 6) costs 128,491,520
// convolution MACs per forward by a count over its layers written out separately (residual block
// (i, o) at length L: L o i 5 + L o o 5 + L o i if i != o; level 0: 2,310,144; level 1: 18,874,368;
// level 2: 37,748,736; mid: 41,943,040; ups: 22,544,384 and 4,390,912; final: 679,936), plus 8,192 for
// the time MLP and 32*(32+32+128+128+256+256+256+256+128+128+32+32) = 53,248 for the blocks' time
// projections.
func TestTemporalUnetMACsMatchTheCountByHand(t *testing.T) {
	u, err := NewTemporalUnet(TemporalUnetConfig{Horizon: 128, Transition: 6, Dim: 32, DimMults: []int{1, 4, 8}}, tensor.Float32)
	if err != nil {
		t.Fatal(err)
	}
	want := 128491520 + 2*32*128 + 32*(2*32+2*128+4*256+2*128+2*32)
	if got := u.MACs(); got != want {
		t.Errorf("MACs = %d, want %d", got, want)
	}
}

// The resize-convolution upsampler does 3 x in x out MACs per output position where the transposed one did
// 4 per input position: ups.0 (128 channels, 32 -> 64) 64*3*128*128 - 32*4*128*128 = 1,048,576 more, ups.1
// (32 channels, 64 -> 128) 128*3*32*32 - 64*4*32*32 = 131,072 more.
func TestNearestUpsamplerMACs(t *testing.T) {
	u, err := NewTemporalUnet(TemporalUnetConfig{Horizon: 128, Transition: 6, Dim: 32, DimMults: []int{1, 4, 8}, Upsample: UpsampleNearest}, tensor.Float32)
	if err != nil {
		t.Fatal(err)
	}
	want := 128491520 + 2*32*128 + 32*(2*32+2*128+4*256+2*128+2*32) + 1048576 + 131072
	if got := u.MACs(); got != want {
		t.Errorf("MACs = %d, want %d", got, want)
	}
}

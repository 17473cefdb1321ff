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

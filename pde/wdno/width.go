package wdno

import (
	"fmt"

	"github.com/trajdiff/trajdiff/nn"
)

// checkWidth refuses a U-Net too narrow to see the noise it is trained to predict. Its initial convolution
// is linear and maps an image of V positions to dim features per position, so the network sees x_t only
// through a map of rank at most dim V. Training noises only the free entries (known entries, conditions
// and padding, enter clean), so when the image has N > dim V free values at least N - dim V directions of
// the noise are invisible to it; for isotropic noise they are independent of what it sees, and at high
// noise, where eps is x_t itself, an eps-predictor leaves at least a share (N - dim V)/N of the noise
// variance in every denoised estimate. Sampling then ends in noise: the first smoke runs (42 mostly free
// channels, dim 8) had a per-channel eps error of 0.8-0.9 at every noise level and generated controls of
// white noise, 60 times the data's energy.
//
// The same holds at the other end, per position: both U-Nets end in a 1x1 convolution, so the prediction
// at one position is an affine map of its dim final features and spans at most dim directions; a position
// with n > dim free values leaves n - dim directions of its noise unpredicted. So dim must also be at
// least the largest number of free values at one position (24 in smoke's super-resolution image, whose
// band positions hold the 8 bands of density, vx and vy; 41 in smoke control, with s(t)). Both are necessary
// conditions, not sufficient ones: the dim-24 smoke super-resolution model, exactly at the bound, stayed
// at an eps error of 0.4-0.6 at every noise level (docs/benchmarks.md).
//
// shape is the image [C, spatial...] and known marks its entries given clean (Layout.Known).
func checkWidth(s nn.Spec, shape []int, known []bool) error {
	var dim int
	switch {
	case s.Unet2D != nil:
		dim = s.Unet2D.Dim
	case s.Unet3D != nil:
		dim = s.Unet3D.Dim
	default:
		return nil // an mlp or other network has no per-position width to compare
	}
	if len(shape) < 2 {
		return nil
	}
	positions := 1
	for _, n := range shape[1:] {
		positions *= n
	}
	free := 0
	for _, k := range known {
		if !k {
			free++
		}
	}
	if dim*positions < free {
		need := (free + positions - 1) / positions
		return fmt.Errorf("wdno: the %s's initial width dim %d is too narrow for its %v images: its first convolution maps their %d free (generated) values to %d x %d = %d features, so it cannot see the noise of %d of them (set dim >= %d)",
			s.Arch, dim, shape, free, dim, positions, dim*positions, free-dim*positions, need)
	}
	most, at := 0, 0 // the largest number of free values at one position, and that position
	for p := 0; p < positions; p++ {
		n := 0
		for c := 0; c < shape[0]; c++ {
			if !known[c*positions+p] {
				n++
			}
		}
		if n > most {
			most, at = n, p
		}
	}
	if dim < most {
		return fmt.Errorf("wdno: the %s's width dim %d is too narrow for its %v images: its final 1x1 convolution predicts each position from %d features, and position %d has %d free (generated) values, so %d direction(s) of their noise cannot be predicted (set dim >= %d)",
			s.Arch, dim, shape, dim, at, most, most-dim, most)
	}
	return nil
}

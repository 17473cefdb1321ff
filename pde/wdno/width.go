package wdno

import (
	"fmt"

	"github.com/trajdiff/trajdiff/nn"
)

// checkWidth refuses a U-Net whose full-resolution width is below the image's channels. Its initial
// convolution is linear and maps the C values of every position to dim features, so for a V-position
// image the network sees x_t only through a map of rank at most dim V < C V: the noise in the other
// (C - dim) V directions is invisible to it, and at high noise, where eps is x_t itself, an eps-predictor
// leaves at least a share (C - dim)/C of the noise variance in every denoised estimate. Sampling then
// ends in noise: the first smoke runs (42 channels, dim 8) had a per-channel eps error of 0.8-0.9 at
// every noise level and generated controls of white noise, 60 times the data's energy.
func checkWidth(s nn.Spec, channels int) error {
	var dim int
	switch {
	case s.Unet2D != nil:
		dim = s.Unet2D.Dim
	case s.Unet3D != nil:
		dim = s.Unet3D.Dim
	default:
		return nil // an mlp or other network has no per-position width to compare
	}
	if dim < channels {
		return fmt.Errorf("wdno: the %s's initial width dim %d is below the image's %d channels: its first convolution keeps %d of the %d values of every position, so it cannot predict the noise of the others (set dim >= %d)",
			s.Arch, dim, channels, dim, channels, channels)
	}
	return nil
}

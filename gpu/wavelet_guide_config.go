package gpu

import "github.com/trajdiff/trajdiff/wavelet"

// WaveletControlConfig describes WDNO's control guidance for its wavelet layout (pde/wdno/layout_wavelet.go)
// in plain numbers, so that this package needs nothing from pde/wdno: the image [Cases, Channels, Height,
// Width] holds field k's (State state channels, then Control control channels) one-level 2-D DWT over
// (Frames, Cells) in channels 4k..4k+3 (bands aa, da, ad, dd at the top left, BandH x BandW, divided by
// Scales[channel]); the objective is J = mean (u(0) - U0s)^2 + mean (u(T) - Targets)^2 + Energy sum f^2 of
// the decoded trajectory, a state frame holding Cells x State values (state channel fastest).
type WaveletControlConfig struct {
	Wavelet                 string
	Mode                    wavelet.Mode
	Cases, State, Control   int
	Frames, Cells           int
	Channels, Height, Width int
	BandH, BandW            int
	Scales                  []float64 // one per channel
	U0s, Targets            [][]float64
	Energy                  float64
}

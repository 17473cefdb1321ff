package gpu

import "github.com/trajdiff/trajdiff/wavelet"

// SmokeControlConfig describes WDNO's smoke control guidance (pde/wdno/layout_smoke.go) in plain numbers, so
// that this package needs nothing from pde/wdno: the image [Cases, Channels, ImageFrames, Height, Width]
// holds the density's one-level 3-D DWT over (Frames, GridX, GridY) in channels 0..7 (pywt.dwtn's band order
// aaa, aad, ..., ddd, each band BandT x BandX x BandY at the start of every axis, divided by Scales[channel]);
// the objective is J = Linear . x + D0Weight mean_cells (d(0) - D0s)^2 of the decoded trajectory, Linear being
// the constant gradient of J's linear part (smoke's -s(T-1), which the layout decodes linearly) with respect
// to one image, a case's D0s holding GridX x GridY values (y fastest).
type SmokeControlConfig struct {
	Wavelet                              string
	Mode                                 wavelet.Mode
	Cases                                int
	Frames, GridX, GridY                 int
	Channels, ImageFrames, Height, Width int
	BandT, BandX, BandY                  int
	Scales                               []float64 // one per channel
	Linear                               []float64 // Channels x ImageFrames x Height x Width
	D0s                                  [][]float64
	D0Weight                             float64
}

//go:build !cuda && !trajdiff_cuda

package gpu

import (
	"context"

	"github.com/trajdiff/trajdiff/diffusion"
)

// Device stands for a GPU; in a build without the `cuda` tag none can be opened.
type Device struct{}

// Open returns ErrNoCUDA: this build has no GPU support.
func Open(ordinal int) (*Device, error) { return nil, ErrNoCUDA }

// Info describes the device; never reached in this build.
func (d *Device) Info() Info { return Info{} }

// Close does nothing in this build.
func (d *Device) Close() error { return nil }

// SampleMixture returns ErrNoCUDA: this build has no GPU support.
func SampleMixture(ctx context.Context, ordinal int, plan *diffusion.Plan, g *diffusion.GaussianMixture, p diffusion.Process,
	x []float64, seed uint64, progress func(done, total int)) (Info, error) {
	return Info{}, ErrNoCUDA
}

// Predictor stands for a network on the device; in a build without the `cuda` tag none can be made.
type Predictor struct{}

// NewPredictor returns ErrNoCUDA: this build has no GPU support.
func NewPredictor(d *Device, net *MLP, pz Parameterization, maxPoints int, opt PredictorOptions) (*Predictor, error) {
	return nil, ErrNoCUDA
}

// Close does nothing in this build.
func (p *Predictor) Close() error { return nil }

// SampleNetwork returns ErrNoCUDA: this build has no GPU support.
func SampleNetwork(ctx context.Context, ordinal int, plan *diffusion.Plan, net *MLP, pz Parameterization, x []float64, seed uint64,
	opt PredictorOptions, progress func(done, total int)) (Info, error) {
	return Info{}, ErrNoCUDA
}

// NewUnetPredictor returns ErrNoCUDA: this build has no GPU support.
func NewUnetPredictor(d *Device, u *TemporalUnet, pz Parameterization, maxPoints int, opt PredictorOptions) (*Predictor, error) {
	return nil, ErrNoCUDA
}

// NewTransformerPredictor returns ErrNoCUDA: this build has no GPU support.
func NewTransformerPredictor(d *Device, m *Transformer, pz Parameterization, maxPoints int, opt PredictorOptions) (*Predictor, error) {
	return nil, ErrNoCUDA
}

// NewUnet2DPredictor returns ErrNoCUDA: this build has no GPU support.
func NewUnet2DPredictor(d *Device, u *Unet2D, pz Parameterization, maxPoints int, opt PredictorOptions) (*Predictor, error) {
	return nil, ErrNoCUDA
}

// NewUnet3DPredictor returns ErrNoCUDA: this build has no GPU support.
func NewUnet3DPredictor(d *Device, u *Unet3D, pz Parameterization, maxPoints int, opt PredictorOptions) (*Predictor, error) {
	return nil, ErrNoCUDA
}

// NewEGTNPredictor returns ErrNoCUDA: this build has no GPU support.
func NewEGTNPredictor(d *Device, m *EGTN, pz Parameterization, maxPoints int, opt PredictorOptions) (*Predictor, error) {
	return nil, ErrNoCUDA
}

// HostDenoiser stands for a device denoiser called on host slices; in a build without the `cuda` tag none
// can be made.
type HostDenoiser struct{}

// Dim is 0 in this build.
func (h *HostDenoiser) Dim() int { return 0 }

// Denoise returns ErrNoCUDA: this build has no GPU support.
func (h *HostDenoiser) Denoise(dst, x []float64, t float64) error { return ErrNoCUDA }

// Close does nothing in this build.
func (h *HostDenoiser) Close() error { return nil }

package fromnn

import (
	"fmt"
	"math"

	"github.com/trajdiff/trajdiff/gpu"
	"github.com/trajdiff/trajdiff/nn"
)

// TemporalUnet reads net (an nn network of architecture "temporal_unet") into the device's
// form: its configuration (defaults filled in) and its state_dict as float32 in PyTorch's layouts;
// gpu.TemporalUnet.Validate then requires exactly the tensors the device evaluates.
func TemporalUnet(net nn.Net) (*gpu.TemporalUnet, error) {
	if net == nil {
		return nil, fmt.Errorf("fromnn: nil network")
	}
	spec := net.Spec()
	if spec.Arch != "temporal_unet" || spec.TemporalUnet == nil {
		return nil, fmt.Errorf("fromnn: TemporalUnet of a %q network", spec.Arch)
	}
	cfg := *spec.TemporalUnet
	u := &gpu.TemporalUnet{Horizon: cfg.Horizon, Transition: cfg.Transition, Dim: cfg.Dim, Kernel: cfg.Kernel, Groups: cfg.Groups, CondDim: cfg.CondDim,
		DimMults: append([]int(nil), cfg.DimMults...)}
	tensors, err := float32Tensors(net.Params())
	if err != nil {
		return nil, err
	}
	u.Tensors = tensors
	if cfg.Upsample == nn.UpsampleNearest {
		for i := 0; i < len(cfg.DimMults)-1; i++ {
			name := fmt.Sprintf("ups.%d.3.conv.weight", i)
			w, ok := u.Tensors[name]
			if !ok {
				return nil, fmt.Errorf("fromnn: temporal_unet with the nearest upsampler has no %s", name)
			}
			v, err := tiedTransposedTaps(w)
			if err != nil {
				return nil, fmt.Errorf("fromnn: %s: %w", name, err)
			}
			u.Tensors[name] = v
		}
	}
	if err := u.Validate(); err != nil {
		return nil, fmt.Errorf("fromnn: %w", err)
	}
	return u, nil
}

// tiedTransposedTaps rewrites the resize-convolution's Conv1d(3, padding 1) weight w [C, C, 3] (PyTorch's
// [out, in, k]) that follows nearest-neighbour doubling as the equal ConvTranspose1d(4, 2, 1) weight [C,
// C, 4] ([in, out, k]) with taps [w2, w1 + w2, w0 + w1, w0], so the device runs nn's "nearest" upsampler
// with its transposed-convolution kernel (nn's TestResizeConvolutionIsATiedTransposedConvolution proves
// the identity).
func tiedTransposedTaps(w []float32) ([]float32, error) {
	c := int(math.Round(math.Sqrt(float64(len(w) / 3))))
	if c*c*3 != len(w) {
		return nil, fmt.Errorf("%d values, want C x C x 3", len(w))
	}
	v := make([]float32, c*c*4)
	for o := 0; o < c; o++ {
		for i := 0; i < c; i++ {
			k := w[(o*c+i)*3 : (o*c+i)*3+3]
			taps := nn.TiedTaps(k[0], k[1], k[2])
			copy(v[(i*c+o)*4:], taps[:])
		}
	}
	return v, nil
}

// Unet2D reads net (an nn network of architecture "unet2d") into the device's form: its configuration
// (defaults filled in) and its state_dict as float32 in PyTorch's layouts; gpu.Unet2D.Validate then
// requires exactly the tensors the device evaluates.
func Unet2D(net nn.Net) (*gpu.Unet2D, error) {
	if net == nil {
		return nil, fmt.Errorf("fromnn: nil network")
	}
	spec := net.Spec()
	if spec.Arch != "unet2d" || spec.Unet2D == nil {
		return nil, fmt.Errorf("fromnn: Unet2D of a %q network", spec.Arch)
	}
	cfg := *spec.Unet2D
	if cfg.CondDim != 0 || (cfg.OutChannels != 0 && cfg.OutChannels != cfg.Channels) {
		return nil, fmt.Errorf("fromnn: unet2d with cond_dim %d, out_channels %d: the device evaluates the unconditional network predicting x's channels", cfg.CondDim, cfg.OutChannels)
	}
	if cfg.LinearAttention == nil || cfg.MidAttention == nil {
		return nil, fmt.Errorf("fromnn: unet2d spec without its attention settings (Spec fills them in)")
	}
	u := &gpu.Unet2D{Height: cfg.Height, Width: cfg.Width, Channels: cfg.Channels, Dim: cfg.Dim, DimMults: append([]int(nil), cfg.DimMults...),
		Groups: cfg.Groups, AttnHeads: cfg.AttnHeads, AttnDimHead: cfg.AttnDimHead, InitKernel: cfg.InitKernel,
		LinearAttention: *cfg.LinearAttention, MidAttention: *cfg.MidAttention}
	tensors, err := float32Tensors(net.Params())
	if err != nil {
		return nil, err
	}
	u.Tensors = tensors
	if err := u.Validate(); err != nil {
		return nil, fmt.Errorf("fromnn: %w", err)
	}
	return u, nil
}

// Unet3D reads net (an nn network of architecture "unet3d", WDNO's smoke denoiser) into the device's form:
// its configuration (defaults filled in) and its state_dict as float32 in PyTorch's layouts, the rotary
// frequency buffers included; gpu.Unet3D.Validate then requires exactly the tensors the device evaluates.
func Unet3D(net nn.Net) (*gpu.Unet3D, error) {
	if net == nil {
		return nil, fmt.Errorf("fromnn: nil network")
	}
	spec := net.Spec()
	if spec.Arch != "unet3d" || spec.Unet3D == nil {
		return nil, fmt.Errorf("fromnn: Unet3D of a %q network", spec.Arch)
	}
	cfg := *spec.Unet3D
	if cfg.OutChannels != 0 && cfg.OutChannels != cfg.Channels {
		return nil, fmt.Errorf("fromnn: unet3d with out_channels %d: the device evaluates the network predicting x's channels", cfg.OutChannels)
	}
	if cfg.LinearAttention == nil || cfg.TemporalAttention == nil || cfg.MidAttention == nil {
		return nil, fmt.Errorf("fromnn: unet3d spec without its attention settings (Spec fills them in)")
	}
	u := &gpu.Unet3D{Frames: cfg.Frames, Height: cfg.Height, Width: cfg.Width, Channels: cfg.Channels, Dim: cfg.Dim,
		DimMults: append([]int(nil), cfg.DimMults...), Groups: cfg.Groups, AttnHeads: cfg.AttnHeads, AttnDimHead: cfg.AttnDimHead,
		SpatialDimHead: cfg.SpatialDimHead, InitKernel: cfg.InitKernel, LinearAttention: *cfg.LinearAttention,
		TemporalAttention: *cfg.TemporalAttention, MidAttention: *cfg.MidAttention}
	tensors, err := float32Tensors(net.Params())
	if err != nil {
		return nil, err
	}
	u.Tensors = tensors
	if err := u.Validate(); err != nil {
		return nil, fmt.Errorf("fromnn: %w", err)
	}
	return u, nil
}

// NewPredictor puts net on the device as a gpu.Predictor for batches of up to maxPoints examples, whatever
// its supported architecture (mlp: gpu.NewPredictor; temporal_unet: gpu.NewUnetPredictor; transformer:
// gpu.NewTransformerPredictor; unet2d: gpu.NewUnet2DPredictor; unet3d: gpu.NewUnet3DPredictor; egtn:
// gpu.NewEGTNPredictor).
func NewPredictor(d *gpu.Device, net nn.Net, pz gpu.Parameterization, maxPoints int, opt gpu.PredictorOptions) (*gpu.Predictor, error) {
	if net == nil {
		return nil, fmt.Errorf("fromnn: nil network")
	}
	switch net.Spec().Arch {
	case "mlp":
		m, err := MLP(net)
		if err != nil {
			return nil, err
		}
		return gpu.NewPredictor(d, m, pz, maxPoints, opt)
	case "temporal_unet":
		u, err := TemporalUnet(net)
		if err != nil {
			return nil, err
		}
		return gpu.NewUnetPredictor(d, u, pz, maxPoints, opt)
	case "transformer":
		m, err := Transformer(net)
		if err != nil {
			return nil, err
		}
		return gpu.NewTransformerPredictor(d, m, pz, maxPoints, opt)
	case "unet2d":
		u, err := Unet2D(net)
		if err != nil {
			return nil, err
		}
		return gpu.NewUnet2DPredictor(d, u, pz, maxPoints, opt)
	case "unet3d":
		u, err := Unet3D(net)
		if err != nil {
			return nil, err
		}
		return gpu.NewUnet3DPredictor(d, u, pz, maxPoints, opt)
	case "egtn":
		m, err := EGTN(net, pz)
		if err != nil {
			return nil, err
		}
		return gpu.NewEGTNPredictor(d, m, pz, maxPoints, opt)
	}
	return nil, fmt.Errorf("fromnn: network architecture %q has no GPU implementation (supported: %v)", net.Spec().Arch, supported)
}

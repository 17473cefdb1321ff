package nn

import (
	"errors"
	"fmt"
)

// Unet3DConfig configures the video U-Net of WDNO's smoke experiments (Hu et al., ICLR 2025),
// video-diffusion-pytorch's Unet3D_with_Conv3D over videos [channels, frames, height, width].
type Unet3DConfig struct {
	Frames      int   `json:"frames"`                 // frames (any number: time is never downsampled)
	Height      int   `json:"height"`                 // frame height (divisible by 2^(len(dim_mults)-1))
	Width       int   `json:"width"`                  // frame width (likewise)
	Channels    int   `json:"channels"`               // input channels
	OutChannels int   `json:"out_channels,omitempty"` // output channels (default, and for now necessarily, channels)
	Dim         int   `json:"dim"`                    // base width, also the sinusoidal embedding width (WDNO smoke: 64)
	DimMults    []int `json:"dim_mults,omitempty"`    // width multipliers per resolution (default 1, 2, 4: WDNO smoke)
	Groups      int   `json:"groups,omitempty"`       // GroupNorm groups of the residual blocks (default 8)
	AttnHeads   int   `json:"attn_heads,omitempty"`   // heads of every attention (default 4)
	// AttnDimHead is the head width of the temporal attentions (default 32); their rotary embedding
	// turns the first min(32, attn_dim_head) features (rounded down to even) of each head.
	AttnDimHead int `json:"attn_dim_head,omitempty"`
	// SpatialDimHead is the head width of the spatial linear attentions and the middle full attention
	// (default 32: the reference builds them with their own default, whatever attn_dim_head is).
	SpatialDimHead    int   `json:"spatial_dim_head,omitempty"`
	LinearAttention   *bool `json:"linear_attention,omitempty"`   // spatial linear attention at every resolution (default true)
	TemporalAttention *bool `json:"temporal_attention,omitempty"` // temporal attention after the initial convolution and at every resolution (default true)
	MidAttention      *bool `json:"mid_attention,omitempty"`      // full spatial attention between the middle blocks (default true)
	InitKernel        int   `json:"init_kernel,omitempty"`        // initial convolution kernel, k x k x k (odd; default 7)
}

// relPosBuckets and relPosMaxDistance are the reference's RelativePositionBias(num_buckets=32,
// max_distance=32); rotaryMaxDim caps the rotary features (RotaryEmbedding(min(32, dim_head))).
const (
	relPosBuckets     = 32
	relPosMaxDistance = 32
	rotaryMaxDim      = 32
)

// withDefaults fills in the defaults and validates the configuration.
func (c Unet3DConfig) withDefaults() (Unet3DConfig, error) {
	if c.OutChannels == 0 {
		c.OutChannels = c.Channels
	}
	if len(c.DimMults) == 0 {
		c.DimMults = []int{1, 2, 4}
	}
	c.DimMults = append([]int(nil), c.DimMults...)
	if c.Groups == 0 {
		c.Groups = 8
	}
	if c.AttnHeads == 0 {
		c.AttnHeads = 4
	}
	if c.AttnDimHead == 0 {
		c.AttnDimHead = 32
	}
	if c.SpatialDimHead == 0 {
		c.SpatialDimHead = 32
	}
	if c.InitKernel == 0 {
		c.InitKernel = 7
	}
	for _, f := range []**bool{&c.LinearAttention, &c.TemporalAttention, &c.MidAttention} {
		if *f == nil {
			yes := true
			*f = &yes
		}
	}
	switch {
	case c.Frames <= 0 || c.Height <= 0 || c.Width <= 0 || c.Channels <= 0 || c.OutChannels <= 0:
		return c, fmt.Errorf("nn: Unet3D frames %d, height %d, width %d, channels %d, out_channels %d: all must be positive",
			c.Frames, c.Height, c.Width, c.Channels, c.OutChannels)
	case c.OutChannels != c.Channels:
		return c, fmt.Errorf("nn: Unet3D out_channels %d differs from channels %d: a Net predicts x's shape (eps, x0, v)", c.OutChannels, c.Channels)
	case c.Dim < 4 || c.Dim%2 != 0:
		return c, fmt.Errorf("nn: Unet3D dim %d must be even and at least 4 (it is the sinusoidal embedding width)", c.Dim)
	case c.Groups < 0 || c.AttnHeads < 0 || c.AttnDimHead < 0 || c.SpatialDimHead < 0:
		return c, errors.New("nn: Unet3D groups, attn_heads, attn_dim_head and spatial_dim_head must be positive")
	case *c.TemporalAttention && c.AttnDimHead < 2:
		return c, fmt.Errorf("nn: Unet3D attn_dim_head %d: the temporal attention's rotary embedding needs at least 2 features per head", c.AttnDimHead)
	case c.InitKernel < 0 || c.InitKernel%2 != 1:
		return c, fmt.Errorf("nn: Unet3D init_kernel %d must be odd and positive", c.InitKernel)
	}
	if c.Dim%c.Groups != 0 {
		return c, fmt.Errorf("nn: Unet3D dim %d not divisible into %d groups", c.Dim, c.Groups)
	}
	for _, m := range c.DimMults {
		if m <= 0 || (c.Dim*m)%c.Groups != 0 {
			return c, fmt.Errorf("nn: Unet3D width %d x %d: multipliers must be positive and widths divisible into %d groups", c.Dim, m, c.Groups)
		}
	}
	if f := 1 << (len(c.DimMults) - 1); c.Height%f != 0 || c.Width%f != 0 {
		return c, fmt.Errorf("nn: Unet3D frames of %dx%d not divisible by 2^%d (%d resolutions); pad them", c.Height, c.Width, len(c.DimMults)-1, len(c.DimMults))
	}
	return c, nil
}

package nn

import (
	"errors"
	"fmt"
)

// Unet2DConfig configures the 2-D U-Net of WDNO (Hu et al., ICLR 2025), lucidrains'
// denoising-diffusion-pytorch Unet over images [channels, height, width].
type Unet2DConfig struct {
	Height      int   `json:"height"`                 // image height (divisible by 2^(len(dim_mults)-1))
	Width       int   `json:"width"`                  // image width (likewise)
	Channels    int   `json:"channels"`               // input channels
	OutChannels int   `json:"out_channels,omitempty"` // output channels (default, and for now necessarily, channels)
	Dim         int   `json:"dim"`                    // base width, also the sinusoidal embedding width (WDNO Burgers: 128)
	DimMults    []int `json:"dim_mults"`              // width multipliers per resolution (default 1, 2, 4, 8)
	// Groups is the GroupNorm group count of the residual blocks (default 1, WDNO's
	// resnet_block_groups; lucidrains' default is 8).
	Groups          int   `json:"groups,omitempty"`
	AttnHeads       int   `json:"attn_heads,omitempty"`       // attention heads (default 4)
	AttnDimHead     int   `json:"attn_dim_head,omitempty"`    // width per head (default 32)
	LinearAttention *bool `json:"linear_attention,omitempty"` // linear attention at every resolution (default true)
	MidAttention    *bool `json:"mid_attention,omitempty"`    // full attention between the middle blocks (default true)
	InitKernel      int   `json:"init_kernel,omitempty"`      // initial convolution kernel (default 7)
	// CondDim must be 0: WDNO conditions by inpainting (conditioned coefficients are overwritten in x_t
	// at every sampling step), so the network sees no condition vector.
	CondDim int `json:"cond_dim,omitempty"`
}

// withDefaults fills in the defaults and validates the configuration.
func (c Unet2DConfig) withDefaults() (Unet2DConfig, error) {
	if c.OutChannels == 0 {
		c.OutChannels = c.Channels
	}
	if len(c.DimMults) == 0 {
		c.DimMults = []int{1, 2, 4, 8}
	}
	c.DimMults = append([]int(nil), c.DimMults...)
	if c.Groups == 0 {
		c.Groups = 1
	}
	if c.AttnHeads == 0 {
		c.AttnHeads = 4
	}
	if c.AttnDimHead == 0 {
		c.AttnDimHead = 32
	}
	if c.InitKernel == 0 {
		c.InitKernel = 7
	}
	yes := true
	if c.LinearAttention == nil {
		c.LinearAttention = &yes
	}
	if c.MidAttention == nil {
		c.MidAttention = &yes
	}
	switch {
	case c.CondDim != 0:
		return c, fmt.Errorf("nn: Unet2D cond_dim %d: the 2-D U-Net takes no condition vector (condition by inpainting)", c.CondDim)
	case c.Height <= 0 || c.Width <= 0 || c.Channels <= 0 || c.OutChannels <= 0:
		return c, fmt.Errorf("nn: Unet2D height %d, width %d, channels %d, out_channels %d: all must be positive",
			c.Height, c.Width, c.Channels, c.OutChannels)
	case c.OutChannels != c.Channels:
		return c, fmt.Errorf("nn: Unet2D out_channels %d differs from channels %d: a Net predicts x's shape (eps, x0, v)", c.OutChannels, c.Channels)
	case c.Dim < 4 || c.Dim%2 != 0:
		return c, fmt.Errorf("nn: Unet2D dim %d must be even and at least 4 (it is the sinusoidal embedding width)", c.Dim)
	case c.Groups < 0 || c.AttnHeads < 0 || c.AttnDimHead < 0:
		return c, errors.New("nn: Unet2D groups, attn_heads and attn_dim_head must be positive")
	case c.InitKernel < 0 || c.InitKernel%2 != 1:
		return c, fmt.Errorf("nn: Unet2D init_kernel %d must be odd and positive", c.InitKernel)
	}
	if c.Dim%c.Groups != 0 {
		return c, fmt.Errorf("nn: Unet2D dim %d not divisible into %d groups", c.Dim, c.Groups)
	}
	for _, m := range c.DimMults {
		if m <= 0 || (c.Dim*m)%c.Groups != 0 {
			return c, fmt.Errorf("nn: Unet2D width %d x %d: multipliers must be positive and widths divisible into %d groups", c.Dim, m, c.Groups)
		}
	}
	if f := 1 << (len(c.DimMults) - 1); c.Height%f != 0 || c.Width%f != 0 {
		return c, fmt.Errorf("nn: Unet2D image %dx%d not divisible by 2^%d (%d resolutions); pad it", c.Height, c.Width, len(c.DimMults)-1, len(c.DimMults))
	}
	return c, nil
}

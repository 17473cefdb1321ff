package nn

import (
	"fmt"
	"slices"
)

// TemporalValueConfig configures the temporal value network (arch "temporal_value"): Diffuser's
// ValueFunction (Janner et al. 2022; jannerm/diffuser models/temporal.py), the TemporalUnet's down path
// and a fully connected head, read as a Regressor from In = horizon*transition + 1 inputs (the window,
// then the network time) to Out values.
type TemporalValueConfig struct {
	Horizon    int   `json:"horizon"`          // trajectory length
	Transition int   `json:"transition"`       // values per time step (observation + action)
	Dim        int   `json:"dim"`              // base width, also the sinusoidal embedding width (Diffuser: 32)
	DimMults   []int `json:"dim_mults"`        // width multipliers per resolution (default 1, 2, 4, 8)
	Kernel     int   `json:"kernel,omitempty"` // temporal kernel size (default 5)
	Groups     int   `json:"groups,omitempty"` // GroupNorm groups (default 8)
	Out        int   `json:"out,omitempty"`    // output values (default 1: a scalar value J)
}

// withDefaults fills in the defaults and validates the configuration.
func (c TemporalValueConfig) withDefaults() (TemporalValueConfig, error) {
	if c.Kernel == 0 {
		c.Kernel = 5
	}
	if c.Groups == 0 {
		c.Groups = 8
	}
	if len(c.DimMults) == 0 {
		c.DimMults = []int{1, 2, 4, 8}
	}
	c.DimMults = slices.Clone(c.DimMults)
	if c.Out == 0 {
		c.Out = 1
	}
	if c.Horizon <= 0 || c.Transition <= 0 || c.Out < 0 || c.Groups < 0 {
		return c, fmt.Errorf("nn: temporal_value horizon %d, transition %d, out %d, groups %d: all must be positive", c.Horizon, c.Transition, c.Out, c.Groups)
	}
	if c.Dim < 4 || c.Dim%2 != 0 {
		return c, fmt.Errorf("nn: temporal_value dim %d must be even and at least 4 (it is the sinusoidal embedding width)", c.Dim)
	}
	if c.Kernel < 0 || c.Kernel%2 != 1 {
		return c, fmt.Errorf("nn: temporal_value kernel %d must be odd and positive", c.Kernel)
	}
	for _, m := range c.DimMults {
		if m <= 0 || (c.Dim*m)%c.Groups != 0 {
			return c, fmt.Errorf("nn: temporal_value width %d x %d: multipliers must be positive and widths divisible into %d groups", c.Dim, m, c.Groups)
		}
	}
	// The middle blocks halve the width twice.
	if mid := c.Dim * c.DimMults[len(c.DimMults)-1]; mid%4 != 0 || (mid/2)%c.Groups != 0 || (mid/4)%c.Groups != 0 {
		return c, fmt.Errorf("nn: temporal_value middle widths %d / 2 and %d / 4 must be integers divisible into %d groups", mid, mid, c.Groups)
	}
	return c, nil
}

// flatDim is the width of the flattened features entering the head: (middle width / 4) x the final
// length, each of the network's stride-2 convolutions (one per resolution and two in the middle, each a
// Conv1d(3, stride 2, padding 1)) mapping a length L to ceil(L/2). It assumes a configuration that
// withDefaults accepted.
func (c TemporalValueConfig) flatDim() int {
	L := c.Horizon
	for range len(c.DimMults) + 2 {
		L = (L + 1) / 2
	}
	return c.Dim * c.DimMults[len(c.DimMults)-1] / 4 * L
}

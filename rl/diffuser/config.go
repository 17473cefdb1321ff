package diffuser

import (
	"fmt"

	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/rl"
	"github.com/trajdiff/trajdiff/train"
)

// Maze2DHorizon is the reference's plan length for a layout: 128 (U-Maze), 256 (Medium), 384 (Large).
// The expert reaches the goal in ~70-180 steps in U-Maze: a window must be long enough for the path, as
// the goal is inpainted at its last step.
func Maze2DHorizon(layout string) (int, error) {
	switch layout {
	case "umaze":
		return 128, nil
	case "medium":
		return 256, nil
	case "large":
		return 384, nil
	}
	return 0, fmt.Errorf("diffuser: no maze2d horizon for layout %q (want umaze, medium or large)", layout)
}

// Maze2DConfig is Diffuser's maze2d training configuration for layout l (the maze2d branch's config): windows
// of Maze2DHorizon steps of rows [actions(2), observations(4)] from data (a dataset of
// `trajdiff simulate maze2d --segments goal`), the limits normaliser, no padding, the start and end
// observations inpainted in training, an unconditional temporal U-Net of width dim with dim_mults (1, 4, 8)
// (the reference's dim is 32) predicting x0 on the cosine VP process with uniform t and unit weights,
// Adam 2e-4 with EMA 0.995, and plans sampled with x0 clipped by DPM-Solver++(2M) at 20 NFE from the EMA
// weights. configs/diffuser-*.toml are this configuration written out; the quickstart shortens its training.
func Maze2DConfig(l *rl.Layout, data, out string, dim int) (train.Config, error) {
	H, err := Maze2DHorizon(l.Name)
	if err != nil {
		return train.Config{}, err
	}
	ema := true
	c := train.Config{
		Out: out,
		Data: train.DataConfig{Path: data, Horizon: H, Columns: []string{"actions", "observations"}, Normalizer: "limits", NoPadding: true,
			Inpaint: []string{"0:2", "0:3", "0:4", "0:5", "-1:2", "-1:3", "-1:4", "-1:5"}},
		Network: nn.Spec{Arch: "temporal_unet", TemporalUnet: &nn.TemporalUnetConfig{Horizon: H, Transition: actionDim + obsDim, Dim: dim,
			DimMults: []int{1, 4, 8}}},
		Objective: train.ObjectiveConfig{Kind: "denoising", Process: "vp-cosine", Prediction: "x0", Time: "uniform", Weighting: "unit"},
		Train:     train.DefaultOptions(),
		Sample:    train.SampleConfig{Solver: "dpmpp-2m", Steps: 20, EMA: &ema, ClipX0: true},
	}
	c.Train.LR, c.Train.EMADecay = 2e-4, 0.995
	return c, nil
}

// WithEndpointCondition also gives the start and goal observations (the inpainted entries) to the network
// as its condition (data.condition, a conditional temporal U-Net with cond_dim 8, Decision Diffuser's
// condition MLP joined to the time embedding). Diffuser's network takes no goal input: with inpainting
// alone it learns to connect the start and the goal over a 128-step window only after ~10^4 steps,
// whereas the global condition reaches every position at once and gets there in ~10^3 (measured on
// U-Maze: 3.3 vs 95.7 closed-loop after 1500 steps of dim 16). The quickstart uses it to fit its few
// minutes; the planner handles both kinds of model alike.
func WithEndpointCondition(c train.Config) train.Config {
	c.Data.Condition = append([]string(nil), c.Data.Inpaint...)
	if u := c.Network.TemporalUnet; u != nil {
		v := *u
		v.CondDim = len(c.Data.Condition)
		c.Network.TemporalUnet = &v
	}
	return c
}

// WithTiedUpsampling starts the temporal U-Net's transposed upsamplers as resize-convolutions (upsample_init
// "tied", ICNR): with PyTorch's initialisation a few thousand steps leave a period-2 zig-zag, the
// transposed convolutions' checkerboard, in every plan (U-Maze after 1700 steps: mean plan step 0.104
// against 0.054 tied, at the same score within one standard error; ~0.03 in the data). The architecture,
// the checkpoints and the planner are Diffuser's either way.
func WithTiedUpsampling(c train.Config) train.Config {
	if u := c.Network.TemporalUnet; u != nil {
		v := *u
		v.UpsampleInit = nn.UpsampleInitTied
		c.Network.TemporalUnet = &v
	}
	return c
}

package nn

import (
	"fmt"
	"slices"
)

// EGTNConfig configures the equivariant geometric trajectory network of GeoTDM (Han et al. 2024), the
// denoiser of geometric trajectories: N nodes in SpatialDim dimensions over a set of frames.
//
// A network input x holds the TargetFrames being generated, [len(TargetFrames), Nodes, SpatialDim] row-major.
// The condition vector of a conditional network is, in this order,
//
//	the clean CondFrames positions     [len(CondFrames), Nodes, SpatialDim]
//	the node features                  [Nodes, NodeFeatures]
//	the edge attributes                [Nodes*(Nodes-1), EdgeFeatures], edge e = i*(Nodes-1)+k from node j to node i,
//	                                   j = k for k < i and k+1 otherwise (every ordered pair, no self loops)
//
// Frame indices are the frames' positions in the stored trajectory: the temporal layers see their true
// differences (forecasting 0..9 -> 10..29, interpolation 0..4 and 25..29 -> 5..24). An unconditional network
// (no CondFrames) still receives node features and edge attributes when they are configured.
type EGTNConfig struct {
	Nodes        int   `json:"nodes"`
	SpatialDim   int   `json:"spatial_dim"`             // 3 (2 for pedestrians)
	CondFrames   []int `json:"cond_frames,omitempty"`   // frame indices of the clean condition frames
	TargetFrames []int `json:"target_frames"`           // frame indices generated
	NodeFeatures int   `json:"node_features,omitempty"` // node feature width (charge: 1)
	EdgeFeatures int   `json:"edge_features,omitempty"` // edge attribute width (q_i q_j or a spring: 1)
	Hidden       int   `json:"hidden"`                  // H (GeoTDM: 128)
	Layers       int   `json:"layers"`                  // ES/ET blocks (GeoTDM: 6)
	TimeDim      int   `json:"time_dim,omitempty"`      // sinusoidal embedding width of the diffusion step and of frame offsets (default 32)
	// TimeScale multiplies the network time before its sinusoidal embedding; with the number of chain
	// steps (1000) the embedding sees the step index as in GeoTDM (default 1000).
	TimeScale float64 `json:"time_scale,omitempty"`
	// Prior is the mean the diffusion starts from: "learned" (GeoTDM's equivariant conditional prior, the
	// default for a conditional network), "com" (the condition frames' centre of mass), "none" (N(0, I); the
	// only choice without condition frames, where inputs and outputs are projected to zero centre of mass).
	Prior       string `json:"prior,omitempty"`
	PriorLayers int    `json:"prior_layers,omitempty"` // ES/ET blocks of the learned prior's network (default 2)
	// PriorOutput adds a(t) x_r to the output, the prior's share of the prediction (PriorOutputUser): the
	// output x_L - x_in is translation invariant, which only eps is; a prediction A x0 + B eps moves by A c
	// under a translation c, so a network trained with x0, v or velocity prediction needs it.
	PriorOutput bool `json:"prior_output,omitempty"`
}

// SignalUser is a network whose graph needs the signal coefficient alpha(t) of the process its input was
// noised with, x_t = alpha(t) x0 + sigma(t) eps: EGTN with a prior mixes it into its input as
// x_t + (1 - alpha(t)) x_r, so that the process runs on x - x_r (GeoTDM) while the trainer and every
// sampler see an ordinary process on x. The trainer and the model loader call UseSignal before Forward.
type SignalUser interface {
	UseSignal(alpha func(t float64) float64)
	NeedsSignal() bool
}

func (c EGTNConfig) withDefaults() EGTNConfig {
	if c.TimeDim == 0 {
		c.TimeDim = 32
	}
	if c.TimeScale == 0 {
		c.TimeScale = 1000
	}
	if c.Prior == "" {
		c.Prior = "none"
		if len(c.CondFrames) > 0 {
			c.Prior = "learned"
		}
	}
	if c.PriorLayers == 0 {
		c.PriorLayers = 2
	}
	return c
}

// Edges is the number of directed edges of the fully connected graph, Nodes*(Nodes-1).
func (c EGTNConfig) Edges() int { return c.Nodes * (c.Nodes - 1) }

// Dim is the number of values of one example, len(TargetFrames)*Nodes*SpatialDim.
func (c EGTNConfig) Dim() int { return len(c.TargetFrames) * c.Nodes * c.SpatialDim }

// CondDim is the length of the condition vector (see EGTNConfig).
func (c EGTNConfig) CondDim() int {
	return len(c.CondFrames)*c.Nodes*c.SpatialDim + c.Nodes*c.NodeFeatures + c.Edges()*c.EdgeFeatures
}

// Validate reports a configuration the network cannot be built from.
func (c EGTNConfig) Validate() error {
	c = c.withDefaults()
	switch {
	case c.Nodes < 2:
		return fmt.Errorf("nn: egtn needs at least 2 nodes, got %d", c.Nodes)
	case c.SpatialDim < 1:
		return fmt.Errorf("nn: egtn spatial_dim %d", c.SpatialDim)
	case len(c.TargetFrames) < 1:
		return fmt.Errorf("nn: egtn needs target_frames")
	case c.Hidden < 1 || c.Layers < 1:
		return fmt.Errorf("nn: egtn hidden %d and layers %d must be positive", c.Hidden, c.Layers)
	case c.NodeFeatures < 0 || c.EdgeFeatures < 0:
		return fmt.Errorf("nn: egtn node_features %d and edge_features %d must not be negative", c.NodeFeatures, c.EdgeFeatures)
	case c.TimeDim < 4 || c.TimeDim%2 != 0:
		return fmt.Errorf("nn: egtn time_dim %d must be even and at least 4", c.TimeDim)
	case c.PriorLayers < 1:
		return fmt.Errorf("nn: egtn prior_layers %d", c.PriorLayers)
	}
	all := append(append([]int(nil), c.CondFrames...), c.TargetFrames...)
	for _, f := range all {
		if f < 0 {
			return fmt.Errorf("nn: egtn frame index %d is negative", f)
		}
	}
	s := slices.Clone(all)
	slices.Sort(s)
	if len(slices.Compact(s)) != len(all) {
		return fmt.Errorf("nn: egtn frames %v and %v repeat a frame", c.CondFrames, c.TargetFrames)
	}
	switch c.Prior {
	case "none":
	case "learned", "com":
		if len(c.CondFrames) == 0 {
			return fmt.Errorf("nn: egtn prior %q needs cond_frames (an unconditional network uses prior \"none\")", c.Prior)
		}
	default:
		return fmt.Errorf("nn: egtn prior %q (want learned, com or none)", c.Prior)
	}
	if c.PriorOutput && c.Prior == "none" {
		return fmt.Errorf("nn: egtn prior_output needs a prior (learned or com)")
	}
	return nil
}

package gpu

import (
	"fmt"
	"math"
	"slices"
)

// EGTN is nn's "egtn" network (GeoTDM's equivariant geometric trajectory network, Han et al. 2024, "GeoTDM:
// Geometric Trajectory Diffusion Models") as float32 arrays for the device. A network input holds the
// TargetFrames of Nodes nodes in SpatialDim dimensions, x [Tf, N, D]; the condition row holds the clean
// CondFrames [Tc, N, D], the node features [N, NodeFeatures] and the edge attributes [N(N-1),
// EdgeFeatures] (nn.EGTNConfig). On the F = Tc + Tf frames' node rows, with h_0 = Linear([nf | emb(s t)]),
//
//	spatial layer (EGNN, Satorras et al. 2021, on each frame's complete graph):
//	    m_ij = SiLU(Linear(SiLU(Linear([h_i, h_j, |x_i - x_j|^2, e_ij]))))
//	    h_i <- MLP([h_i | sum_j m_ij]),  x_i <- x_i + (1/(N-1)) sum_j (x_i - x_j) MLP(m_ij) / (|x_i - x_j| + 1)
//	temporal layer (per node over its frames, psi_ts = Linear(emb(f_t - f_s))):
//	    A_ts = softmax_s(q_t . (k_s + psi_ts)),  h_t <- h_t + sum_s A_ts (v_s + psi_ts),
//	    x_t <- x_t + sum_s A_ts MLP(v_s) (x_t - x_s)
//
// with two-layer SiLU MLPs, and the output x_L - x_in on the target frames. The prior x_r the process runs
// around ("learned": GeoTDM's convex frame mix of a second network's condition frames; "com": the condition
// frames' centroid) enters the input as x_in = x + (1 - Alpha(t)) x_r; "none" without condition frames
// centres input and output. With PriorOutput the output adds Share(t) x_r. Tensors holds the state_dict by
// name in PyTorch's layouts (gpu/fromnn.EGTN fills it from an nn network).
type EGTN struct {
	Nodes, SpatialDim          int
	CondFrames, TargetFrames   []int
	NodeFeatures, EdgeFeatures int
	Hidden, Layers, TimeDim    int
	TimeScale                  float64 // multiplies the network time before its sinusoidal embedding
	Prior                      string  // "learned", "com" or "none"
	PriorLayers                int     // layers of the learned prior's network
	PriorOutput                bool
	// Alpha is the signal coefficient of the process as a function of the network time (nn.SignalUser),
	// needed by the priors learned and com; Share is the prior's share of the prediction (nn.PriorOutputUser),
	// needed with PriorOutput.
	Alpha, Share func(t float64) float64
	Tensors      map[string][]float32
}

// Dim is the length of one example, len(TargetFrames) Nodes SpatialDim.
func (m *EGTN) Dim() int { return len(m.TargetFrames) * m.Nodes * m.SpatialDim }

// CondDim is the length of the condition row.
func (m *EGTN) CondDim() int {
	return len(m.CondFrames)*m.Nodes*m.SpatialDim + m.Nodes*m.NodeFeatures + m.Nodes*(m.Nodes-1)*m.EdgeFeatures
}

// tensorShapes lists every state_dict tensor with its PyTorch shape (nn.NewEGTN's names).
func (m *EGTN) tensorShapes() map[string][]int {
	out := map[string][]int{}
	H := m.Hidden
	linear := func(name string, in, o int) { out[name+".weight"], out[name+".bias"] = []int{o, in}, []int{o} }
	mlp := func(name string, in, o int) { linear(name+".actions.0", in, H); linear(name+".actions.2", H, o) }
	blocks := func(s, t string, n int) {
		for i := 0; i < n; i++ {
			es, et := fmt.Sprintf("%s.%d", s, i), fmt.Sprintf("%s.%d", t, i)
			mlp(es+".edge_mlp", 2*H+1+m.EdgeFeatures, H)
			mlp(es+".coord_mlp", H, 1)
			mlp(es+".node_mlp", 2*H, H)
			for _, q := range []string{"q", "k", "v"} {
				mlp(et+"."+q+"_mlp", H, H)
			}
			mlp(et+".x_mlp", H, 1)
			linear(et+".time_emb", m.TimeDim, H)
		}
	}
	linear("input_linear", m.NodeFeatures+m.TimeDim, H)
	blocks("s_modules", "t_modules", m.Layers)
	if m.Prior == "learned" {
		linear("input_linear_ref", m.NodeFeatures, H)
		blocks("s_modules_ref", "t_modules_ref", m.PriorLayers)
		out["ws"] = []int{len(m.TargetFrames)}
	}
	return out
}

// Validate checks the configuration as nn does, that the priors' functions are given, and that Tensors holds
// exactly the network's tensors with their sizes and finite values.
func (m *EGTN) Validate() error {
	if m == nil {
		return fmt.Errorf("gpu: nil EGTN")
	}
	Tc, Tf := len(m.CondFrames), len(m.TargetFrames)
	if m.Nodes < 2 || m.SpatialDim < 1 || Tf < 1 || m.Hidden < 1 || m.Layers < 1 || m.NodeFeatures < 0 || m.EdgeFeatures < 0 ||
		m.TimeDim < 4 || m.TimeDim%2 != 0 || !(m.TimeScale > 0) || math.IsInf(m.TimeScale, 0) {
		return fmt.Errorf("gpu: EGTN of %d nodes in %d-D, %d target frames, hidden %d, %d layers, features %d/%d, time dim %d, time scale %v: "+
			"need at least 2 nodes, positive sizes, an even time dim >= 4 and a positive time scale",
			m.Nodes, m.SpatialDim, Tf, m.Hidden, m.Layers, m.NodeFeatures, m.EdgeFeatures, m.TimeDim, m.TimeScale)
	}
	all := append(slices.Clone(m.CondFrames), m.TargetFrames...)
	s := slices.Clone(all)
	slices.Sort(s)
	if s[0] < 0 || len(slices.Compact(s)) != len(all) {
		return fmt.Errorf("gpu: EGTN frames %v and %v: negative or repeated", m.CondFrames, m.TargetFrames)
	}
	switch m.Prior {
	case "none":
		if m.PriorOutput {
			return fmt.Errorf("gpu: EGTN prior_output needs a prior")
		}
	case "learned", "com":
		if Tc == 0 || m.Alpha == nil {
			return fmt.Errorf("gpu: EGTN prior %q needs condition frames and the process's signal coefficient (Alpha)", m.Prior)
		}
		if m.Prior == "learned" && (m.NodeFeatures < 1 || m.PriorLayers < 1) {
			return fmt.Errorf("gpu: EGTN's learned prior needs node features and prior layers")
		}
		if m.PriorOutput && m.Share == nil {
			return fmt.Errorf("gpu: EGTN prior_output needs the prior's share of the prediction (Share)")
		}
	default:
		return fmt.Errorf("gpu: EGTN prior %q (want learned, com or none)", m.Prior)
	}
	return checkTensors("EGTN", m.tensorShapes(), m.Tensors)
}

// frameOffsetEmbedding is nn's sinusoidal embedding [F*F, dim] of the frame offsets frames[t] - frames[s],
// in nn's float32 arithmetic (kern.SinusoidalFwd): frequency i is float32(exp(float32(i) float32(-c))),
// c = ln(10000)/(dim/2 - 1), the argument their float32 product with the offset.
func frameOffsetEmbedding(frames []int, dim int) []float32 {
	F, h := len(frames), dim/2
	c := math.Log(10000) / float64(h-1)
	out := make([]float32, F*F*dim)
	for t := range frames {
		for s := range frames {
			row := out[(t*F+s)*dim : (t*F+s+1)*dim]
			v := float32(frames[t] - frames[s])
			for i := 0; i < h; i++ {
				f := float32(math.Exp(float64(float32(i) * float32(-c))))
				arg := float64(v * f)
				row[i], row[h+i] = float32(math.Sin(arg)), float32(math.Cos(arg))
			}
		}
	}
	return out
}

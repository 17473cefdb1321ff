package nn

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/nn/internal/kern"
)

// EGTN is GeoTDM's equivariant geometric trajectory network (Han et al. 2024, "Geometric Trajectory
// Diffusion Models", Sec. 4; hanjq17/GeoTDM models/EGTN.py, layers.py): the condition frames are placed
// before the noisy target frames in time, every frame gets the node features and the sinusoidal embedding
// of the diffusion step through "input_linear", and Layers blocks alternate
//
//	ES (per frame, EGNN): m_ij = SiLU(MLP_e([h_i, h_j, |x_i - x_j|^2, e_ij])), h_i = MLP_h([h_i, sum_j m_ij]),
//	                      x_i += mean_j (x_i - x_j) MLP_x(m_ij) / (sqrt(|x_i - x_j|^2 + 1e-8) + 1)
//	ET (per node):        a_ts = softmax_s(q_t . (k_s + psi(t - s))), h_t += sum_s a_ts (v_s + psi(t - s)),
//	                      x_t += sum_s a_ts MLP_x(v_s) (x_t - x_s)
//
// with q, k, v two-layer SiLU MLPs of h and psi a Linear map of the sinusoidal embedding of the frame
// offset. Only invariants enter the MLPs and coordinates move along differences, so the output x_L - x_in
// on the target frames is rotation/reflection equivariant and translation invariant. Parameter names are
// GeoTDM's state_dict names (s_modules.i.edge_mlp.actions.0, t_modules.i.q_mlp.actions.2, ...).
//
// Priors (EGTNConfig.Prior): the process runs on x - x_r. "learned" computes x_r from the condition frames
// by a small EGTN without step embedding ("input_linear_ref", "s_modules_ref", "t_modules_ref") whose
// per-node, per-frame channel means w and the learnable "ws" (gamma, one per target frame, initialised
// to 1) weight the condition frames: x_r(s) = x_last + gamma_s sum_{c<last} w_c (x_c - x_last). "com" is
// the condition frames' centroid. The prior enters as the input x_t + (1 - alpha(t)) x_r (SignalUser),
// which is GeoTDM's x_r + y_t for the process y = x - x_r. The output x_L - x_in is translation invariant,
// as eps is; with prior_output it adds a(t) x_r, the prior's share of another prediction (PriorOutputUser),
// and ReferenceNet gives x_r itself.
//
// Deviations: the keep mask of classifier-free guidance is ignored (GeoTDM has no condition dropout);
// frame offsets are those of the stored frame indices, not of the concatenation order.
type EGTN struct {
	cfg   EGTNConfig
	ps    *Params
	in    *LinearLayer
	es    []*esLayer
	et    []*etLayer
	ref   *LinearLayer
	esRef []*esLayer
	etRef []*etLayer
	ws    *Param
	alpha func(float64) float64
	share func(float64) float64 // the prior's share of the output (PriorOutputUser)
}

type mlp2 struct{ a, b *LinearLayer }

func newMLP2(ps *Params, name string, in, hidden, out int) mlp2 {
	return mlp2{NewLinear(ps, name+".actions.0", in, hidden, true), NewLinear(ps, name+".actions.2", hidden, out, true)}
}

func (m mlp2) forward(b *Builder, x *G.Node) *G.Node {
	return m.b.Forward(b, b.Act(m.a.Forward(b, x), SiLU))
}

type esLayer struct{ edge, coord, node mlp2 }

type etLayer struct {
	q, k, v, x mlp2
	time       *LinearLayer
}

func newES(ps *Params, name string, h, ef int) *esLayer {
	return &esLayer{
		edge:  newMLP2(ps, name+".edge_mlp", 2*h+1+ef, h, h),
		coord: newMLP2(ps, name+".coord_mlp", h, h, 1),
		node:  newMLP2(ps, name+".node_mlp", 2*h, h, h),
	}
}

func newET(ps *Params, name string, h, td int) *etLayer {
	return &etLayer{
		q: newMLP2(ps, name+".q_mlp", h, h, h), k: newMLP2(ps, name+".k_mlp", h, h, h),
		v: newMLP2(ps, name+".v_mlp", h, h, h), x: newMLP2(ps, name+".x_mlp", h, h, 1),
		time: NewLinear(ps, name+".time_emb", td, h, true),
	}
}

// NewEGTN builds the network with parameters of dtype dt (initialise them with Params().Init).
func NewEGTN(cfg EGTNConfig, dt tensor.Dtype) (*EGTN, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if cfg.Prior == "learned" && cfg.NodeFeatures < 1 {
		return nil, fmt.Errorf("nn: egtn's learned prior embeds node features: node_features must be at least 1 (give constant ones when the data has none)")
	}
	m := &EGTN{cfg: cfg, ps: newParams(dt)}
	H := cfg.Hidden
	m.in = NewLinear(m.ps, "input_linear", cfg.NodeFeatures+cfg.TimeDim, H, true)
	for i := 0; i < cfg.Layers; i++ {
		m.es = append(m.es, newES(m.ps, fmt.Sprintf("s_modules.%d", i), H, cfg.EdgeFeatures))
		m.et = append(m.et, newET(m.ps, fmt.Sprintf("t_modules.%d", i), H, cfg.TimeDim))
	}
	if cfg.Prior == "learned" {
		m.ref = NewLinear(m.ps, "input_linear_ref", cfg.NodeFeatures, H, true)
		for i := 0; i < cfg.PriorLayers; i++ {
			m.esRef = append(m.esRef, newES(m.ps, fmt.Sprintf("s_modules_ref.%d", i), H, cfg.EdgeFeatures))
			m.etRef = append(m.etRef, newET(m.ps, fmt.Sprintf("t_modules_ref.%d", i), H, cfg.TimeDim))
		}
		m.ws = m.ps.add("ws", true, constant(1), len(cfg.TargetFrames))
	}
	return m, nil
}

// Shape implements Net: [target frames, nodes, spatial dimensions].
func (m *EGTN) Shape() []int { return []int{len(m.cfg.TargetFrames), m.cfg.Nodes, m.cfg.SpatialDim} }

// Dim implements Net.
func (m *EGTN) Dim() int { return m.cfg.Dim() }

// CondDim implements Net.
func (m *EGTN) CondDim() int { return m.cfg.CondDim() }

// Params implements Net.
func (m *EGTN) Params() *Params { return m.ps }

// Config returns the configuration with defaults filled in.
func (m *EGTN) Config() EGTNConfig { return m.cfg }

// Spec implements Net.
func (m *EGTN) Spec() Spec {
	c := m.cfg
	return Spec{Arch: "egtn", EGTN: &c}
}

// UseSignal implements SignalUser.
func (m *EGTN) UseSignal(alpha func(t float64) float64) { m.alpha = alpha }

// NeedsSignal implements SignalUser: true for the learned and centre-of-mass priors.
func (m *EGTN) NeedsSignal() bool { return m.cfg.Prior != "none" }

// Forward implements Net.
func (m *EGTN) Forward(b *Builder, x, t, cond, keep *G.Node) *G.Node {
	if !checkForward(b, m, x, t, cond, keep) {
		return nil
	}
	c := m.cfg
	B, N, D := x.Shape()[0], c.Nodes, c.SpatialDim
	Tc, Tf := len(c.CondFrames), len(c.TargetFrames)
	z := b.Reshape(x, B, Tf*N*D)
	var xc, nf, ef *G.Node
	off := 0
	take := func(w int) *G.Node {
		if w == 0 {
			return nil
		}
		n := b.SliceCols(cond, off, w)
		off += w
		return n
	}
	if c.CondDim() > 0 {
		xc, nf, ef = take(Tc*N*D), take(N*c.NodeFeatures), take(c.Edges()*c.EdgeFeatures)
	}
	xin := z
	var xr *G.Node
	switch c.Prior {
	case "learned", "com":
		if m.alpha == nil {
			return b.failf("egtn: prior %q needs the signal coefficient of the process (UseSignal)", c.Prior)
		}
		if c.Prior == "learned" {
			xr = m.learnedPrior(b, xc, nf, ef, B)
		} else {
			xr = b.Centroid(xc, Tc*N, Tf*N, D)
		}
		xin = b.SignalMix(z, xr, t, m.alpha)
	case "none":
		if Tc == 0 {
			xin = b.Center(z, Tf*N, D)
		}
	}
	X := xin
	if Tc > 0 {
		X = b.Concat(xc, xin)
	}
	g := kern.Frames{B: B, F: Tc + Tf, N: N}
	X = b.Reshape(X, g.Rows(), D)
	temb := b.Tile(b.Sinusoidal(b.scaleData(t, c.TimeScale), c.TimeDim), g.F*N)
	h := temb
	if nf != nil {
		h = b.Concat(b.Reshape(b.Tile(nf, g.F), g.Rows(), c.NodeFeatures), temb)
	}
	h = m.in.Forward(b, h)
	frames := append(append([]int(nil), c.CondFrames...), c.TargetFrames...)
	X, _ = m.blocks(b, X, h, ef, g, frames, m.es, m.et)
	out := b.SliceCols(b.Reshape(X, B, g.F*N*D), Tc*N*D, Tf*N*D)
	eps := b.Sub(out, xin)
	if c.Prior == "none" && Tc == 0 {
		eps = b.Center(eps, Tf*N, D)
	}
	if c.PriorOutput {
		eps = m.addPriorShare(b, eps, xr, t)
	}
	return b.Reshape(eps, B, Tf, N, D)
}

// learnedPrior returns x_r [B, Tf*N*D] from the condition frames.
func (m *EGTN) learnedPrior(b *Builder, xc, nf, ef *G.Node, B int) *G.Node {
	c := m.cfg
	N, D, Tc := c.Nodes, c.SpatialDim, len(c.CondFrames)
	g := kern.Frames{B: B, F: Tc, N: N}
	h := m.ref.Forward(b, b.Reshape(b.Tile(nf, Tc), g.Rows(), c.NodeFeatures))
	X, h := m.blocks(b, b.Reshape(xc, g.Rows(), D), h, ef, g, c.CondFrames, m.esRef, m.etRef)
	return b.ConvexFrameMix(b.Reshape(X, B, Tc*N*D), b.RowMean(h), b.Param(m.ws), Tc, N, D)
}

// blocks runs alternating ES and ET layers on positions X [Rows, D] and features h [Rows, H].
func (m *EGTN) blocks(b *Builder, X, h, ef *G.Node, g kern.Frames, frames []int, es []*esLayer, et []*etLayer) (*G.Node, *G.Node) {
	var efRows *G.Node
	if ef != nil {
		efRows = b.Reshape(b.Tile(ef, g.F), g.EdgeRows(), m.cfg.EdgeFeatures)
	}
	rel := b.frameOffsets(frames, m.cfg.TimeDim)
	for i := range es {
		X, h = es[i].forward(b, X, h, efRows, g)
		X, h = et[i].forward(b, X, h, rel, g)
	}
	return X, h
}

func (l *esLayer) forward(b *Builder, X, h, efRows *G.Node, g kern.Frames) (*G.Node, *G.Node) {
	dx := b.EdgeDiff(X, g)
	// The edge MLP's first layer on [h_i, h_j, |x_i - x_j|^2, e_ij] is W_i h_i + W_j h_j + W_e [d, e] + bias:
	// the node parts are products over node rows, N-1 times fewer than over edge rows.
	H := h.Shape()[1]
	w := b.Param(l.edge.a.W)
	wi, wj := b.SliceCols(w, 0, H), b.SliceCols(w, H, H)
	we := b.SliceCols(w, 2*H, w.Shape()[1]-2*H)
	de := b.RowSqNorm(dx)
	if efRows != nil {
		de = b.Concat(de, efRows)
	}
	pre := b.EdgeCombine(b.Linear(h, wi, b.Param(l.edge.a.B)), b.Linear(h, wj, nil), b.Linear(de, we, nil), g)
	msg := b.Act(l.edge.b.Forward(b, b.Act(pre, SiLU)), SiLU)
	h2 := l.node.forward(b, b.Concat(h, b.SegmentSum(msg, g.N-1)))
	X2 := b.Add(X, b.EdgeCoordMean(dx, l.coord.forward(b, msg), g.N-1))
	return X2, h2
}

func (l *etLayer) forward(b *Builder, X, h, rel *G.Node, g kern.Frames) (*G.Node, *G.Node) {
	psi := l.time.Forward(b, rel)
	q, k, v := l.q.forward(b, h), l.k.forward(b, h), l.v.forward(b, h)
	a := b.RelAttnWeights(q, k, psi, g)
	h2 := b.Add(h, b.RelAttnApply(a, v, psi, g))
	X2 := b.Add(X, b.TemporalCoord(X, a, l.x.forward(b, v), g))
	return X2, h2
}

// frameOffsets is the sinusoidal embedding [F*F, dim] of the offsets frames[t] - frames[s], a constant of
// the graph.
func (b *Builder) frameOffsets(frames []int, dim int) *G.Node {
	F := len(frames)
	n := b.Input(fmt.Sprintf("frame_offsets_%d_%p", F, &frames), F*F)
	if n == nil {
		return nil
	}
	switch b.dt {
	case tensor.Float32:
		v := data[float32](n.Value())
		for t := range frames {
			for s := range frames {
				v[t*F+s] = float32(frames[t] - frames[s])
			}
		}
	default:
		v := data[float64](n.Value())
		for t := range frames {
			for s := range frames {
				v[t*F+s] = float64(frames[t] - frames[s])
			}
		}
	}
	return b.Sinusoidal(n, dim)
}

// scaleData returns a x for a data node (no gradient), e.g. network times mapped to step indices.
func (b *Builder) scaleData(x *G.Node, a float64) *G.Node {
	k := kernel{f32: func(y []float32, in [][]float32) {
		for i, v := range in[0] {
			y[i] = float32(a) * v
		}
	}, f64: func(y []float64, in [][]float64) {
		for i, v := range in[0] {
			y[i] = a * v
		}
	}}
	return b.fn("Scale", x.Shape().Clone(), k, nil, nodes(x), 0)
}

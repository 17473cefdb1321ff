//go:build cuda || trajdiff_cuda

package gpu

import (
	"fmt"
)

// egtnNet is an EGTN's parameters and activations on the device.
type egtnNet struct {
	d        *Device
	m        EGTN // configuration; Tensors dropped after the upload
	params   Buffer
	p        map[string]Buffer // device-layout parameters by state_dict name, slices of params
	zeros    Buffer            // H zeros: the bias of the edge Linear's bias-free parts
	rel      Buffer            // the frame-offset embeddings of all frames [F F, TimeDim]
	relRef   Buffer            // and of the condition frames [Tc Tc, TimeDim] (learned prior)
	cond     Buffer            // the condition rows (a slice of params)
	cstride  int               // values between examples' condition rows: 0 (shared) or CondDim
	acts     Buffer            // every activation, one allocation
	emb      Buffer            // the step embedding [TimeDim]
	xin, xr  Buffer            // x_in and the prior x_r [B, Tf N D]
	tmp      Buffer            // [B, Tf N D]
	X, X2    Buffer            // coordinates of the node rows [R, D], two for the temporal update
	dx, de   Buffer            // edge differences [E, D] and [|dx|^2 | e_ij] [E, 1 + EdgeFeatures]
	hin, h   Buffer            // the input rows [R, NodeFeatures + TimeDim] and the features [R, H]
	hm       Buffer            // the node MLP's input [h | sum_j m_ij] [R, 2H]
	na, nb   Buffer            // the edge Linear's node parts [R, H]
	ce, pre  Buffer            // its edge part and the activated sum [E, H]
	msg, t1  Buffer            // the messages [E, H] and the MLPs' hidden rows [E, H]
	phi, w   Buffer            // coordinate weights of edges [E] and of frames [R]
	q, k, v  Buffer            // [R, H]
	psi, att Buffer            // the offset embedding [F F, H] and the attention [B N, F, F]
}

// NewEGTNPredictor uploads an EGTN's parameters to d and allocates its activations for batches of up to
// maxPoints examples; pz says how its output becomes x0. A network with a condition needs it: opt.Cond
// (every example) or opt.PointConds (one row per example, as geometric data gives them). EGTN has no
// condition dropout (GeoTDM's network ignores nn's keep mask), so classifier-free guidance is refused. Every
// layer runs in exact float32 (opt.Precision FP32).
func NewEGTNPredictor(d *Device, m *EGTN, pz Parameterization, maxPoints int, opt PredictorOptions) (*Predictor, error) {
	if err := checkNetwork(d, "EGTN", m.Validate, pz, opt); err != nil {
		return nil, err
	}
	if opt.Guidance != 0 {
		return nil, fmt.Errorf("gpu: EGTN has no condition dropout, so no classifier-free guidance (weight %v)", opt.Guidance)
	}
	F, N := len(m.CondFrames)+len(m.TargetFrames), m.Nodes
	if maxPoints < 1 || int64(maxPoints)*int64(F*N*(N-1)) > linearMaxRows {
		return nil, fmt.Errorf("gpu: EGTN predictor for %d examples (want 1 to %d: at most %d edge rows)", maxPoints, linearMaxRows/(F*N*(N-1)), linearMaxRows)
	}
	cond, stride, err := opt.condition(m.CondDim(), maxPoints)
	if err != nil {
		return nil, fmt.Errorf("%w (EGTN)", err)
	}
	if m.CondDim() > 0 && cond == nil {
		return nil, fmt.Errorf("gpu: EGTN with a condition of %d values needs it (Cond or PointConds)", m.CondDim())
	}
	n, err := newEGTNNet(d, m, maxPoints, cond, stride)
	if err != nil {
		return nil, err
	}
	return newPredictor(d, n, m.Dim(), pz, maxPoints, 0)
}

func newEGTNNet(d *Device, m *EGTN, maxPoints int, cond []float32, stride int) (*egtnNet, error) {
	n := &egtnNet{d: d, m: *m, cstride: stride}
	n.m.Tensors = nil
	fail := func(err error) (*egtnNet, error) {
		n.close()
		return nil, err
	}
	var pack paramPack
	spans := pack.placeTensors(m.Tensors, m.tensorShapes(), linearsTransposed)
	frames := append(append([]int(nil), m.CondFrames...), m.TargetFrames...)
	zs := pack.place(make([]float32, m.Hidden))
	rs := pack.place(frameOffsetEmbedding(frames, m.TimeDim))
	rr := zs
	if m.Prior == "learned" {
		rr = pack.place(frameOffsetEmbedding(m.CondFrames, m.TimeDim))
	}
	cs := pack.place(cond)
	if len(cond) == 0 {
		cs = zs // a valid pointer, never read
	}
	var err error
	if n.params, err = pack.upload(d, "EGTN"); err != nil {
		return fail(err)
	}
	n.p = paramSlices(n.params, spans)
	n.zeros, n.rel, n.relRef, n.cond = n.params.Slice(zs[0], zs[1]), n.params.Slice(rs[0], rs[1]), n.params.Slice(rr[0], rr[1]), n.params.Slice(cs[0], cs[1])

	// Activations for maxPoints examples of F frames.
	H, D, N, F := m.Hidden, m.SpatialDim, m.Nodes, len(frames)
	R := maxPoints * F * N
	E := R * (N - 1)
	T := maxPoints * m.Dim()
	sizes := []struct {
		b *Buffer
		n int
	}{{&n.emb, m.TimeDim}, {&n.xin, T}, {&n.xr, T}, {&n.tmp, T}, {&n.X, R * D}, {&n.X2, R * D}, {&n.dx, E * D},
		{&n.de, E * (1 + m.EdgeFeatures)}, {&n.hin, R * (m.NodeFeatures + m.TimeDim)}, {&n.h, R * H}, {&n.hm, R * 2 * H},
		{&n.na, R * H}, {&n.nb, R * H}, {&n.ce, E * H}, {&n.pre, E * H}, {&n.msg, E * H}, {&n.t1, E * H}, {&n.phi, E}, {&n.w, R},
		{&n.q, R * H}, {&n.k, R * H}, {&n.v, R * H}, {&n.psi, F * F * H}, {&n.att, maxPoints * N * F * F}}
	total := 0
	for _, s := range sizes {
		total += (s.n + paramAlign - 1) / paramAlign * paramAlign
	}
	if n.acts, err = d.Alloc(total); err != nil {
		return fail(fmt.Errorf("gpu: EGTN activations for %d examples: %w", maxPoints, err))
	}
	off := 0
	for _, s := range sizes {
		*s.b = n.acts.Slice(off, off+s.n)
		off += (s.n + paramAlign - 1) / paramAlign * paramAlign
	}
	return n, nil
}

// linear enqueues y [rows, out] = act(x [rows, in] W^T + b) for the Linear layer `name`.
func (n *egtnNet) linear(s *Stream, name string, y, x Buffer, rows, out, in int, act Activation) error {
	if err := s.linearF32(y, x, n.p[name+".weight"], n.p[name+".bias"], rows, out, in, act); err != nil {
		return fmt.Errorf("gpu: EGTN %s: %w", name, err)
	}
	return nil
}

// mlp enqueues y = actions.2(SiLU(actions.0(x))) (nn's two-layer MLP of EGTN) through t1.
func (n *egtnNet) mlp(s *Stream, name string, y, x Buffer, rows, out, in int, act Activation) error {
	H := n.m.Hidden
	if err := n.linear(s, name+".actions.0", n.t1.Slice(0, rows*H), x, rows, H, in, ActSiLU); err != nil {
		return err
	}
	return n.linear(s, name+".actions.2", y, n.t1.Slice(0, rows*H), rows, out, H, act)
}

// blocks enqueues the spatial and temporal layers sp.i and tp.i, i < layers, on the frames g: coordinates
// in X [R, D] and features in n.h, with the edge attributes already in n.de's columns 1.. and the frame
// offsets' embedding rel. It returns the buffer holding the final coordinates (X or n.X2).
func (n *egtnNet) blocks(s *Stream, g GraphFrames, X Buffer, rel Buffer, sp, tp string, layers int) (Buffer, error) {
	m := &n.m
	H, D, F := m.Hidden, m.SpatialDim, g.Frames
	R, E, ds := g.Rows(), g.EdgeRows(), 1+m.EdgeFeatures
	X, X2 := X.Slice(0, R*D), n.X2.Slice(0, R*D)
	if X.ptr == n.X2.ptr {
		X2 = n.X.Slice(0, R*D)
	}
	h, hm := n.h.Slice(0, R*H), n.hm.Slice(0, R*2*H)
	dx, de, pre, msg, phi := n.dx.Slice(0, E*D), n.de.Slice(0, E*ds), n.pre.Slice(0, E*H), n.msg.Slice(0, E*H), n.phi.Slice(0, E)
	q, k, v, w, att, psi := n.q.Slice(0, R*H), n.k.Slice(0, R*H), n.v.Slice(0, R*H), n.w.Slice(0, R), n.att.Slice(0, g.Groups()*F*F), n.psi.Slice(0, F*F*H)
	for i := 0; i < layers; i++ {
		es, et := fmt.Sprintf("%s.%d", sp, i), fmt.Sprintf("%s.%d", tp, i)
		// Spatial layer: the edge MLP's first Linear on [h_i, h_j, |dx|^2, e_ij] as W_i h_i + b + W_j h_j + W_e [...].
		if err := s.EdgeGeom(dx, de, X, g, D, ds); err != nil {
			return X, err
		}
		wt := n.p[es+".edge_mlp.actions.0.weight"] // [2H + ds, H]
		if err := s.linearF32(n.na.Slice(0, R*H), h, wt.Slice(0, H*H), n.p[es+".edge_mlp.actions.0.bias"], R, H, H, ActIdentity); err != nil {
			return X, err
		}
		if err := s.linearF32(n.nb.Slice(0, R*H), h, wt.Slice(H*H, 2*H*H), n.zeros, R, H, H, ActIdentity); err != nil {
			return X, err
		}
		if err := s.linearF32(n.ce.Slice(0, E*H), de, wt.Slice(2*H*H, (2*H+ds)*H), n.zeros, E, H, ds, ActIdentity); err != nil {
			return X, err
		}
		if err := s.EdgeCombineAct(pre, n.na.Slice(0, R*H), n.nb.Slice(0, R*H), n.ce.Slice(0, E*H), g, H, ActSiLU); err != nil {
			return X, err
		}
		if err := n.linear(s, es+".edge_mlp.actions.2", msg, pre, E, H, H, ActSiLU); err != nil {
			return X, err
		}
		if err := s.tileRows(hm, h, rowGather{B: 1, F: 1, P: R, W: H, YStride: 2 * H, SPS: H}); err != nil {
			return X, err
		}
		if err := s.SegmentSum(hm, msg, R, g.Nodes-1, H, 2*H, H); err != nil {
			return X, err
		}
		if err := n.mlp(s, es+".node_mlp", h, hm, R, H, 2*H, ActIdentity); err != nil {
			return X, err
		}
		if err := n.mlp(s, es+".coord_mlp", phi, msg, E, 1, H, ActIdentity); err != nil {
			return X, err
		}
		if err := s.EdgeCoordUpdate(X, X, dx, phi, g, D); err != nil {
			return X, err
		}
		// Temporal layer.
		if err := n.linear(s, et+".time_emb", psi, rel, F*F, H, m.TimeDim, ActIdentity); err != nil {
			return X, err
		}
		for _, qkv := range []struct {
			name string
			y    Buffer
		}{{"q", q}, {"k", k}, {"v", v}} {
			if err := n.mlp(s, et+"."+qkv.name+"_mlp", qkv.y, h, R, H, H, ActIdentity); err != nil {
				return X, err
			}
		}
		if err := n.mlp(s, et+".x_mlp", w, v, R, 1, H, ActIdentity); err != nil {
			return X, err
		}
		if err := s.RelAttnWeights(att, q, k, psi, g, H); err != nil {
			return X, err
		}
		if err := s.RelAttnApply(h, h, att, v, psi, g, H); err != nil {
			return X, err
		}
		if err := s.TemporalCoord(X2, X, att, w, g, D); err != nil {
			return X, err
		}
		X, X2 = X2, X
	}
	return X, nil
}

// edgeAttributes writes every frame's edge attributes from the condition rows into columns 1.. of n.de.
func (n *egtnNet) edgeAttributes(s *Stream, B, F int) error {
	m := &n.m
	if m.EdgeFeatures == 0 {
		return nil
	}
	N, ef := m.Nodes, m.EdgeFeatures
	return s.tileRows(n.de, n.cond, rowGather{B: B, F: F, P: N * (N - 1), W: ef, YBS: F * N * (N - 1), YStride: 1 + ef, YOff: 1,
		SBS: n.cstride, SOff: len(m.CondFrames)*N*m.SpatialDim + N*m.NodeFeatures, SPS: ef})
}

// forward implements deviceNet (EGTN ignores the keep flag, as nn's does).
func (n *egtnNet) forward(s *Stream, out, x Buffer, B int, xs, tau float64, _ bool) error {
	m := &n.m
	N, D, H, NF, TD := m.Nodes, m.SpatialDim, m.Hidden, m.NodeFeatures, m.TimeDim
	Tc, Tf := len(m.CondFrames), len(m.TargetFrames)
	F := Tc + Tf
	T := B * Tf * N * D
	tf := float32(tau) // nn's network time input is float32
	xin, xr := n.xin.Slice(0, T), n.xr.Slice(0, T)
	// The prior x_r.
	switch m.Prior {
	case "learned":
		gc := GraphFrames{Batch: B, Frames: Tc, Nodes: N}
		Rc := gc.Rows()
		if err := s.tileRows(n.X, n.cond, rowGather{B: B, F: 1, P: Tc * N, W: D, YBS: Tc * N, YStride: D, SBS: n.cstride, SPS: D}); err != nil {
			return err
		}
		if err := n.edgeAttributes(s, B, Tc); err != nil {
			return err
		}
		if err := s.tileRows(n.hin, n.cond, rowGather{B: B, F: Tc, P: N, W: NF, YBS: Tc * N, YStride: NF, SBS: n.cstride, SOff: Tc * N * D, SPS: NF}); err != nil {
			return err
		}
		if err := n.linear(s, "input_linear_ref", n.h.Slice(0, Rc*H), n.hin.Slice(0, Rc*NF), Rc, H, NF, ActIdentity); err != nil {
			return err
		}
		Xc, err := n.blocks(s, gc, n.X, n.relRef, "s_modules_ref", "t_modules_ref", m.PriorLayers)
		if err != nil {
			return err
		}
		if err := s.convexFrameMix(xr, Xc.Slice(0, Rc*D), n.h.Slice(0, Rc*H), n.p["ws"], B, Tc, Tf, N, D, H); err != nil {
			return err
		}
	case "com":
		if err := s.centroid(xr, n.cond, B, Tc*N, Tf*N, D, n.cstride); err != nil {
			return err
		}
	}
	// x_in = xs x + (1 - alpha(t)) x_r (nn's SignalMix; the coefficient in float32 as nn rounds it), or xs x.
	if err := s.Copy(xin, x.Slice(0, T)); err != nil {
		return err
	}
	if m.Prior == "none" {
		if err := s.Axpby(xin, 0, xin, xs); err != nil {
			return err
		}
		if Tc == 0 {
			if err := s.center(n.tmp.Slice(0, T), xin, B, Tf*N, D); err != nil {
				return err
			}
			xin = n.tmp.Slice(0, T)
		}
	} else {
		if err := s.Copy(xin, xr); err != nil {
			return err
		}
		c := float64(float32(1 - m.Alpha(float64(tf))))
		if err := s.Axpby(xin, xs, x.Slice(0, T), c); err != nil {
			return err
		}
	}
	// The node rows: condition frames then x_in, per example.
	g := GraphFrames{Batch: B, Frames: F, Nodes: N}
	R := g.Rows()
	if Tc > 0 {
		if err := s.tileRows(n.X, n.cond, rowGather{B: B, F: 1, P: Tc * N, W: D, YBS: F * N, YStride: D, SBS: n.cstride, SPS: D}); err != nil {
			return err
		}
	}
	if err := s.tileRows(n.X.Slice(Tc*N*D, n.X.n), xin, rowGather{B: B, F: 1, P: Tf * N, W: D, YBS: F * N, YStride: D, SBS: Tf * N * D, SPS: D}); err != nil {
		return err
	}
	if err := n.edgeAttributes(s, B, F); err != nil {
		return err
	}
	// h_0 = input_linear([nf | emb(TimeScale t)]) on every node row.
	ts := float64(float32(m.TimeScale) * tf)
	if err := s.d.do(func() error {
		return s.grid1(kNetInput, int64(TD), pArg(n.emb.ptr), pArg(n.emb.ptr), iArg(1), iArg(0), iArg(int64(TD)), iArg(0),
			fArg(1), fArg(ts), pArg(n.emb.ptr), iArg(0), pArg(n.emb.ptr), iArg(0), iArg(0))
	}); err != nil {
		return err
	}
	if NF > 0 {
		if err := s.tileRows(n.hin, n.cond, rowGather{B: B, F: F, P: N, W: NF, YBS: F * N, YStride: NF + TD, SBS: n.cstride, SOff: Tc * N * D, SPS: NF}); err != nil {
			return err
		}
	}
	if err := s.tileRows(n.hin, n.emb, rowGather{B: B, F: F, P: N, W: TD, YBS: F * N, YStride: NF + TD, YOff: NF}); err != nil {
		return err
	}
	if err := n.linear(s, "input_linear", n.h.Slice(0, R*H), n.hin.Slice(0, R*(NF+TD)), R, H, NF+TD, ActIdentity); err != nil {
		return err
	}
	X, err := n.blocks(s, g, n.X, n.rel, "s_modules", "t_modules", m.Layers)
	if err != nil {
		return err
	}
	// out = x_L - x_in on the target frames (centred without a prior or condition), plus Share(t) x_r.
	out = out.Slice(0, T)
	if err := s.tileRows(out, X.Slice(Tc*N*D, X.n), rowGather{B: B, F: 1, P: Tf * N, W: D, YBS: Tf * N, YStride: D, SBS: F * N * D, SPS: D}); err != nil {
		return err
	}
	if err := s.Axpby(out, -1, xin, 1); err != nil {
		return err
	}
	if m.Prior == "none" && Tc == 0 {
		if err := s.center(n.xr.Slice(0, T), out, B, Tf*N, D); err != nil {
			return err
		}
		if err := s.Copy(out, n.xr.Slice(0, T)); err != nil {
			return err
		}
	}
	if m.PriorOutput {
		c := float64(float32(1 - (1 - m.Share(float64(tf)))))
		if err := s.Axpby(out, c, xr, 1); err != nil {
			return err
		}
	}
	return nil
}

// close implements deviceNet.
func (n *egtnNet) close() error {
	first := n.d.freeAll(&n.params, &n.acts)
	n.p = nil
	return first
}

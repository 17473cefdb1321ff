//go:build cuda || trajdiff_cuda

package gpu

import (
	"fmt"
)

// transformerNet is a Transformer's parameters and activations on the device.
type transformerNet struct {
	d        *Device
	m        Transformer // configuration; Tensors dropped after the upload
	params   Buffer
	p        map[string]Buffer // device-layout parameters by state_dict name, slices of params
	freqs    Buffer            // the Fourier frequencies, or params itself (a valid pointer) when sinusoidal
	cond     Buffer            // the condition (a slice of params): one row, one row per point, or zero length
	perPoint bool              // cond holds one row per point
	// The conditioning path, slices of one allocation: emb [TimeDim], t_embed's hidden and output rows [D]
	// each (all points share t), SiLU(c) [maxRows, D], each block's modulation [maxRows, 6D] and the final
	// layer's [maxRows, 2D]; maxRows is maxPoints with per-point conditions, else 1.
	embed             Buffer
	emb, t1, tc, sc   Buffer
	mods              []Buffer
	finalMod          Buffer
	res, h, att, wide Buffer // activations: the residual stream, a normalised or branch output, attention's output [rows, D]; qkv or the MLP's hidden layer
}

// NewTransformerPredictor uploads a Transformer's parameters to d and allocates its activations for batches of
// up to maxPoints windows (Length x Channels values each); pz says how its output becomes x0. Every layer
// runs in exact float32 (opt.Precision must be FP32). A conditional network runs without its condition, with
// opt.Cond for every window or with opt.PointConds (one row per window); opt.Guidance adds the unconditional
// pass of classifier-free guidance.
func NewTransformerPredictor(d *Device, m *Transformer, pz Parameterization, maxPoints int, opt PredictorOptions) (*Predictor, error) {
	if err := checkNetwork(d, "Transformer", m.Validate, pz, opt); err != nil {
		return nil, err
	}
	if maxPoints < 1 || maxPoints > 65535 || maxPoints*m.Length > linearMaxRows {
		return nil, fmt.Errorf("gpu: Transformer predictor for %d windows (want 1 to 65535, and at most %d positions)", maxPoints, linearMaxRows)
	}
	cond, stride, err := opt.condition(m.CondDim, maxPoints)
	if err != nil {
		return nil, fmt.Errorf("%w (Transformer)", err)
	}
	n, err := newTransformerNet(d, m, maxPoints, cond, stride > 0)
	if err != nil {
		return nil, err
	}
	return newPredictor(d, n, m.Length*m.Channels, pz, maxPoints, opt.Guidance)
}

func newTransformerNet(d *Device, m *Transformer, maxPoints int, cond []float32, perPoint bool) (*transformerNet, error) {
	n := &transformerNet{d: d, m: *m, perPoint: perPoint}
	n.m.Tensors = nil
	fail := func(err error) (*transformerNet, error) {
		n.close()
		return nil, err
	}
	// Parameters in device layouts (Linear weights transposed to [in, out]), then the condition.
	var pack paramPack
	spans := pack.placeTensors(m.Tensors, m.tensorShapes(), linearsTransposed)
	cs := pack.place(cond)
	var err error
	if n.params, err = pack.upload(d, "Transformer"); err != nil {
		return fail(err)
	}
	n.p = paramSlices(n.params, spans)
	n.cond = n.params.Slice(cs[0], cs[1])
	n.freqs = n.params
	if m.Fourier {
		n.freqs = n.p["time_embed.freqs"]
	}
	// The conditioning path.
	D, R := m.Width, 1
	if perPoint {
		R = maxPoints
	}
	if n.embed, err = d.Alloc(m.TimeDim + 2*D + R*D*(1+6*m.Depth+2)); err != nil {
		return fail(fmt.Errorf("gpu: Transformer conditioning for %d rows: %w", R, err))
	}
	off := 0
	take := func(k int) Buffer { b := n.embed.Slice(off, off+k); off += k; return b }
	n.emb, n.t1, n.tc, n.sc = take(m.TimeDim), take(D), take(D), take(R*D)
	for i := 0; i < m.Depth; i++ {
		n.mods = append(n.mods, take(R*6*D))
	}
	n.finalMod = take(R * 2 * D)
	// Activations.
	rows := maxPoints * m.Length
	for _, b := range []struct {
		buf   *Buffer
		width int
	}{{&n.res, D}, {&n.h, D}, {&n.att, D}, {&n.wide, max(3*D, m.Hidden)}} {
		if *b.buf, err = d.Alloc(rows * b.width); err != nil {
			return fail(fmt.Errorf("gpu: Transformer activations for %d windows: %w", maxPoints, err))
		}
	}
	return n, nil
}

// linear enqueues y [rows, out] = act(x [rows, in] W^T + b) for the Linear layer `name`.
func (n *transformerNet) linear(s *Stream, name string, y, x Buffer, rows, out, in int, act Activation) error {
	if err := s.linearF32(y, x, n.p[name+".weight"], n.p[name+".bias"], rows, out, in, act); err != nil {
		return fmt.Errorf("gpu: Transformer %s: %w", name, err)
	}
	return nil
}

// conditioning enqueues SiLU(c) and every block's modulation for the batch and returns the number of
// conditioning rows (1, or npts with per-point conditions) and the modulations' stride factor (0 for a shared
// row, 1 for a row per window).
func (n *transformerNet) conditioning(s *Stream, npts int, tau float64, withCond bool) (int, int, error) {
	m := &n.m
	D := m.Width
	fourier := int64(0)
	if m.Fourier {
		fourier = 1
	}
	err := s.d.do(func() error {
		return s.grid1(kNetInput, int64(m.TimeDim), pArg(n.emb.ptr), pArg(n.emb.ptr), iArg(1), iArg(0), iArg(int64(m.TimeDim)), iArg(0),
			fArg(1), fArg(tau), pArg(n.freqs.ptr), iArg(fourier), pArg(n.emb.ptr), iArg(0), iArg(0))
	})
	if err != nil {
		return 0, 0, err
	}
	if err := n.linear(s, "t_embed.mlp.0", n.t1, n.emb, 1, D, m.TimeDim, ActSiLU); err != nil {
		return 0, 0, err
	}
	if err := n.linear(s, "t_embed.mlp.2", n.tc, n.t1, 1, D, D, ActIdentity); err != nil {
		return 0, 0, err
	}
	R, per := 1, 0
	sc := n.sc.Slice(0, D)
	if withCond && n.cond.n > 0 {
		// c = cond_embed(cond) + t_embed(t) (keep 1), then SiLU, per condition row.
		if n.perPoint {
			R, per = npts, 1
		}
		sc = n.sc.Slice(0, R*D)
		if err := n.linear(s, "cond_embed", sc, n.cond.Slice(0, R*m.CondDim), R, D, m.CondDim, ActIdentity); err != nil {
			return 0, 0, err
		}
	} else if err := s.Fill(sc, 0); err != nil { // keep 0: c = t_embed(t)
		return 0, 0, err
	}
	if err := s.d.do(func() error {
		return s.grid1(kBiasAct, int64(R*D), pArg(sc.ptr), pArg(n.tc.ptr), iArg(int64(R)), iArg(int64(D)), iArg(int64(ActSiLU)), iArg(0))
	}); err != nil {
		return 0, 0, err
	}
	for i := range n.mods {
		name := fmt.Sprintf("blocks.%d.adaLN_modulation.1", i)
		if err := n.linear(s, name, n.mods[i].Slice(0, R*6*D), sc, R, 6*D, D, ActIdentity); err != nil {
			return 0, 0, err
		}
	}
	if err := n.linear(s, "final_layer.adaLN_modulation.1", n.finalMod.Slice(0, R*2*D), sc, R, 2*D, D, ActIdentity); err != nil {
		return 0, 0, err
	}
	return R, per, nil
}

// forward implements deviceNet.
func (n *transformerNet) forward(s *Stream, out, x Buffer, npts int, xs, tau float64, withCond bool) error {
	m := &n.m
	D, L, rows := m.Width, m.Length, npts*m.Length
	R, per, err := n.conditioning(s, npts, tau, withCond)
	if err != nil {
		return err
	}
	res, h, att := n.res.Slice(0, rows*D), n.h.Slice(0, rows*D), n.att.Slice(0, rows*D)
	if err := s.TokenEmbed(res, x, n.p["x_embed.weight"], n.p["x_embed.bias"], n.p["pos_embed"], rows, L, m.Channels, D, xs); err != nil {
		return fmt.Errorf("gpu: Transformer x_embed: %w", err)
	}
	mod := Modulation{Rows: rows, Channels: D, Positions: L, Stride: per * 6 * D}
	shape := AttentionShape{Batch: npts, Length: L, Heads: m.Heads, HeadDim: D / m.Heads, Causal: m.Causal}
	for i, modb := range n.mods {
		b := fmt.Sprintf("blocks.%d", i)
		modb = modb.Slice(0, R*6*D)
		// h += gate1 proj(attn(qkv(LN(h) (1 + scale1) + shift1)))
		if err := s.LayerNormModulate(h, res, modb, mod, 0, D, transformerEps); err != nil {
			return fmt.Errorf("gpu: Transformer %s: %w", b, err)
		}
		qkv := n.wide.Slice(0, rows*3*D)
		if err := n.linear(s, b+".attn.qkv", qkv, h, rows, 3*D, D, ActIdentity); err != nil {
			return err
		}
		if err := s.Attention(att, qkv, shape); err != nil {
			return fmt.Errorf("gpu: Transformer %s.attn: %w", b, err)
		}
		if err := n.linear(s, b+".attn.proj", h, att, rows, D, D, ActIdentity); err != nil {
			return err
		}
		if err := s.GatedAdd(res, h, modb, mod, 2*D); err != nil {
			return fmt.Errorf("gpu: Transformer %s: %w", b, err)
		}
		// h += gate2 fc2(GELU(fc1(LN(h) (1 + scale2) + shift2)))
		if err := s.LayerNormModulate(h, res, modb, mod, 3*D, 4*D, transformerEps); err != nil {
			return fmt.Errorf("gpu: Transformer %s: %w", b, err)
		}
		hid := n.wide.Slice(0, rows*m.Hidden)
		if err := n.linear(s, b+".mlp.fc1", hid, h, rows, m.Hidden, D, ActGELU); err != nil {
			return err
		}
		if err := n.linear(s, b+".mlp.fc2", h, hid, rows, D, m.Hidden, ActIdentity); err != nil {
			return err
		}
		if err := s.GatedAdd(res, h, modb, mod, 5*D); err != nil {
			return fmt.Errorf("gpu: Transformer %s: %w", b, err)
		}
	}
	fm := Modulation{Rows: rows, Channels: D, Positions: L, Stride: per * 2 * D}
	if err := s.LayerNormModulate(h, res, n.finalMod.Slice(0, R*2*D), fm, 0, D, transformerEps); err != nil {
		return fmt.Errorf("gpu: Transformer final_layer: %w", err)
	}
	return n.linear(s, "final_layer.linear", out, h, rows, m.Channels, D, ActIdentity)
}

// close implements deviceNet.
func (n *transformerNet) close() error {
	first := n.d.freeAll(&n.params, &n.embed, &n.res, &n.h, &n.att, &n.wide)
	n.p = nil
	return first
}

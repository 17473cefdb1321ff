//go:build cuda || trajdiff_cuda

package gpu

import (
	"fmt"
	"strings"
)

// unet3dNet is a Unet3D's parameters and activations on the device.
type unet3dNet struct {
	d      *Device
	u      Unet3D // configuration; Tensors dropped after the upload
	blocks map[string]u3Block
	order  []u3Block // the blocks in evaluation order (the time projections are enqueued in it)
	params Buffer
	p      map[string]Buffer // device-layout parameters by state_dict name, slices of params
	zero   Buffer            // zeros, the bias of the bias-free projections (a slice of params)
	bias   Buffer            // the temporal attentions' relative position bias [heads, F, F] (a slice of params)
	// Time path (one row: every example shares t), slices of one allocation: emb [d], hidden [4d],
	// SiLU(time MLP) [4d], then each time-conditioned block's [scale | shift] [2 out].
	time  Buffer
	mod   map[string]Buffer
	skips []Buffer  // one per resolution, in order
	init  Buffer    // the features after the initial temporal attention (the final block's skip)
	work  [6]Buffer // activations, each maxPoints*activationSize
	ctx   Buffer    // the linear attention's per-head contexts
	xin   Buffer    // the scaled input (EDM's c_in)
	prec  Precision // of every convolution and Linear layer: FP32, TF32 or BF16
}

// NewUnet3DPredictor uploads a Unet3D's parameters to d and allocates its activations for batches of up to
// maxPoints videos (Channels x Frames x Height x Width values each, channels first); pz says how its output
// becomes x0. Every convolution and Linear layer runs in opt.Precision, FP32 (exact float32, the default),
// TF32 or BF16 (tile_tf32.cuh, tile_bf16.cuh on the tensor cores; the attentions and norms stay float32); the network takes no
// condition, so opt must set none and no guidance. The spatial attentions run one sequence per frame, at most
// 65535 of them (maxPoints Frames).
func NewUnet3DPredictor(d *Device, u *Unet3D, pz Parameterization, maxPoints int, opt PredictorOptions) (*Predictor, error) {
	if err := checkNetworkPrec(d, "Unet3D", u.Validate, pz, opt, TF32, BFloat16); err != nil {
		return nil, err
	}
	if maxPoints < 1 || maxPoints*u.Frames > attentionMaxBatch || maxPoints*u.Frames*u.Height*u.Width > linearMaxRows {
		return nil, fmt.Errorf("gpu: Unet3D predictor for %d videos (want at least 1, at most %d frames and %d voxels)",
			maxPoints, attentionMaxBatch, linearMaxRows)
	}
	if _, _, err := opt.condition(0, maxPoints); err != nil {
		return nil, fmt.Errorf("%w (Unet3D takes no condition vector)", err)
	}
	n, err := newUnet3dNet(d, u, maxPoints)
	if err != nil {
		return nil, err
	}
	n.prec = opt.Precision
	return newPredictor(d, n, u.Channels*u.Frames*u.Height*u.Width, pz, maxPoints, 0)
}

// unet3dLayout converts a state_dict tensor to its device layout: Conv3d weights [k^3 in, out], the
// downsamplers' per-frame Conv2d [16 in, out], the upsamplers' ConvTranspose2d [16 in, out], 1x1(x1)
// convolutions and Linear weights [in, out]; the rest (biases, norms, the rotary frequencies, the relative
// position table) as they are.
func unet3dLayout(name string, sh []int, v []float32) []float32 {
	if !strings.HasSuffix(name, ".weight") || name == unet3dRelPosName {
		return v
	}
	switch {
	case len(sh) == 2 || (len(sh) >= 4 && sh[len(sh)-1] == 1 && sh[len(sh)-2] == 1):
		return transposeLinear(v, sh[0], sh[1])
	case len(sh) == 5 && sh[2] == 1 && strings.HasPrefix(name, "ups."): // the upsamplers, ups.j.4
		return ConvTranspose2dDeviceWeight(v, sh[0], sh[1], sh[4])
	case len(sh) == 5 && sh[2] == 1: // the downsamplers, downs.i.4
		return Conv2dDeviceWeight(v, sh[0], sh[1], sh[3], sh[4])
	case len(sh) == 5:
		return Conv3dDeviceWeight(v, sh[0], sh[1], sh[2])
	}
	return v
}

func newUnet3dNet(d *Device, u *Unet3D, maxPoints int) (*unet3dNet, error) {
	n := &unet3dNet{d: d, u: *u, blocks: map[string]u3Block{}, mod: map[string]Buffer{}}
	n.u.Tensors = nil
	n.u.DimMults = append([]int(nil), u.DimMults...)
	n.order = u.blocks()
	for _, b := range n.order {
		n.blocks[b.name] = b
	}
	fail := func(err error) (*unet3dNet, error) {
		n.close()
		return nil, err
	}
	var pack paramPack
	spans := pack.placeTensors(u.Tensors, u.tensorShapes(), unet3dLayout)
	hid := u.AttnHeads * max(u.AttnDimHead, u.SpatialDimHead)
	zspan := pack.place(make([]float32, 3*hid))
	var bspan [2]int
	if u.TemporalAttention {
		bspan = pack.place(u.relPosBias())
	}
	var err error
	if n.params, err = pack.upload(d, "Unet3D"); err != nil {
		return fail(err)
	}
	n.p = paramSlices(n.params, spans)
	n.zero = n.params.Slice(zspan[0], zspan[1])
	if u.TemporalAttention {
		n.bias = n.params.Slice(bspan[0], bspan[1])
	}
	dim := u.Dim
	modTotal := 0
	for _, b := range n.order {
		if b.time {
			modTotal += 2 * b.out
		}
	}
	if n.time, err = d.Alloc(9*dim + modTotal); err != nil {
		return fail(fmt.Errorf("gpu: Unet3D time path: %w", err))
	}
	off := 9 * dim
	for _, b := range n.order {
		if b.time {
			n.mod[b.name] = n.time.Slice(off, off+2*b.out)
			off += 2 * b.out
		}
	}
	dims := u.widths()
	alloc := func(what string, size int) (Buffer, error) {
		b, err := d.Alloc(size)
		if err != nil {
			return Buffer{}, fmt.Errorf("gpu: Unet3D %s for %d videos: %w", what, maxPoints, err)
		}
		return b, nil
	}
	for i := range u.DimMults {
		sk, err := alloc("skips", maxPoints*u.Frames*(u.Height>>i)*(u.Width>>i)*dims[i+1])
		if err != nil {
			return fail(err)
		}
		n.skips = append(n.skips, sk)
	}
	vox := u.Frames * u.Height * u.Width
	if n.init, err = alloc("initial features", maxPoints*vox*dim); err != nil {
		return fail(err)
	}
	for i := range n.work {
		if n.work[i], err = alloc("activations", maxPoints*u.activationSize()); err != nil {
			return fail(err)
		}
	}
	if n.ctx, err = alloc("attention contexts", maxPoints*u.Frames*u.AttnHeads*u.SpatialDimHead*u.SpatialDimHead); err != nil {
		return fail(err)
	}
	if n.xin, err = alloc("input", maxPoints*u.Channels*vox); err != nil {
		return fail(err)
	}
	return n, nil
}

// free returns a work buffer, sliced to size, that is none of the given buffers. At most four are busy at
// once (a block's input, output and two intermediates; an attention's input and three intermediates).
func (n *unet3dNet) free(size int, busy ...Buffer) (Buffer, error) {
	return freeWork(n.work[:], size, "Unet3D", busy)
}

// proj enqueues y [rows, out] = x [rows, in] W + bias, a Linear or pointwise convolution on channels-last
// voxels (bias the zero vector when the layer has none).
func (n *unet3dNet) proj(s *Stream, name string, y, x Buffer, rows, in, out int) error {
	b, ok := n.p[name+".bias"]
	if !ok {
		b = n.zero.Slice(0, out)
	}
	return s.linearIn(n.prec, y, x, n.p[name+".weight"], b, rows, out, in, ActIdentity)
}

// block enqueues the ResnetBlock `name` on npts videos of V = F h w voxels.
func (n *unet3dNet) block(s *Stream, name string, y, x Buffer, npts, h, w int) error {
	b := n.blocks[name]
	F, G := n.u.Frames, n.u.Groups
	V := F * h * w
	rows := npts * V
	t, err := n.free(rows*b.out, x, y)
	if err != nil {
		return err
	}
	g, err := n.free(rows*b.out, x, y, t)
	if err != nil {
		return err
	}
	conv := func(i int, dst, src Buffer, in int, act Activation) error {
		p := fmt.Sprintf("%s.block%d", name, i)
		c := Conv3dShape{Batch: npts, Frames: F, Height: h, Width: w, In: in, Out: b.out, Kernel: 3}
		if err := s.conv3dIn(n.prec, dst, src, n.p[p+".proj.weight"], n.p[p+".proj.bias"], c, ActIdentity); err != nil {
			return err
		}
		return s.GroupNormAct(dst, dst, n.p[p+".norm.weight"], n.p[p+".norm.bias"], npts, V, b.out, G, 1e-5, act)
	}
	first := ActSiLU
	if b.time {
		first = ActIdentity
	}
	if err := conv(1, t, x, b.in, first); err != nil {
		return err
	}
	if b.time {
		if err := s.ModulateAct(t, t, n.mod[name], rows, b.out, ActSiLU); err != nil {
			return err
		}
	}
	if err := conv(2, g, t, b.out, ActSiLU); err != nil {
		return err
	}
	if b.in == b.out {
		return s.Combine(y, Term{Coef: 1, Buf: g}, Term{Coef: 1, Buf: x})
	}
	if err := n.proj(s, name+".res_conv", y, x, rows, b.in, b.out); err != nil {
		return err
	}
	return s.Combine(y, Term{Coef: 1, Buf: g}, Term{Coef: 1, Buf: y})
}

// attention enqueues the attention block a in place on x [npts, F, h, w, dim]: x += to_out(attn(to_qkv(LN(x)))),
// the spatial ones per frame, the temporal one per pixel (frames moved next to the channels first).
func (n *unet3dNet) attention(s *Stream, a u3Attn, x Buffer, npts, h, w int) error {
	u := &n.u
	F, P := u.Frames, h*w
	rows := npts * F * P
	dh, pre := u.SpatialDimHead, a.name+".fn.fn.fn"
	switch a.kind {
	case u3Linear:
		pre = a.name + ".fn.fn"
	case u3Temporal:
		dh = u.AttnDimHead
	}
	hid := u.AttnHeads * dh
	ln, err := n.free(rows*a.dim, x)
	if err != nil {
		return err
	}
	if err := s.LayerNormRows(ln, x, n.p[a.name+".fn.norm.gamma"], rows, a.dim, 1e-5); err != nil {
		return err
	}
	src := ln
	if a.kind == u3Temporal { // [npts, F, P, dim] -> [npts, P, F, dim]
		if src, err = n.free(rows*a.dim, x, ln); err != nil {
			return err
		}
		if err := s.SwapMid(src, ln, npts, F, P, a.dim); err != nil {
			return err
		}
	}
	qkv, err := n.free(rows*3*hid, x, src)
	if err != nil {
		return err
	}
	if err := n.proj(s, pre+".to_qkv", qkv, src, rows, a.dim, 3*hid); err != nil {
		return err
	}
	o, err := n.free(rows*hid, x, qkv)
	if err != nil {
		return err
	}
	switch a.kind {
	case u3Linear:
		sh := AttentionShape{Batch: npts * F, Length: P, Heads: u.AttnHeads, HeadDim: dh}
		err = s.LinearAttention(o, qkv, n.ctx.Slice(0, npts*F*hid*dh), sh)
	case u3Full:
		err = s.Attention(o, qkv, AttentionShape{Batch: npts * F, Length: P, Heads: u.AttnHeads, HeadDim: dh})
	case u3Temporal:
		sh := AttentionShape{Batch: npts * P, Length: F, Heads: u.AttnHeads, HeadDim: dh}
		if err = s.Rotary(qkv, n.p[pre+".rotary_emb.freqs"], sh); err == nil {
			err = s.BiasedAttention(o, qkv, n.bias, sh)
		}
	}
	if err != nil {
		return err
	}
	y, err := n.free(rows*a.dim, x, o)
	if err != nil {
		return err
	}
	if err := n.proj(s, pre+".to_out", y, o, rows, hid, a.dim); err != nil {
		return err
	}
	if a.kind == u3Temporal { // back to [npts, F, P, dim]
		back, err := n.free(rows*a.dim, x, y)
		if err != nil {
			return err
		}
		if err := s.SwapMid(back, y, npts, P, F, a.dim); err != nil {
			return err
		}
		y = back
	}
	return s.Combine(x, Term{Coef: 1, Buf: x}, Term{Coef: 1, Buf: y})
}

// attend enqueues the level's attentions of the given names (those switched on) in place on x.
func (n *unet3dNet) attend(s *Stream, x Buffer, npts, h, w int, names ...string) error {
	for _, a := range n.u.attentions() {
		for _, name := range names {
			if a.name == name {
				if err := n.attention(s, a, x, npts, h, w); err != nil {
					return fmt.Errorf("gpu: Unet3D %s: %w", name, err)
				}
			}
		}
	}
	return nil
}

// forward implements deviceNet.
func (n *unet3dNet) forward(s *Stream, out, x Buffer, npts int, xs, tau float64, _ bool) error {
	u := &n.u
	dim, levels, dims := u.Dim, len(u.DimMults), u.widths()
	F, H, W, C := u.Frames, u.Height, u.Width, u.Channels
	src := x
	if xs != 1 {
		src = n.xin.Slice(0, x.n)
		if err := s.Combine(src, Term{Coef: xs, Buf: x}); err != nil {
			return err
		}
	}
	// The time MLP on one row, SiLU applied for the blocks, and every time-conditioned block's [scale | shift].
	emb, hid, semb := n.time.Slice(0, dim), n.time.Slice(dim, 5*dim), n.time.Slice(5*dim, 9*dim)
	err := s.d.do(func() error {
		return s.grid1(kNetInput, int64(dim), pArg(emb.ptr), pArg(emb.ptr), iArg(1), iArg(0), iArg(int64(dim)), iArg(0),
			fArg(1), fArg(tau), pArg(emb.ptr), iArg(0), pArg(emb.ptr), iArg(0), iArg(0))
	})
	if err != nil {
		return err
	}
	if err := s.linearIn(n.prec, hid, emb, n.p["time_mlp.1.weight"], n.p["time_mlp.1.bias"], 1, 4*dim, dim, ActGELU); err != nil {
		return err
	}
	if err := s.linearIn(n.prec, semb, hid, n.p["time_mlp.3.weight"], n.p["time_mlp.3.bias"], 1, 4*dim, 4*dim, ActSiLU); err != nil {
		return err
	}
	for _, b := range n.order {
		if !b.time {
			continue
		}
		if err := s.linearIn(n.prec, n.mod[b.name], semb, n.p[b.name+".mlp.1.weight"], n.p[b.name+".mlp.1.bias"], 1, 2*b.out, 4*dim, ActIdentity); err != nil {
			return err
		}
	}
	wrap := func(what string, err error) error { return fmt.Errorf("gpu: Unet3D %s: %w", what, err) }
	// Channels last, the initial convolution and temporal attention.
	V := F * H * W
	xl, err := n.free(npts * V * C)
	if err != nil {
		return err
	}
	if err := s.PermuteInner(xl, src, npts, C, V); err != nil {
		return err
	}
	r := n.init.Slice(0, npts*V*dim)
	ic := Conv3dShape{Batch: npts, Frames: F, Height: H, Width: W, In: C, Out: dim, Kernel: u.InitKernel}
	if err := s.conv3dIn(n.prec, r, xl, n.p["init_conv.weight"], n.p["init_conv.bias"], ic, ActIdentity); err != nil {
		return wrap("init_conv", err)
	}
	if err := n.attend(s, r, npts, H, W, "init_temporal_attn"); err != nil {
		return err
	}
	h, hh, hw := r, H, W
	for i := 0; i < levels; i++ {
		o := dims[i+1]
		rows := npts * F * hh * hw
		name := fmt.Sprintf("downs.%d", i)
		t, err := n.free(rows*o, h)
		if err != nil {
			return err
		}
		if err := n.block(s, name+".0", t, h, npts, hh, hw); err != nil {
			return wrap(name+".0", err)
		}
		sk := n.skips[i].Slice(0, rows*o)
		if err := n.block(s, name+".1", sk, t, npts, hh, hw); err != nil {
			return wrap(name+".1", err)
		}
		if err := n.attend(s, sk, npts, hh, hw, name+".2", name+".3"); err != nil {
			return err
		}
		h = sk
		if i < levels-1 {
			c := Conv2dShape{Batch: npts * F, Height: hh, Width: hw, In: o, Out: o, Kernel: 4, Stride: 2, Padding: 1}
			if h, err = n.free(npts*F*c.OutHeight()*c.OutWidth()*o, sk); err != nil {
				return err
			}
			if err := s.conv2dIn(n.prec, h, sk, n.p[name+".4.weight"], n.p[name+".4.bias"], c, ActIdentity); err != nil {
				return wrap(name+".4", err)
			}
			hh, hw = c.OutHeight(), c.OutWidth()
		}
	}
	mid := dims[levels]
	rows := npts * F * hh * hw
	m1, err := n.free(rows*mid, h)
	if err != nil {
		return err
	}
	if err := n.block(s, "mid_block1", m1, h, npts, hh, hw); err != nil {
		return wrap("mid_block1", err)
	}
	if err := n.attend(s, m1, npts, hh, hw, "mid_spatial_attn", "mid_temporal_attn"); err != nil {
		return err
	}
	if h, err = n.free(rows*mid, m1); err != nil {
		return err
	}
	if err := n.block(s, "mid_block2", h, m1, npts, hh, hw); err != nil {
		return wrap("mid_block2", err)
	}
	for j := 0; j < levels; j++ {
		in, o := dims[levels-1-j], dims[levels-j]
		rows := npts * F * hh * hw
		name := fmt.Sprintf("ups.%d", j)
		cat, err := n.free(rows*2*o, h)
		if err != nil {
			return err
		}
		if err := s.ConcatChannels(cat, h, n.skips[levels-1-j].Slice(0, rows*o), rows, o, o); err != nil {
			return wrap(name+" skip", err)
		}
		t, err := n.free(rows*in, cat)
		if err != nil {
			return err
		}
		if err := n.block(s, name+".0", t, cat, npts, hh, hw); err != nil {
			return wrap(name+".0", err)
		}
		if h, err = n.free(rows*in, t); err != nil {
			return err
		}
		if err := n.block(s, name+".1", h, t, npts, hh, hw); err != nil {
			return wrap(name+".1", err)
		}
		if err := n.attend(s, h, npts, hh, hw, name+".2", name+".3"); err != nil {
			return err
		}
		if j < levels-1 {
			c := ConvTranspose2dShape{Batch: npts * F, Height: hh, Width: hw, In: in, Out: in, Kernel: 4, Stride: 2, Padding: 1}
			up, err := n.free(npts*F*c.OutHeight()*c.OutWidth()*in, h)
			if err != nil {
				return err
			}
			if err := s.convTranspose2dIn(n.prec, up, h, n.p[name+".4.weight"], n.p[name+".4.bias"], c, ActIdentity); err != nil {
				return wrap(name+".4", err)
			}
			h, hh, hw = up, c.OutHeight(), c.OutWidth()
		}
	}
	cat, err := n.free(npts*V*2*dim, h)
	if err != nil {
		return err
	}
	if err := s.ConcatChannels(cat, h, r, npts*V, dim, dim); err != nil {
		return wrap("final skip", err)
	}
	f, err := n.free(npts*V*dim, cat)
	if err != nil {
		return err
	}
	if err := n.block(s, "final_conv.0", f, cat, npts, H, W); err != nil {
		return wrap("final_conv.0", err)
	}
	y, err := n.free(npts*V*C, f)
	if err != nil {
		return err
	}
	if err := n.proj(s, "final_conv.1", y, f, npts*V, dim, C); err != nil {
		return wrap("final_conv.1", err)
	}
	return s.PermuteInner(out, y, npts, V, C)
}

// close implements deviceNet.
func (n *unet3dNet) close() error {
	bufs := []*Buffer{&n.params, &n.time, &n.init, &n.ctx, &n.xin}
	for i := range n.work {
		bufs = append(bufs, &n.work[i])
	}
	for i := range n.skips {
		bufs = append(bufs, &n.skips[i])
	}
	first := n.d.freeAll(bufs...)
	n.p, n.mod = nil, nil
	return first
}

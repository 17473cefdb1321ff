//go:build cuda || trajdiff_cuda

package gpu

import (
	"fmt"
	"strings"
)

// unet2dNet is a Unet2D's parameters and activations on the device.
type unet2dNet struct {
	d      *Device
	u      Unet2D // configuration; Tensors dropped after the upload
	blocks map[string]u2Block
	order  []u2Block // the blocks in evaluation order (the time projections are enqueued in it)
	params Buffer
	p      map[string]Buffer // device-layout parameters by state_dict name, slices of params
	zero   Buffer            // zeros, the bias of the bias-free qkv projections (a slice of params)
	// Time path (one row: every example shares t), slices of one allocation: emb [d], hidden [4d],
	// SiLU(time MLP) [4d], then each block's [scale | shift] [2 out].
	time  Buffer
	mod   map[string]Buffer
	skips []Buffer  // the down path's 2 per resolution, in order
	init  Buffer    // the initial convolution's output (the final block's skip)
	work  [6]Buffer // activations, each maxPoints*activationSize
	ctx   Buffer    // the linear attention's per-head contexts
	xin   Buffer    // the scaled input (EDM's c_in)
	prec  Precision // of every convolution and Linear layer: FP32, TF32 or BF16
}

// NewUnet2DPredictor uploads a Unet2D's parameters to d and allocates its activations for batches of up to
// maxPoints images (Channels x Height x Width values each, channels first); pz says how its output becomes
// x0. Every convolution and Linear layer runs in opt.Precision, FP32 (exact float32, the default), TF32 or
// BF16 (tile_tf32.cuh, tile_bf16.cuh on the tensor cores; the attentions and norms stay float32); the network takes no condition, so
// opt must set none and no guidance.
func NewUnet2DPredictor(d *Device, u *Unet2D, pz Parameterization, maxPoints int, opt PredictorOptions) (*Predictor, error) {
	if err := checkNetworkPrec(d, "Unet2D", u.Validate, pz, opt, TF32, BFloat16); err != nil {
		return nil, err
	}
	if maxPoints < 1 || maxPoints > 65535 || maxPoints*u.Height*u.Width > linearMaxRows {
		return nil, fmt.Errorf("gpu: Unet2D predictor for %d images (want 1 to 65535, and at most %d pixels)", maxPoints, linearMaxRows)
	}
	if _, _, err := opt.condition(0, maxPoints); err != nil {
		return nil, fmt.Errorf("%w (Unet2D takes no condition vector)", err)
	}
	n, err := newUnet2dNet(d, u, maxPoints)
	if err != nil {
		return nil, err
	}
	n.prec = opt.Precision
	return newPredictor(d, n, u.Channels*u.Height*u.Width, pz, maxPoints, 0)
}

func newUnet2dNet(d *Device, u *Unet2D, maxPoints int) (*unet2dNet, error) {
	n := &unet2dNet{d: d, u: *u, blocks: map[string]u2Block{}, mod: map[string]Buffer{}}
	n.u.Tensors = nil
	n.u.DimMults = append([]int(nil), u.DimMults...)
	blocks := u.blocks()
	n.order = blocks
	for _, b := range blocks {
		n.blocks[b.name] = b
	}
	fail := func(err error) (*unet2dNet, error) {
		n.close()
		return nil, err
	}
	// Parameters in device layouts, in name order, each aligned: convolutions [k k in, out], Linear weights
	// [in, out], the rest as they are; then the zero bias.
	var pack paramPack
	spans := pack.placeTensors(u.Tensors, u.tensorShapes(), func(name string, sh []int, v []float32) []float32 {
		switch {
		case len(sh) == 4 && strings.HasSuffix(name, ".weight"):
			return Conv2dDeviceWeight(v, sh[0], sh[1], sh[2], sh[3])
		case len(sh) == 2:
			return transposeLinear(v, sh[0], sh[1])
		}
		return v
	})
	zspan := pack.place(make([]float32, 3*u.hidden()))
	var err error
	if n.params, err = pack.upload(d, "Unet2D"); err != nil {
		return fail(err)
	}
	n.p = paramSlices(n.params, spans)
	n.zero = n.params.Slice(zspan[0], zspan[1])
	// The time path.
	dim := u.Dim
	modTotal := 0
	for _, b := range blocks {
		modTotal += 2 * b.out
	}
	if n.time, err = d.Alloc(9*dim + modTotal); err != nil {
		return fail(fmt.Errorf("gpu: Unet2D time path: %w", err))
	}
	off := 9 * dim
	for _, b := range blocks {
		n.mod[b.name] = n.time.Slice(off, off+2*b.out)
		off += 2 * b.out
	}
	// Activations: the skips, the initial features, the work buffers, the attention contexts, the input.
	dims := u.widths()
	alloc := func(what string, size int) (Buffer, error) {
		b, err := d.Alloc(size)
		if err != nil {
			return Buffer{}, fmt.Errorf("gpu: Unet2D %s for %d images: %w", what, maxPoints, err)
		}
		return b, nil
	}
	for i := range u.DimMults {
		for range 2 {
			sk, err := alloc("skips", maxPoints*(u.Height>>i)*(u.Width>>i)*dims[i])
			if err != nil {
				return fail(err)
			}
			n.skips = append(n.skips, sk)
		}
	}
	if n.init, err = alloc("initial features", maxPoints*u.Height*u.Width*dim); err != nil {
		return fail(err)
	}
	for i := range n.work {
		if n.work[i], err = alloc("activations", maxPoints*u.activationSize()); err != nil {
			return fail(err)
		}
	}
	if n.ctx, err = alloc("attention contexts", maxPoints*u.AttnHeads*u.AttnDimHead*u.AttnDimHead); err != nil {
		return fail(err)
	}
	if n.xin, err = alloc("input", maxPoints*u.Channels*u.Height*u.Width); err != nil {
		return fail(err)
	}
	return n, nil
}

// free returns a work buffer, sliced to size, that is none of the given buffers. At most five are busy at
// once (a block's input, output and intermediates; an attention's input, normalised input, projections and
// output), so one of the six is always free.
func (n *unet2dNet) free(size int, busy ...Buffer) (Buffer, error) {
	return freeWork(n.work[:], size, "Unet2D", busy)
}

// conv3 enqueues y = conv3x3(x) + bias (padding 1) over npts images of h x w pixels.
func (n *unet2dNet) conv3(s *Stream, name string, y, x Buffer, npts, h, w, in, out int) error {
	c := Conv2dShape{Batch: npts, Height: h, Width: w, In: in, Out: out, Kernel: 3, Stride: 1, Padding: 1}
	return s.conv2dIn(n.prec, y, x, n.p[name+".weight"], n.p[name+".bias"], c, ActIdentity)
}

// conv1 enqueues y [rows, out] = x [rows, in] W + bias, a 1x1 convolution on channels-last pixels (bias the
// zero vector when the layer has none).
func (n *unet2dNet) conv1(s *Stream, name string, y, x Buffer, rows, in, out int) error {
	b, ok := n.p[name+".bias"]
	if !ok {
		b = n.zero.Slice(0, out)
	}
	return s.linearIn(n.prec, y, x, n.p[name+".weight"], b, rows, out, in, ActIdentity)
}

// block enqueues the ResnetBlock `name` on npts images of P = h w pixels: y = SiLU(GN(conv(t))) + skip,
// t = SiLU(GN(conv(x)) (1 + scale) + shift).
func (n *unet2dNet) block(s *Stream, name string, y, x Buffer, npts, h, w int) error {
	b := n.blocks[name]
	P := h * w
	rows := npts * P
	t, err := n.free(rows*b.out, x, y)
	if err != nil {
		return err
	}
	g, err := n.free(rows*b.out, x, y, t)
	if err != nil {
		return err
	}
	G := n.u.Groups
	if err := n.conv3(s, name+".block1.proj", t, x, npts, h, w, b.in, b.out); err != nil {
		return err
	}
	if err := s.GroupNormAct(t, t, n.p[name+".block1.norm.weight"], n.p[name+".block1.norm.bias"], npts, P, b.out, G, 1e-5, ActIdentity); err != nil {
		return err
	}
	if err := s.ModulateAct(t, t, n.mod[name], rows, b.out, ActSiLU); err != nil {
		return err
	}
	if err := n.conv3(s, name+".block2.proj", g, t, npts, h, w, b.out, b.out); err != nil {
		return err
	}
	if err := s.GroupNormAct(g, g, n.p[name+".block2.norm.weight"], n.p[name+".block2.norm.bias"], npts, P, b.out, G, 1e-5, ActSiLU); err != nil {
		return err
	}
	if b.in == b.out {
		return s.Combine(y, Term{Coef: 1, Buf: g}, Term{Coef: 1, Buf: x})
	}
	if err := n.conv1(s, name+".res_conv", y, x, rows, b.in, b.out); err != nil {
		return err
	}
	return s.Combine(y, Term{Coef: 1, Buf: g}, Term{Coef: 1, Buf: y})
}

// attention enqueues the attention block `name` in place on x [npts P, dim]: x += to_out(attn(to_qkv(LN(x)))).
func (n *unet2dNet) attention(s *Stream, name string, x Buffer, npts, P, dim int, linear bool) error {
	u := &n.u
	rows, hid := npts*P, u.hidden()
	ln, err := n.free(rows*dim, x)
	if err != nil {
		return err
	}
	qkv, err := n.free(rows*3*hid, x, ln)
	if err != nil {
		return err
	}
	o, err := n.free(rows*hid, x, ln, qkv)
	if err != nil {
		return err
	}
	if err := s.LayerNormRows(ln, x, n.p[name+".fn.norm.g"], rows, dim, 1e-5); err != nil {
		return err
	}
	if err := n.conv1(s, name+".fn.fn.to_qkv", qkv, ln, rows, dim, 3*hid); err != nil {
		return err
	}
	a := AttentionShape{Batch: npts, Length: P, Heads: u.AttnHeads, HeadDim: u.AttnDimHead}
	out := name + ".fn.fn.to_out"
	if linear {
		if err := s.LinearAttention(o, qkv, n.ctx.Slice(0, npts*hid*u.AttnDimHead), a); err != nil {
			return err
		}
		out += ".0"
	} else if err := s.Attention(o, qkv, a); err != nil {
		return err
	}
	if err := n.conv1(s, out, ln, o, rows, hid, dim); err != nil {
		return err
	}
	if linear {
		if err := s.LayerNormRows(ln, ln, n.p[name+".fn.fn.to_out.1.g"], rows, dim, 1e-5); err != nil {
			return err
		}
	}
	return s.Combine(x, Term{Coef: 1, Buf: x}, Term{Coef: 1, Buf: ln})
}

// forward implements deviceNet.
func (n *unet2dNet) forward(s *Stream, out, x Buffer, npts int, xs, tau float64, _ bool) error {
	u := &n.u
	dim, levels, dims := u.Dim, len(u.DimMults), u.widths()
	H, W, C := u.Height, u.Width, u.Channels
	src := x
	if xs != 1 {
		src = n.xin.Slice(0, x.n)
		if err := s.Combine(src, Term{Coef: xs, Buf: x}); err != nil {
			return err
		}
	}
	// The time MLP on one row, SiLU applied for the blocks, and every block's [scale | shift].
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
		if err := s.linearIn(n.prec, n.mod[b.name], semb, n.p[b.name+".mlp.1.weight"], n.p[b.name+".mlp.1.bias"], 1, 2*b.out, 4*dim, ActIdentity); err != nil {
			return err
		}
	}
	// Channels last, the initial convolution.
	P := H * W
	xl, err := n.free(npts * P * C)
	if err != nil {
		return err
	}
	if err := s.PermuteInner(xl, src, npts, C, P); err != nil {
		return err
	}
	k := u.InitKernel
	r := n.init.Slice(0, npts*P*dim)
	ic := Conv2dShape{Batch: npts, Height: H, Width: W, In: C, Out: dim, Kernel: k, Stride: 1, Padding: k / 2}
	if err := s.conv2dIn(n.prec, r, xl, n.p["init_conv.weight"], n.p["init_conv.bias"], ic, ActIdentity); err != nil {
		return fmt.Errorf("gpu: Unet2D init_conv: %w", err)
	}
	h, hh, hw := r, H, W
	wrap := func(what string, err error) error { return fmt.Errorf("gpu: Unet2D %s: %w", what, err) }
	for i := 0; i < levels; i++ {
		in, o := dims[i], dims[i+1]
		rows := npts * hh * hw
		name := fmt.Sprintf("downs.%d", i)
		s0, s1 := n.skips[2*i].Slice(0, rows*in), n.skips[2*i+1].Slice(0, rows*in)
		if err := n.block(s, name+".0", s0, h, npts, hh, hw); err != nil {
			return wrap(name+".0", err)
		}
		if err := n.block(s, name+".1", s1, s0, npts, hh, hw); err != nil {
			return wrap(name+".1", err)
		}
		if u.LinearAttention {
			if err := n.attention(s, name+".2", s1, npts, hh*hw, in, true); err != nil {
				return wrap(name+".2", err)
			}
		}
		if i < levels-1 {
			deep, err := n.free(rows*in, s1)
			if err != nil {
				return err
			}
			if err := s.SpaceToDepth(deep, s1, npts, hh, hw, in); err != nil {
				return wrap(name+".3.0", err)
			}
			hh, hw = hh/2, hw/2
			if h, err = n.free(npts*hh*hw*o, deep); err != nil {
				return err
			}
			if err := n.conv1(s, name+".3.1", h, deep, npts*hh*hw, 4*in, o); err != nil {
				return wrap(name+".3.1", err)
			}
		} else {
			if h, err = n.free(rows*o, s1); err != nil {
				return err
			}
			if err := n.conv3(s, name+".3", h, s1, npts, hh, hw, in, o); err != nil {
				return wrap(name+".3", err)
			}
		}
	}
	mid := dims[levels]
	rows := npts * hh * hw
	m1, err := n.free(rows*mid, h)
	if err != nil {
		return err
	}
	if err := n.block(s, "mid_block1", m1, h, npts, hh, hw); err != nil {
		return wrap("mid_block1", err)
	}
	if u.MidAttention {
		if err := n.attention(s, "mid_attn", m1, npts, hh*hw, mid, false); err != nil {
			return wrap("mid_attn", err)
		}
	}
	if h, err = n.free(rows*mid, m1); err != nil {
		return err
	}
	if err := n.block(s, "mid_block2", h, m1, npts, hh, hw); err != nil {
		return wrap("mid_block2", err)
	}
	skip := len(n.skips)
	for j := 0; j < levels; j++ {
		in, o := dims[levels-1-j], dims[levels-j]
		rows := npts * hh * hw
		name := fmt.Sprintf("ups.%d", j)
		for bi := 0; bi < 2; bi++ {
			skip--
			cat, err := n.free(rows*(o+in), h)
			if err != nil {
				return err
			}
			if err := s.ConcatChannels(cat, h, n.skips[skip].Slice(0, rows*in), rows, o, in); err != nil {
				return wrap(name+" skip", err)
			}
			if h, err = n.free(rows*o, cat); err != nil {
				return err
			}
			if err := n.block(s, fmt.Sprintf("%s.%d", name, bi), h, cat, npts, hh, hw); err != nil {
				return wrap(fmt.Sprintf("%s.%d", name, bi), err)
			}
		}
		if u.LinearAttention {
			if err := n.attention(s, name+".2", h, npts, hh*hw, o, true); err != nil {
				return wrap(name+".2", err)
			}
		}
		conv := name + ".3"
		if j < levels-1 {
			up, err := n.free(4*rows*o, h)
			if err != nil {
				return err
			}
			if err := s.Upsample2x(up, h, npts, hh, hw, o); err != nil {
				return wrap(name+".3.0", err)
			}
			h, hh, hw, conv = up, 2*hh, 2*hw, name+".3.1"
		}
		y, err := n.free(npts*hh*hw*in, h)
		if err != nil {
			return err
		}
		if err := n.conv3(s, conv, y, h, npts, hh, hw, o, in); err != nil {
			return wrap(conv, err)
		}
		h = y
	}
	cat, err := n.free(npts*P*2*dim, h)
	if err != nil {
		return err
	}
	if err := s.ConcatChannels(cat, h, r, npts*P, dim, dim); err != nil {
		return wrap("final skip", err)
	}
	f, err := n.free(npts*P*dim, cat)
	if err != nil {
		return err
	}
	if err := n.block(s, "final_res_block", f, cat, npts, H, W); err != nil {
		return wrap("final_res_block", err)
	}
	y, err := n.free(npts*P*C, f)
	if err != nil {
		return err
	}
	if err := n.conv1(s, "final_conv", y, f, npts*P, dim, C); err != nil {
		return wrap("final_conv", err)
	}
	return s.PermuteInner(out, y, npts, P, C)
}

// close implements deviceNet.
func (n *unet2dNet) close() error {
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

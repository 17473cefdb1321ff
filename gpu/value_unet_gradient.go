//go:build cuda || trajdiff_cuda

package gpu

import (
	"fmt"
	"math"
)

// ValueUnetGradient is ValueGradient for Diffuser's temporal_value (ValueUnet): J(x, t) and dJ/dx of a
// fixed batch of windows x [windows, Horizon, Transition]. The forward pass runs the TemporalUnet's layer
// kernels and keeps what the backward pass reads (every block's two convolution outputs before their
// GroupNorm, the head's pre-activations) in buffers allocated once; the backward pass from dJ/dJ = 1 is
//
//	head          g_h0 = W_2^T act'(z_0),  g_flat = W_0x^T g_h0          (linear_f32, act_grad_f32)
//	GroupNorm-Mish  group_norm_act_grad_f32 from the kept convolution output
//	time bias     the identity (the projection of e depends on t only)
//	Conv1d        its input gradient, the transposed convolution with the same taps (conv_transpose1d_f32:
//	              stride 1 and padding k/2 keep the length; the stride-2 downsampling of L to ceil(L/2)
//	              takes output padding 1 for even L), the 1x1 skip likewise, the identity skip added
//
// Two layouts make flatten and the head's concatenation free: the head's first weight has its columns
// permuted from PyTorch's channel-major flatten to the channels-last order of the device's activations, and
// its columns on the time embedding e are applied once per t as a bias (W_0e e + b_0), since e is the same
// for every window and carries no gradient. Close frees its device memory.
type ValueUnetGradient struct {
	u       ValueUnet // Tensors dropped after the upload
	d       *Device
	windows int
	layers  []valueLayer
	lengths []int
	params  Buffer
	p       map[string]Buffer // device layouts by name; "<conv>.grad" the convolutions' input-gradient weights
	// Time path, slices of one allocation: emb [d], hid [4d], e [d], Mish(e) [d], the head's bias [fc/2],
	// then each block's projection [out].
	time                Buffer
	emb, hid, e, me, hb Buffer
	proj                map[string]Buffer
	// Activations, slices of one allocation.
	mem            Buffer
	out, a0, a1    []Buffer // per layer: its output; a block's two convolution outputs before GroupNorm
	z0, h0, J, gh  Buffer   // head [B, fc/2], [B, fc/2], [B], g_h0 [B, fc/2]
	t1, t2, g0, g1 Buffer   // work, each the widest activation
	gx, ones, zero Buffer
}

// valueUnetDeviceLayout lays out u's tensors for the device: convolutions in Conv1dDeviceWeight's layout
// and their input-gradient weights as "<name>.grad", Linear weights transposed, and the head's first
// weight split into "head.x" [fc, fc/2] (the flatten columns, permuted to channels-last and transposed),
// "head.x.grad" [fc/2, fc] (the same, untransposed: the backward product) and "head.e" [d, fc/2].
// final_block.2's weight, one row, is its own transpose.
func valueUnetDeviceLayout(u *ValueUnet) map[string][]float32 {
	dev := map[string][]float32{}
	L, C := u.final()
	fc, d := L*C, u.Dim
	for name, sh := range u.tensorShapes() {
		v := u.Tensors[name]
		switch {
		case len(sh) == 3:
			dev[name] = Conv1dDeviceWeight(v, sh[0], sh[1], sh[2])
			dev[name+".grad"] = conv1dInputGradWeight(v, sh[0], sh[1], sh[2])
		case name == "final_block.0.weight":
			rows := fc / 2
			wx, we := make([]float32, rows*fc), make([]float32, rows*d)
			for o := range rows {
				for c := range C {
					for l := range L {
						wx[o*fc+l*C+c] = v[o*(fc+d)+c*L+l]
					}
				}
				copy(we[o*d:], v[o*(fc+d)+fc:(o+1)*(fc+d)])
			}
			dev["head.x"], dev["head.x.grad"], dev["head.e"] = transposeLinear(wx, rows, fc), wx, transposeLinear(we, rows, d)
		case len(sh) == 2:
			dev[name] = transposeLinear(v, sh[0], sh[1])
		default:
			dev[name] = v
		}
	}
	return dev
}

// NewValueUnetGradient uploads u for batches of windows windows.
func NewValueUnetGradient(d *Device, u *ValueUnet, windows int) (*ValueUnetGradient, error) {
	if err := u.Validate(); err != nil {
		return nil, err
	}
	if windows < 1 || windows > 65535 || windows*u.Horizon > linearMaxRows {
		return nil, fmt.Errorf("gpu: value U-Net gradient for %d windows (want 1 to 65535, and at most %d positions)", windows, linearMaxRows)
	}
	v := &ValueUnetGradient{u: *u, d: d, windows: windows, proj: map[string]Buffer{}}
	v.u.Tensors = nil
	v.layers, v.lengths = u.layers()
	fail := func(err error) (*ValueUnetGradient, error) {
		v.Close()
		return nil, fmt.Errorf("gpu: value U-Net gradient: %w", err)
	}
	dev := valueUnetDeviceLayout(u)
	names := make(map[string][]int, len(dev))
	for name := range dev {
		names[name] = nil
	}
	var pack paramPack
	spans := pack.placeTensors(dev, names, nil)
	var err error
	if v.params, err = pack.upload(d, "ValueUnet"); err != nil {
		return fail(err)
	}
	v.p = paramSlices(v.params, spans)
	// The time path.
	L, C := u.final()
	fc, dim, B := L*C, u.Dim, windows
	var time carve
	emb, hid, e, me, hb := time.take(dim), time.take(4*dim), time.take(dim), time.take(dim), time.take(fc/2)
	projs := map[string][2]int{}
	for _, l := range v.layers {
		if !l.down {
			projs[l.name] = time.take(l.out)
		}
	}
	if v.time, err = d.Alloc(time.n); err != nil {
		return fail(err)
	}
	v.emb, v.hid, v.e, v.me, v.hb = time.slice(v.time, emb), time.slice(v.time, hid), time.slice(v.time, e), time.slice(v.time, me), time.slice(v.time, hb)
	for name, sp := range projs {
		v.proj[name] = time.slice(v.time, sp)
	}
	// Activations.
	var mem carve
	widest, channels := max(B*fc, B*u.Horizon*u.Transition), fc
	var out, a0, a1 [][2]int
	for i, l := range v.layers {
		lout := v.lengths[i]
		if l.down {
			lout = (lout + 1) / 2
		}
		rows := B * v.lengths[i]
		widest, channels = max(widest, rows*max(l.in, l.out)), max(channels, l.in, l.out)
		out = append(out, mem.take(B*lout*l.out))
		if l.down {
			a0, a1 = append(a0, [2]int{}), append(a1, [2]int{})
		} else {
			a0, a1 = append(a0, mem.take(rows*l.out)), append(a1, mem.take(rows*l.out))
		}
	}
	z0, h0, J, gh := mem.take(B*fc/2), mem.take(B*fc/2), mem.take(B), mem.take(B*fc/2)
	t1, t2, g0, g1 := mem.take(widest), mem.take(widest), mem.take(widest), mem.take(widest)
	gx, ones, zero := mem.take(B*u.Horizon*u.Transition), mem.take(B), mem.take(channels)
	if v.mem, err = d.Alloc(mem.n); err != nil {
		return fail(err)
	}
	for i := range v.layers {
		v.out = append(v.out, mem.slice(v.mem, out[i]))
		v.a0, v.a1 = append(v.a0, mem.slice(v.mem, a0[i])), append(v.a1, mem.slice(v.mem, a1[i]))
	}
	v.z0, v.h0, v.J, v.gh = mem.slice(v.mem, z0), mem.slice(v.mem, h0), mem.slice(v.mem, J), mem.slice(v.mem, gh)
	v.t1, v.t2, v.g0, v.g1 = mem.slice(v.mem, t1), mem.slice(v.mem, t2), mem.slice(v.mem, g0), mem.slice(v.mem, g1)
	v.gx, v.ones, v.zero = mem.slice(v.mem, gx), mem.slice(v.mem, ones), mem.slice(v.mem, zero)
	one := make([]float32, B)
	for i := range one {
		one[i] = 1
	}
	if err := d.Upload(v.ones, one); err != nil {
		return fail(err)
	}
	if err := d.Upload(v.zero, make([]float32, channels)); err != nil {
		return fail(err)
	}
	return v, nil
}

// carve lays out slices of one allocation, each starting on a multiple of paramAlign floats.
type carve struct{ n int }

// take reserves size floats and returns their span.
func (c *carve) take(size int) [2]int {
	lo := c.n
	c.n += (size + paramAlign - 1) / paramAlign * paramAlign
	return [2]int{lo, lo + size}
}

// slice is b's slice of span sp.
func (c *carve) slice(b Buffer, sp [2]int) Buffer { return b.Slice(sp[0], sp[1]) }

// Close frees the device memory.
func (v *ValueUnetGradient) Close() error {
	err := v.d.freeAll(&v.params, &v.time, &v.mem)
	v.p, v.proj, v.out, v.a0, v.a1 = nil, nil, nil, nil, nil
	return err
}

// Values is the buffer of the last Gradient's J values (one per window).
func (v *ValueUnetGradient) Values() Buffer { return v.J }

// InputGrad is the buffer of the last Gradient's dJ/dx [windows, Horizon*Transition].
func (v *ValueUnetGradient) InputGrad() Buffer { return v.gx }

// Gradient enqueues J(x, t) and dJ/dx of the windows x [windows, Horizon*Transition] (channels-last, as
// the denoisers' windows): the values land in Values() and the gradient in InputGrad().
func (v *ValueUnetGradient) Gradient(s *Stream, x Buffer, t float64) error {
	u := &v.u
	B := v.windows
	if x.n != B*u.Horizon*u.Transition {
		return fmt.Errorf("gpu: value U-Net gradient of %d values, want %d windows of %d", x.n, B, u.Horizon*u.Transition)
	}
	if math.IsNaN(t) || math.IsInf(t, 0) {
		return fmt.Errorf("gpu: value U-Net gradient at time %v", t)
	}
	L, C := u.final()
	fc := L * C
	if err := v.timePath(s, t); err != nil {
		return err
	}
	h := x
	for i, l := range v.layers {
		if l.down {
			c := Conv1dShape{Batch: B, Length: v.lengths[i], In: l.in, Out: l.out, Kernel: 3, Stride: 2, Padding: 1, Dilation: 1}
			if err := s.Conv1d(v.out[i], h, v.p[l.name+".weight"], v.p[l.name+".bias"], c, ActIdentity); err != nil {
				return fmt.Errorf("gpu: ValueUnet %s: %w", l.name, err)
			}
		} else if err := v.blockForward(s, i, h); err != nil {
			return fmt.Errorf("gpu: ValueUnet %s: %w", l.name, err)
		}
		h = v.out[i]
	}
	if err := s.linearF32(v.z0, h, v.p["head.x"], v.hb, B, fc/2, fc, ActIdentity); err != nil {
		return err
	}
	if err := v.act(s, kValueAct, v.h0, v.z0); err != nil {
		return err
	}
	if err := s.linearF32(v.J, v.h0, v.p["final_block.2.weight"], v.p["final_block.2.bias"], B, 1, fc/2, ActIdentity); err != nil {
		return err
	}
	// Backward from dJ/dJ = 1.
	if err := s.linearF32(v.gh, v.ones, v.p["final_block.2.weight"], v.zero.Slice(0, fc/2), B, fc/2, 1, ActIdentity); err != nil {
		return err
	}
	if err := v.act(s, kActGrad, v.gh, v.z0); err != nil {
		return err
	}
	work := [2]Buffer{v.g0, v.g1} // the gradient at a layer's output and at its input, alternating
	g := work[0].Slice(0, B*fc)
	if err := s.linearF32(g, v.gh, v.p["head.x.grad"], v.zero.Slice(0, fc), B, fc, fc/2, ActIdentity); err != nil {
		return err
	}
	for i := len(v.layers) - 1; i >= 0; i-- {
		l, L := v.layers[i], v.lengths[i]
		dst := work[(len(v.layers)-i)%2].Slice(0, B*L*l.in)
		if i == 0 {
			dst = v.gx
		}
		if l.down {
			lout := (L + 1) / 2
			c := Conv1dShape{Batch: B, Length: lout, In: l.out, Out: l.in, Kernel: 3, Stride: 2, Padding: 1, Dilation: 1, OutPadding: L - (2*lout - 1)}
			if err := s.ConvTranspose1d(dst, g, v.p[l.name+".weight.grad"], v.zero.Slice(0, l.in), c, ActIdentity); err != nil {
				return fmt.Errorf("gpu: ValueUnet %s backward: %w", l.name, err)
			}
		} else if err := v.blockBackward(s, i, dst, g); err != nil {
			return fmt.Errorf("gpu: ValueUnet %s backward: %w", l.name, err)
		}
		g = dst
	}
	return nil
}

// timePath enqueues the batch's one time row: emb = sinusoidal(t), hid = Mish(Linear(emb)), e =
// Linear(hid), Mish(e), every block's projection Linear(Mish(e)) and the head's bias W_0e e + b_0.
func (v *ValueUnetGradient) timePath(s *Stream, t float64) error {
	u := &v.u
	dim := u.Dim
	L, C := u.final()
	emb := v.emb
	if err := s.d.do(func() error {
		return s.grid1(kNetInput, int64(dim), pArg(emb.ptr), pArg(emb.ptr), iArg(1), iArg(0), iArg(int64(dim)), iArg(0),
			fArg(1), fArg(t), pArg(emb.ptr), iArg(0), pArg(emb.ptr), iArg(0), iArg(0))
	}); err != nil {
		return err
	}
	if err := s.linearF32(v.hid, v.emb, v.p["time_mlp.1.weight"], v.p["time_mlp.1.bias"], 1, 4*dim, dim, ActMish); err != nil {
		return err
	}
	if err := s.linearF32(v.e, v.hid, v.p["time_mlp.3.weight"], v.p["time_mlp.3.bias"], 1, dim, 4*dim, ActIdentity); err != nil {
		return err
	}
	if err := v.act(s, kValueAct, v.me, v.e); err != nil {
		return err
	}
	for _, l := range v.layers {
		if l.down {
			continue
		}
		if err := s.linearF32(v.proj[l.name], v.me, v.p[l.name+".time_mlp.1.weight"], v.p[l.name+".time_mlp.1.bias"], 1, l.out, dim, ActIdentity); err != nil {
			return err
		}
	}
	return s.linearF32(v.hb, v.e, v.p["head.e"], v.p["final_block.0.bias"], 1, L*C/2, dim, ActIdentity)
}

// act enqueues value_act_f32 (dst = Mish(z)) or act_grad_f32 (dst *= Mish'(z)).
func (v *ValueUnetGradient) act(s *Stream, k kernel, dst, z Buffer) error {
	return s.d.do(func() error {
		return s.grid1(k, int64(dst.n), pArg(dst.ptr), pArg(z.ptr), iArg(int64(dst.n)), iArg(int64(ActMish)))
	})
}

// blockConv is the shape of block layer i's convolution j (0 or 1; 2: the 1x1 skip).
func (v *ValueUnetGradient) blockConv(i, j int) Conv1dShape {
	l, k := v.layers[i], v.u.Kernel
	c := Conv1dShape{Batch: v.windows, Length: v.lengths[i], In: l.in, Out: l.out, Kernel: k, Stride: 1, Padding: k / 2, Dilation: 1}
	switch j {
	case 1:
		c.In = l.out
	case 2:
		c.Kernel, c.Padding = 1, 0
	}
	return c
}

// blockForward enqueues the residual block of layer i on x: a0 = conv0(x), h = Mish(GN0(a0)) + proj,
// a1 = conv1(h), out = Mish(GN1(a1)) + (x or the 1x1 skip of x), keeping a0 and a1.
func (v *ValueUnetGradient) blockForward(s *Stream, i int, x Buffer) error {
	l, B, L, G := v.layers[i], v.windows, v.lengths[i], v.u.Groups
	rows, y, a0, a1 := B*L, v.out[i], v.a0[i], v.a1[i]
	h := v.t1.Slice(0, rows*l.out)
	name := func(j int, what string) Buffer { return v.p[fmt.Sprintf("%s.blocks.%d.block.%s", l.name, j, what)] }
	if err := s.Conv1d(a0, x, name(0, "0.weight"), name(0, "0.bias"), v.blockConv(i, 0), ActIdentity); err != nil {
		return err
	}
	if err := s.GroupNormAct(h, a0, name(0, "2.weight"), name(0, "2.bias"), B, L, l.out, G, 1e-5, ActMish); err != nil {
		return err
	}
	proj := v.proj[l.name]
	if err := s.d.do(func() error {
		return s.grid1(kBiasAct, int64(h.n), pArg(h.ptr), pArg(proj.ptr), iArg(int64(rows)), iArg(int64(l.out)), iArg(int64(ActIdentity)), iArg(0))
	}); err != nil {
		return err
	}
	if err := s.Conv1d(a1, h, name(1, "0.weight"), name(1, "0.bias"), v.blockConv(i, 1), ActIdentity); err != nil {
		return err
	}
	if err := s.GroupNormAct(h, a1, name(1, "2.weight"), name(1, "2.bias"), B, L, l.out, G, 1e-5, ActMish); err != nil {
		return err
	}
	if l.in == l.out {
		return s.Combine(y, Term{Coef: 1, Buf: h}, Term{Coef: 1, Buf: x})
	}
	if err := s.Conv1d(y, x, v.p[l.name+".residual_conv.weight"], v.p[l.name+".residual_conv.bias"], v.blockConv(i, 2), ActIdentity); err != nil {
		return err
	}
	return s.Combine(y, Term{Coef: 1, Buf: h}, Term{Coef: 1, Buf: y})
}

// blockBackward enqueues the gradient gx at the input of layer i's residual block from gy at its output:
// through GN1-Mish (from a1), conv1's input gradient, the projection's identity, GN0-Mish (from a0), conv0's
// input gradient, plus the skip's gradient (gy, or the 1x1 convolution's input gradient of gy).
func (v *ValueUnetGradient) blockBackward(s *Stream, i int, gx, gy Buffer) error {
	l, B, L, G := v.layers[i], v.windows, v.lengths[i], v.u.Groups
	rows := B * L
	t1, t2 := v.t1.Slice(0, rows*l.out), v.t2.Slice(0, rows*l.out)
	name := func(j int, what string) Buffer { return v.p[fmt.Sprintf("%s.blocks.%d.block.%s", l.name, j, what)] }
	transposed := func(c Conv1dShape) Conv1dShape { c.In, c.Out = c.Out, c.In; return c }
	if err := s.GroupNormActGrad(t1, gy, v.a1[i], name(1, "2.weight"), name(1, "2.bias"), B, L, l.out, G, 1e-5, ActMish); err != nil {
		return err
	}
	if err := s.ConvTranspose1d(t2, t1, name(1, "0.weight.grad"), v.zero.Slice(0, l.out), transposed(v.blockConv(i, 1)), ActIdentity); err != nil {
		return err
	}
	if err := s.GroupNormActGrad(t2, t2, v.a0[i], name(0, "2.weight"), name(0, "2.bias"), B, L, l.out, G, 1e-5, ActMish); err != nil {
		return err
	}
	if err := s.ConvTranspose1d(gx, t2, name(0, "0.weight.grad"), v.zero.Slice(0, l.in), transposed(v.blockConv(i, 0)), ActIdentity); err != nil {
		return err
	}
	if l.in == l.out {
		return s.Combine(gx, Term{Coef: 1, Buf: gx}, Term{Coef: 1, Buf: gy})
	}
	skip := v.t1.Slice(0, rows*l.in)
	if err := s.ConvTranspose1d(skip, gy, v.p[l.name+".residual_conv.weight.grad"], v.zero.Slice(0, l.in), transposed(v.blockConv(i, 2)), ActIdentity); err != nil {
		return err
	}
	return s.Combine(gx, Term{Coef: 1, Buf: gx}, Term{Coef: 1, Buf: skip})
}

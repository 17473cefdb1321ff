//go:build cuda || trajdiff_cuda

package gpu

import (
	"fmt"
	"math"
)

// ValueGradient is an MLP value model J(x_t, t) of Diffuser's value guidance on the device (train's
// ObjectiveValue with arch regressor), for a fixed batch of windows: the input row of window b is
//
//	in_b = [x_b | cos(pi u), sin(pi u), ..., cos(pi K u), sin(pi K u)],  u = (t - TMin)/(TMax - TMin),
//
// h_0 = in, z_l = W_l h_{l-1} + b_l, h_l = act(z_l) below the last layer, J = z_L (one value). Its
// gradient with respect to the window is the backward pass of the same network,
//
//	g_L = 1,   g_{l-1} = (g_l W_l) * act'(z_{l-1}),   dJ/dx_b = (g_1 W_1)[:W],
//
// batched over the windows: the Linear layers forward are linear_f32 with W_l^T, backward linear_f32 with
// W_l itself (PyTorch's [out, in] layout is the transposed weight of the backward product), the
// activations' derivatives act_grad_f32 (value_grad.cu). Close frees its device memory.
type ValueGradient struct {
	net     ValueMLP
	d       *Device
	windows int
	wt, w   []Buffer // W_l^T [in, out] and W_l [out, in]
	b       []Buffer
	zero    Buffer // a zero bias for the backward products
	in, gin Buffer // [B, In] input rows and their gradient
	z, h, g []Buffer
	ones    Buffer // g_L
}

// NewValueGradient uploads net for batches of windows windows.
func NewValueGradient(d *Device, net ValueMLP, windows int) (*ValueGradient, error) {
	if err := net.check(); err != nil {
		return nil, err
	}
	if windows < 1 {
		return nil, fmt.Errorf("gpu: value gradient for %d windows", windows)
	}
	v := &ValueGradient{net: net, d: d, windows: windows}
	I := net.Window + net.Features
	alloc := func(n int, host []float32) (Buffer, error) {
		b, err := d.Alloc(n)
		if err == nil && host != nil {
			err = d.Upload(b, host)
		}
		return b, err
	}
	fail := func(err error) (*ValueGradient, error) {
		v.Close()
		return nil, fmt.Errorf("gpu: value gradient: %w", err)
	}
	var err error
	in, widest := I, I
	for l, bias := range net.Biases {
		out := len(bias)
		widest = max(widest, out)
		wt := make([]float32, in*out)
		for o := range out {
			for i := range in {
				wt[i*out+o] = net.Weights[l][o*in+i]
			}
		}
		bufs := [...]struct {
			n    int
			host []float32
		}{{in * out, wt}, {in * out, net.Weights[l]}, {out, bias}, {windows * out, nil}, {windows * out, nil}, {windows * out, nil}}
		var got [6]Buffer
		for k, a := range bufs {
			if got[k], err = alloc(a.n, a.host); err != nil {
				break
			}
		}
		v.wt, v.w, v.b = append(v.wt, got[0]), append(v.w, got[1]), append(v.b, got[2])
		v.z, v.h, v.g = append(v.z, got[3]), append(v.h, got[4]), append(v.g, got[5])
		if err != nil {
			return fail(err)
		}
		in = out
	}
	ones := make([]float32, windows)
	for i := range ones {
		ones[i] = 1
	}
	if v.zero, err = alloc(widest, make([]float32, widest)); err != nil {
		return fail(err)
	}
	if v.ones, err = alloc(windows, ones); err != nil {
		return fail(err)
	}
	if v.in, err = alloc(windows*I, nil); err != nil {
		return fail(err)
	}
	if v.gin, err = alloc(windows*I, nil); err != nil {
		return fail(err)
	}
	return v, nil
}

// Close frees the device memory.
func (v *ValueGradient) Close() error {
	bufs := []*Buffer{&v.zero, &v.ones, &v.in, &v.gin}
	for _, list := range [][]Buffer{v.wt, v.w, v.b, v.z, v.h, v.g} {
		for i := range list {
			bufs = append(bufs, &list[i])
		}
	}
	return v.d.freeAll(bufs...)
}

// Gradient enqueues J(x, t) and dJ/dx of the windows x [windows, Window]: the values land in Values()
// (after the stream synchronises) and the gradient in the first Window columns of each row of InputGrad().
func (v *ValueGradient) Gradient(s *Stream, x Buffer, t float64) error {
	n := v.net
	B, W, I := v.windows, n.Window, n.Window+n.Features
	if x.n != B*W {
		return fmt.Errorf("gpu: value gradient of %d values, want %d windows of %d", x.n, B, W)
	}
	if math.IsNaN(t) {
		return fmt.Errorf("gpu: value gradient at time NaN")
	}
	u := (t - n.TMin) / (n.TMax - n.TMin)
	if err := s.d.do(func() error {
		return s.grid1(kValueInput, int64(B*I), pArg(v.in.ptr), pArg(x.ptr), iArg(int64(B)), iArg(int64(W)), iArg(int64(I)), fArg(u))
	}); err != nil {
		return err
	}
	L := len(n.Biases)
	h, in := v.in, I
	for l := range L {
		out := len(n.Biases[l])
		if err := s.linearF32(v.z[l], h, v.wt[l], v.b[l], B, out, in, ActIdentity); err != nil {
			return err
		}
		if l < L-1 {
			z, hl := v.z[l], v.h[l]
			if err := s.d.do(func() error {
				return s.grid1(kValueAct, int64(hl.n), pArg(hl.ptr), pArg(z.ptr), iArg(int64(hl.n)), iArg(int64(n.Act)))
			}); err != nil {
				return err
			}
		}
		h, in = v.h[l], out
	}
	// Backward: g_{l-1} = (g_l W_l) act'(z_{l-1}), from g_L = 1 to the input.
	g := v.ones
	for l := L - 1; l >= 0; l-- {
		out, lin := len(n.Biases[l]), I
		dst := v.gin
		if l > 0 {
			lin, dst = len(n.Biases[l-1]), v.g[l-1]
		}
		if err := s.linearF32(dst, g, v.w[l], v.zero, B, lin, out, ActIdentity); err != nil {
			return err
		}
		if l > 0 {
			z := v.z[l-1]
			if err := s.d.do(func() error {
				return s.grid1(kActGrad, int64(dst.n), pArg(dst.ptr), pArg(z.ptr), iArg(int64(dst.n)), iArg(int64(n.Act)))
			}); err != nil {
				return err
			}
		}
		g = dst
	}
	return nil
}

// Values is the buffer of the last Gradient's J values (one per window).
func (v *ValueGradient) Values() Buffer { return v.z[len(v.z)-1] }

// InputGrad is the buffer of the last Gradient's input gradient [windows, Window + Features].
func (v *ValueGradient) InputGrad() Buffer { return v.gin }

//go:build cuda || trajdiff_cuda

package gpu

import (
	"fmt"
	"math"
)

// Layer kernels of the convolutional networks (nn's TemporalUnet: Conv1d, ConvTranspose1d, GroupNorm, Mish). Each enqueues on
// the stream, allocates nothing and can be captured into a graph.

// Conv1d enqueues y = act(conv1d(x, w) + bias) (conv1d_f32: an implicit GEMM in exact float32, no im2col
// buffer): x [Batch, Length, In], w [Kernel*In, Out] (Conv1dShape), bias [Out], y [Batch, OutLength, Out].
func (s *Stream) Conv1d(y, x, w, bias Buffer, c Conv1dShape, act Activation) error {
	return s.conv1dIn(FP32, y, x, w, bias, c, act)
}

// conv1dIn is Conv1d in precision prec: FP32 (conv1d_f32), TF32 (conv1d_tf32, the same implicit GEMM on
// the tensor cores with x and w rounded to TF32, kernels/tile_tf32.cuh) or BF16 (conv1d_bf16, rounded to
// bfloat16, kernels/tile_bf16.cuh).
func (s *Stream) conv1dIn(prec Precision, y, x, w, bias Buffer, c Conv1dShape, act Activation) error {
	if err := c.Validate(); err != nil {
		return err
	}
	k, err := precKernel(prec, kConv1d, kConv1dTF32, kConv1dBF16)
	if err != nil {
		return err
	}
	return s.conv(k, y, x, w, bias, c, c.OutLength(), act)
}

// precKernel picks the FP32, TF32 or BF16 kernel of a layer.
func precKernel(prec Precision, fp32, tf32, bf16 kernel) (kernel, error) {
	switch prec {
	case FP32:
		return fp32, nil
	case TF32:
		return tf32, nil
	case BFloat16:
		return bf16, nil
	}
	return 0, fmt.Errorf("gpu: %s has no %v variant", fp32, prec)
}

// conv launches conv1d_f32 or conv_transpose1d_f32 (the same arguments) with output length lout.
func (s *Stream) conv(k kernel, y, x, w, bias Buffer, c Conv1dShape, lout int, act Activation) error {
	for _, b := range []struct {
		name string
		buf  Buffer
		want int
	}{{"x", x, c.Batch * c.Length * c.In}, {"weight", w, c.Kernel * c.In * c.Out}, {"bias", bias, c.Out}, {"y", y, c.Batch * lout * c.Out}} {
		if b.buf.n != b.want {
			return fmt.Errorf("gpu: %s %+v: %s has %d values, want %d", k, c, b.name, b.buf.n, b.want)
		}
	}
	if act < ActIdentity || act > ActReLU {
		return fmt.Errorf("gpu: %s activation %v", k, act)
	}
	const tile = 64 // LIN_BM, LIN_BN of kernels/tile_f32.cuh (TC_BM, TC_BN of tile_tf32.cuh)
	rows := c.Batch * lout
	if rows > linearMaxRows {
		return fmt.Errorf("gpu: %s of %d output positions, at most %d", k, rows, linearMaxRows)
	}
	gx, gy := (c.Out+tile-1)/tile, (rows+tile-1)/tile
	return s.d.do(func() error {
		return s.launch(k, gx, gy, 256, 0, pArg(y.ptr), pArg(x.ptr), pArg(w.ptr), pArg(bias.ptr),
			iArg(int64(c.Batch)), iArg(int64(c.Length)), iArg(int64(c.In)), iArg(int64(c.Out)), iArg(int64(c.Kernel)),
			iArg(int64(lout)), iArg(int64(c.Stride)), iArg(int64(c.Padding)), iArg(int64(c.Dilation)), iArg(int64(act)))
	})
}

// ConvTranspose1d enqueues y = act(conv_transpose1d(x, w) + bias) (conv_transpose1d_f32: the same implicit
// GEMM, gathering each output position's taps): x [Batch, Length, In], w [Kernel*In, Out] (row t In + c,
// column o holds PyTorch's weight[c, o, t]), bias [Out], y [Batch, TransposedLength, Out].
func (s *Stream) ConvTranspose1d(y, x, w, bias Buffer, c Conv1dShape, act Activation) error {
	return s.convTranspose1dIn(FP32, y, x, w, bias, c, act)
}

// convTranspose1dIn is ConvTranspose1d in precision prec: FP32 (conv_transpose1d_f32), TF32
// (conv_transpose1d_tf32) or BF16 (conv_transpose1d_bf16).
func (s *Stream) convTranspose1dIn(prec Precision, y, x, w, bias Buffer, c Conv1dShape, act Activation) error {
	if err := c.ValidateTransposed(); err != nil {
		return err
	}
	k, err := precKernel(prec, kConvTranspose1d, kConvTranspose1dTF32, kConvTranspose1dBF16)
	if err != nil {
		return err
	}
	return s.conv(k, y, x, w, bias, c, c.TransposedLength(), act)
}

// ConcatChannels enqueues y = [a | b] along the channels of channels-last tensors: a [rows, ca], b [rows, cb],
// y [rows, ca + cb] (TemporalUnet's skip connections).
func (s *Stream) ConcatChannels(y, a, b Buffer, rows, ca, cb int) error {
	if rows < 1 || ca < 1 || cb < 1 || a.n != rows*ca || b.n != rows*cb || y.n != rows*(ca+cb) {
		return fmt.Errorf("gpu: concatenating [%d, %d] and [%d, %d]: a %d, b %d, y %d values", rows, ca, rows, cb, a.n, b.n, y.n)
	}
	return s.d.do(func() error {
		return s.grid1(kConcat, int64(y.n), pArg(y.ptr), pArg(a.ptr), pArg(b.ptr), iArg(int64(rows)), iArg(int64(ca)), iArg(int64(cb)))
	})
}

// GroupNormAct enqueues y = act(GroupNorm(x) gamma + beta) over channels-last x [batch, positions, channels]
// with groups groups (group_norm_act_f32, statistics in double; nn's GroupNorm, PyTorch's eps is 1e-5). y may
// be x.
func (s *Stream) GroupNormAct(y, x, gamma, beta Buffer, batch, positions, channels, groups int, eps float64, act Activation) error {
	if batch < 1 || positions < 1 || channels < 1 || groups < 1 || channels%groups != 0 {
		return fmt.Errorf("gpu: group norm of [%d, %d, %d] in %d groups", batch, positions, channels, groups)
	}
	if batch > 65535 {
		return fmt.Errorf("gpu: group norm of %d examples, at most 65535", batch)
	}
	if !(eps > 0) || math.IsInf(eps, 0) {
		return fmt.Errorf("gpu: group norm eps %v", eps)
	}
	if act < ActIdentity || act > ActReLU {
		return fmt.Errorf("gpu: group norm activation %v", act)
	}
	n := batch * positions * channels
	if x.n != n || y.n != n || gamma.n != channels || beta.n != channels {
		return fmt.Errorf("gpu: group norm of [%d, %d, %d]: x %d, y %d, gamma %d, beta %d values", batch, positions, channels, x.n, y.n, gamma.n, beta.n)
	}
	return s.d.do(func() error {
		return s.launch(kGroupNorm, groups, batch, 256, 0, pArg(y.ptr), pArg(x.ptr), pArg(gamma.ptr), pArg(beta.ptr),
			iArg(int64(positions)), iArg(int64(channels)), iArg(int64(groups)), fArg(eps), iArg(int64(act)))
	})
}

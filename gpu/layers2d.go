//go:build cuda || trajdiff_cuda

package gpu

import (
	"fmt"
	"math"
)

// Layer kernels of the 2-D U-Net (nn's Unet2D, WDNO's denoiser): Conv2d, the channels-last layout changes,
// space-to-depth and nearest upsampling, the channel LayerNorm, the time modulation, and the linear and full
// linear attention (the full one is Attention, the DiT's). Each enqueues on the stream, allocates nothing and can be captured into a graph.

// Conv2d enqueues y = act(conv2d(x, w) + bias) (conv2d_f32: an implicit GEMM in exact float32, no im2col
// buffer): x [Batch, Height, Width, In], w [Kernel*Kernel*In, Out] (Conv2dDeviceWeight), bias [Out],
// y [Batch, OutHeight, OutWidth, Out].
func (s *Stream) Conv2d(y, x, w, bias Buffer, c Conv2dShape, act Activation) error {
	return s.conv2dIn(FP32, y, x, w, bias, c, act)
}

// conv2dIn is Conv2d in precision prec: FP32 (conv2d_f32), TF32 (conv2d_tf32, tile_tf32.cuh) or BF16
// (conv2d_bf16, tile_bf16.cuh).
func (s *Stream) conv2dIn(prec Precision, y, x, w, bias Buffer, c Conv2dShape, act Activation) error {
	if err := c.Validate(); err != nil {
		return err
	}
	kern, err := precKernel(prec, kConv2d, kConv2dTF32, kConv2dBF16)
	if err != nil {
		return err
	}
	ho, wo := c.OutHeight(), c.OutWidth()
	for _, b := range []struct {
		name string
		buf  Buffer
		want int
	}{{"x", x, c.Batch * c.Height * c.Width * c.In}, {"weight", w, c.Kernel * c.Kernel * c.In * c.Out}, {"bias", bias, c.Out}, {"y", y, c.Batch * ho * wo * c.Out}} {
		if b.buf.n != b.want {
			return fmt.Errorf("gpu: conv2d %+v: %s has %d values, want %d", c, b.name, b.buf.n, b.want)
		}
	}
	if act < ActIdentity || act > ActReLU {
		return fmt.Errorf("gpu: conv2d activation %v", act)
	}
	const tile = 64 // LIN_BM, LIN_BN of kernels/tile_f32.cuh (TC_BM, TC_BN of tile_tf32.cuh)
	rows := c.Batch * ho * wo
	if rows > linearMaxRows {
		return fmt.Errorf("gpu: conv2d of %d output pixels, at most %d", rows, linearMaxRows)
	}
	gx, gy := (c.Out+tile-1)/tile, (rows+tile-1)/tile
	return s.d.do(func() error {
		return s.launch(kern, gx, gy, 256, 0, pArg(y.ptr), pArg(x.ptr), pArg(w.ptr), pArg(bias.ptr),
			iArg(int64(c.Batch)), iArg(int64(c.Height)), iArg(int64(c.Width)), iArg(int64(c.In)), iArg(int64(c.Out)),
			iArg(int64(c.Kernel)), iArg(int64(c.Kernel)), iArg(int64(ho)), iArg(int64(wo)), iArg(int64(c.Stride)),
			iArg(int64(c.Padding)), iArg(int64(act)))
	})
}

// PermuteInner enqueues y [batch, r, q] = x [batch, q, r] transposed per example: channels-first images
// [B, C, S] to channels-last [B, S, C] with q = C, r = S (nn's ChannelsLast), and back with q = S, r = C
// (ChannelsFirst).
func (s *Stream) PermuteInner(y, x Buffer, batch, q, r int) error {
	if batch < 1 || q < 1 || r < 1 || x.n != batch*q*r || y.n != x.n {
		return fmt.Errorf("gpu: permuting [%d, %d, %d]: x %d, y %d values", batch, q, r, x.n, y.n)
	}
	return s.d.do(func() error {
		return s.grid1(kPermuteInner, int64(y.n), pArg(y.ptr), pArg(x.ptr), iArg(int64(batch)), iArg(int64(q)), iArg(int64(r)))
	})
}

// SpaceToDepth enqueues y [batch, h/2, w/2, 4c] from x [batch, h, w, c], channel 4c' + 2p + q of pixel
// (i, j) holding channel c' of pixel (2i + p, 2j + q) (nn's SpaceToDepth, lucidrains' Downsample).
func (s *Stream) SpaceToDepth(y, x Buffer, batch, h, w, c int) error {
	if batch < 1 || h < 2 || w < 2 || c < 1 || h%2 != 0 || w%2 != 0 || x.n != batch*h*w*c || y.n != x.n {
		return fmt.Errorf("gpu: space-to-depth of [%d, %d, %d, %d] (even sizes): x %d, y %d values", batch, h, w, c, x.n, y.n)
	}
	return s.d.do(func() error {
		return s.grid1(kSpaceToDepth, int64(y.n), pArg(y.ptr), pArg(x.ptr), iArg(int64(batch)), iArg(int64(h)), iArg(int64(w)), iArg(int64(c)))
	})
}

// Upsample2x enqueues nearest-neighbour upsampling y [batch, 2h, 2w, c] of x [batch, h, w, c] (nn's
// Upsample2x).
func (s *Stream) Upsample2x(y, x Buffer, batch, h, w, c int) error {
	if batch < 1 || h < 1 || w < 1 || c < 1 || x.n != batch*h*w*c || y.n != 4*x.n {
		return fmt.Errorf("gpu: upsampling [%d, %d, %d, %d]: x %d, y %d values", batch, h, w, c, x.n, y.n)
	}
	return s.d.do(func() error {
		return s.grid1(kUpsample2x, int64(y.n), pArg(y.ptr), pArg(x.ptr), iArg(int64(batch)), iArg(int64(h)), iArg(int64(w)), iArg(int64(c)))
	})
}

// LayerNormRows enqueues y = gamma (x - mean) / sqrt(var + eps) over each row of x [rows, c] (nn's LayerNorm
// with a gain and no bias: lucidrains' channel LayerNorm on channels-last images), statistics in double.
// y may be x.
func (s *Stream) LayerNormRows(y, x, gamma Buffer, rows, c int, eps float64) error {
	if rows < 1 || c < 1 || x.n != rows*c || y.n != x.n || gamma.n != c {
		return fmt.Errorf("gpu: layer norm of [%d, %d]: x %d, y %d, gamma %d values", rows, c, x.n, y.n, gamma.n)
	}
	if !(eps > 0) || math.IsInf(eps, 0) {
		return fmt.Errorf("gpu: layer norm eps %v", eps)
	}
	// One warp per row: a grid of 256-thread blocks (8 rows each) sized as the grid-stride kernels are.
	blocks := gridFor(int64(rows)*32, elementwiseThreads, s.d.info.SMs)
	return s.d.do(func() error {
		return s.launch(kLayerNormRows, blocks, 1, elementwiseThreads, 0, pArg(y.ptr), pArg(x.ptr), pArg(gamma.ptr),
			iArg(int64(rows)), iArg(int64(c)), fArg(eps))
	})
}

// ModulateAct enqueues y = act(x (1 + scale) + shift) over rows x [rows, c], [scale | shift] = mod [2c] (a
// ResnetBlock's time conditioning, one row for the batch). y may be x.
func (s *Stream) ModulateAct(y, x, mod Buffer, rows, c int, act Activation) error {
	if rows < 1 || c < 1 || x.n != rows*c || y.n != x.n || mod.n != 2*c {
		return fmt.Errorf("gpu: modulating [%d, %d]: x %d, y %d, mod %d values", rows, c, x.n, y.n, mod.n)
	}
	if act < ActIdentity || act > ActReLU {
		return fmt.Errorf("gpu: modulation activation %v", act)
	}
	return s.d.do(func() error {
		return s.grid1(kModulateAct, int64(y.n), pArg(y.ptr), pArg(x.ptr), pArg(mod.ptr), iArg(int64(rows)), iArg(int64(c)), iArg(int64(act)))
	})
}

// checkLinearAttention checks a linear attention's shape and buffers (non-causal; heads at most
// linattnMaxHeadDim wide).
func checkLinearAttention(o, qkv, ctx Buffer, a AttentionShape) error {
	if a.Batch < 1 || a.Length < 1 || a.Heads < 1 || a.HeadDim < 1 || a.HeadDim > linattnMaxHeadDim || a.Causal {
		return fmt.Errorf("gpu: linear attention %+v: sizes must be positive, the head width at most %d, not causal", a, linattnMaxHeadDim)
	}
	d := a.Heads * a.HeadDim
	if qkv.n != a.Batch*a.Length*3*d || o.n != a.Batch*a.Length*d || ctx.n != a.Batch*a.Heads*a.HeadDim*a.HeadDim {
		return fmt.Errorf("gpu: linear attention %+v: qkv %d, o %d, context %d values", a, qkv.n, o.n, ctx.n)
	}
	return nil
}

// LinearAttention enqueues lucidrains' linear attention (nn's LinearAttention) on packed projections qkv
// [Batch, Length, 3 Heads HeadDim] (a.Causal false): per head, keys softmaxed over the positions, context = K^T V (Dh x Dh, into ctx [Batch Heads HeadDim^2]), queries softmaxed over their
// features and scaled by HeadDim^-1/2, o = Q context.
func (s *Stream) LinearAttention(o, qkv, ctx Buffer, a AttentionShape) error {
	if err := checkLinearAttention(o, qkv, ctx, a); err != nil {
		return err
	}
	err := s.d.do(func() error {
		return s.launch(kLinAttnContext, a.Batch*a.Heads, 1, 256, 0, pArg(ctx.ptr), pArg(qkv.ptr),
			iArg(int64(a.Length)), iArg(int64(a.Heads)), iArg(int64(a.HeadDim)))
	})
	if err != nil {
		return err
	}
	return s.d.do(func() error {
		return s.grid1(kLinAttnOut, int64(o.n), pArg(o.ptr), pArg(qkv.ptr), pArg(ctx.ptr), iArg(int64(a.Batch)),
			iArg(int64(a.Length)), iArg(int64(a.Heads)), iArg(int64(a.HeadDim)))
	})
}

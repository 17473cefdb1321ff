//go:build cuda || trajdiff_cuda

package gpu

import "fmt"

// Layer kernels of the 3-D U-Net (nn's Unet3D, WDNO's smoke denoiser) on channels-last videos [B, F, H, W,
// C]: the k^3 convolution, the per-frame transposed convolution of the upsampler, the frame/position axis
// swap around a temporal attention, the rotary embedding, and attention with an additive logit bias. The
// rest of the network reuses the 2-D U-Net's kernels (Conv2d per frame for the downsampler, GroupNormAct over
// frames x positions, LinearAttention per frame, LayerNormRows, ModulateAct). Each enqueues on the stream,
// allocates nothing and can be captured into a graph.

// Conv3d enqueues y = act(conv3d(x, w) + bias) (conv3d_f32, an implicit GEMM in exact float32): x [Batch,
// Frames, Height, Width, In], w [Kernel^3 In, Out] (Conv3dDeviceWeight), bias [Out], y [Batch, Frames,
// Height, Width, Out]; stride 1 and padding Kernel/2 keep the size.
func (s *Stream) Conv3d(y, x, w, bias Buffer, c Conv3dShape, act Activation) error {
	return s.conv3dIn(FP32, y, x, w, bias, c, act)
}

// conv3dIn is Conv3d in precision prec: FP32 (conv3d_f32), TF32 (conv3d_tf32, tile_tf32.cuh) or BF16
// (conv3d_bf16, tile_bf16.cuh).
func (s *Stream) conv3dIn(prec Precision, y, x, w, bias Buffer, c Conv3dShape, act Activation) error {
	if err := c.Validate(); err != nil {
		return err
	}
	kern, err := precKernel(prec, kConv3d, kConv3dTF32, kConv3dBF16)
	if err != nil {
		return err
	}
	vox := c.Batch * c.Frames * c.Height * c.Width
	k := c.Kernel
	if err := checkSizes("conv3d", c, []sized{{"x", x, vox * c.In}, {"weight", w, k * k * k * c.In * c.Out}, {"bias", bias, c.Out}, {"y", y, vox * c.Out}}); err != nil {
		return err
	}
	if act < ActIdentity || act > ActReLU {
		return fmt.Errorf("gpu: conv3d activation %v", act)
	}
	if vox > linearMaxRows {
		return fmt.Errorf("gpu: conv3d of %d output voxels, at most %d", vox, linearMaxRows)
	}
	const tile = 64 // LIN_BM, LIN_BN of kernels/tile_f32.cuh (TC_BM, TC_BN of tile_tf32.cuh)
	gx, gy := (c.Out+tile-1)/tile, (vox+tile-1)/tile
	return s.d.do(func() error {
		return s.launch(kern, gx, gy, 256, 0, pArg(y.ptr), pArg(x.ptr), pArg(w.ptr), pArg(bias.ptr),
			iArg(int64(c.Batch)), iArg(int64(c.Frames)), iArg(int64(c.Height)), iArg(int64(c.Width)), iArg(int64(c.In)),
			iArg(int64(c.Out)), iArg(int64(k)), iArg(int64(k/2)), iArg(int64(act)))
	})
}

// ConvTranspose2d enqueues y = act(convT2d(x, w) + bias) (conv_transpose2d_f32) on channels-last images x
// [Batch, Height, Width, In] (a video's B F frames), w [Kernel^2 In, Out] (ConvTranspose2dDeviceWeight), y
// [Batch, OutHeight(), OutWidth(), Out].
func (s *Stream) ConvTranspose2d(y, x, w, bias Buffer, c ConvTranspose2dShape, act Activation) error {
	return s.convTranspose2dIn(FP32, y, x, w, bias, c, act)
}

// convTranspose2dIn is ConvTranspose2d in precision prec: FP32 (conv_transpose2d_f32), TF32
// (conv_transpose2d_tf32, tile_tf32.cuh) or BF16 (conv_transpose2d_bf16, tile_bf16.cuh).
func (s *Stream) convTranspose2dIn(prec Precision, y, x, w, bias Buffer, c ConvTranspose2dShape, act Activation) error {
	if err := c.Validate(); err != nil {
		return err
	}
	kern, err := precKernel(prec, kConvTranspose2d, kConvTranspose2dTF32, kConvTranspose2dBF16)
	if err != nil {
		return err
	}
	ho, wo, k := c.OutHeight(), c.OutWidth(), c.Kernel
	if err := checkSizes("conv-transpose2d", c, []sized{{"x", x, c.Batch * c.Height * c.Width * c.In}, {"weight", w, k * k * c.In * c.Out},
		{"bias", bias, c.Out}, {"y", y, c.Batch * ho * wo * c.Out}}); err != nil {
		return err
	}
	if act < ActIdentity || act > ActReLU {
		return fmt.Errorf("gpu: conv-transpose2d activation %v", act)
	}
	rows := c.Batch * ho * wo
	if rows > linearMaxRows {
		return fmt.Errorf("gpu: conv-transpose2d of %d output pixels, at most %d", rows, linearMaxRows)
	}
	const tile = 64 // LIN_BM, LIN_BN of kernels/tile_f32.cuh (TC_BM, TC_BN of tile_tf32.cuh)
	gx, gy := (c.Out+tile-1)/tile, (rows+tile-1)/tile
	return s.d.do(func() error {
		return s.launch(kern, gx, gy, 256, 0, pArg(y.ptr), pArg(x.ptr), pArg(w.ptr), pArg(bias.ptr),
			iArg(int64(c.Batch)), iArg(int64(c.Height)), iArg(int64(c.Width)), iArg(int64(c.In)), iArg(int64(c.Out)),
			iArg(int64(k)), iArg(int64(ho)), iArg(int64(wo)), iArg(int64(c.Stride)), iArg(int64(c.Padding)), iArg(int64(act)))
	})
}

// SwapMid enqueues y [batch, q, p, c] = x [batch, p, q, c] (nn's FramesToPositions with p = frames, q =
// positions, and PositionsToFrames with them exchanged). y must not be x.
func (s *Stream) SwapMid(y, x Buffer, batch, p, q, c int) error {
	if batch < 1 || p < 1 || q < 1 || c < 1 || x.n != batch*p*q*c || y.n != x.n {
		return fmt.Errorf("gpu: swapping the middle axes of [%d, %d, %d, %d]: x %d, y %d values", batch, p, q, c, x.n, y.n)
	}
	if y.ptr == x.ptr {
		return fmt.Errorf("gpu: swapping the middle axes in place")
	}
	return s.d.do(func() error {
		return s.grid1(kSwapMid, int64(y.n), pArg(y.ptr), pArg(x.ptr), iArg(int64(batch)), iArg(int64(p)), iArg(int64(q)), iArg(int64(c)))
	})
}

// Rotary enqueues rotary position embeddings in place on the queries and keys of packed projections qkv
// [Batch, Length, 3 Heads HeadDim] (rotary_f32, nn's Rotary): the first 2 len(freqs) features of every head
// turn in interleaved pairs by the angle l freqs[i] at position l. freqs is a device buffer [R] with 2 R up
// to HeadDim.
func (s *Stream) Rotary(qkv, freqs Buffer, a AttentionShape) error {
	if a.Batch < 1 || a.Length < 1 || a.Heads < 1 || a.HeadDim < 1 || a.Causal {
		return fmt.Errorf("gpu: rotary embedding %+v: sizes must be positive", a)
	}
	if freqs.n < 1 || 2*freqs.n > a.HeadDim {
		return fmt.Errorf("gpu: rotary embedding of %d frequencies on heads of %d features", freqs.n, a.HeadDim)
	}
	if qkv.n != a.Batch*a.Length*3*a.Heads*a.HeadDim {
		return fmt.Errorf("gpu: rotary embedding %+v: qkv has %d values", a, qkv.n)
	}
	work := int64(a.Batch) * int64(a.Length) * int64(2*a.Heads*freqs.n)
	return s.d.do(func() error {
		return s.grid1(kRotary, work, pArg(qkv.ptr), pArg(freqs.ptr), iArg(int64(a.Batch)), iArg(int64(a.Length)),
			iArg(int64(a.Heads)), iArg(int64(a.HeadDim)), iArg(int64(2*freqs.n)))
	})
}

// BiasedAttention enqueues o = softmax(Q K^T / sqrt(HeadDim) + bias_h) V per head (attention_bias_f32, the
// online softmax of Attention with an additive logit bias [Heads, Length, Length] shared by the Batch
// sequences: nn's BiasedAttention, the temporal attention's T5 relative position bias). The temporal
// attention runs one sequence per pixel, so Batch may exceed the grid's 65535: the sequences then go in
// launches of up to attentionMaxBatch each.
func (s *Stream) BiasedAttention(o, qkv, bias Buffer, a AttentionShape) error {
	if a.Causal {
		return fmt.Errorf("gpu: biased attention %+v: not causal", a)
	}
	if err := checkAttentionBuffers(o, qkv, a); err != nil {
		return err
	}
	if bias.n != a.Heads*a.Length*a.Length {
		return fmt.Errorf("gpu: biased attention %+v: bias has %d values, want %d", a, bias.n, a.Heads*a.Length*a.Length)
	}
	const queries = 64 // ATT_Q of kernels/attention.cu
	qblocks := (a.Length + queries - 1) / queries
	per := a.Length * a.Heads * a.HeadDim // o's values per sequence (qkv holds three times as many)
	for b0 := 0; b0 < a.Batch; b0 += attentionMaxBatch {
		nb := min(attentionMaxBatch, a.Batch-b0)
		oc, qc := o.Slice(b0*per, (b0+nb)*per), qkv.Slice(3*b0*per, 3*(b0+nb)*per)
		err := s.d.do(func() error {
			return s.launch(kAttentionBias, qblocks*a.Heads, nb, queries, 0, pArg(oc.ptr), pArg(qc.ptr), pArg(bias.ptr),
				iArg(int64(a.Length)), iArg(int64(a.Heads)), iArg(int64(a.HeadDim)), iArg(int64(qblocks)))
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// sized is a buffer and the number of values a layer needs in it.
type sized struct {
	name string
	buf  Buffer
	want int
}

func checkSizes(layer string, shape any, bs []sized) error {
	for _, b := range bs {
		if b.buf.n != b.want {
			return fmt.Errorf("gpu: %s %+v: %s has %d values, want %d", layer, shape, b.name, b.buf.n, b.want)
		}
	}
	return nil
}

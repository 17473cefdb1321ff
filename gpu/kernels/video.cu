// The 3-D U-Net's kernels on channels-last videos x [B, F, H, W, C] (nn's Unet3D, WDNO's smoke denoiser):
// the 3-D convolution and the per-frame transposed 2-D convolution as implicit GEMMs (tile_f32.cuh), the swap
// of the frame and position axes around the temporal attention, and the rotary embedding of its queries and
// keys. The per-frame strided convolution of the downsampler is conv2d_f32 over B F images. conv3d_tf32 and
// conv_transpose2d_tf32 are the two convolutions on the tensor cores (tile_tf32.cuh), conv2d_tf32 the
// downsampler's; the _bf16 kernels the same in BF16 (tile_bf16.cuh).
#include "tile_f32.cuh"
#include "tile_tf32.cuh"
#include "tile_bf16.cuh"

// conv3d_f32: PyTorch's Conv3d with a k x k x k window, stride 1 and zero padding pad on every side (nn's
// Conv3d as Unet3D uses it), bias and activation fused:
//
//	y[b, f, i, j, o] = act(bias[o] + sum_{s, u, v < k, c < cin} x[b, f - pad + s, i - pad + u, j - pad + v, c]
//	                                                             w[((s k + u) k + v) cin + c, o])
//
// x [B, F, H, W, cin], y [B, F, H, W, cout] (the padding keeps the size: k = 2 pad + 1), w [k^3 cin, cout]
// (nn's tap-major weight [cout, k, k, k, cin] transposed, as a Linear weight is). Rows of the GEMM are the
// B F H W output voxels, its k the k^3 cin inputs of one, gathered from x as conv2d_f32 gathers them.
struct Conv3dTaps {
	const float* x;
	i64 F, H, W, cin, k, pad;
	__device__ __forceinline__ float operator()(i64 r, i64 kk) const {
		const i64 j = r % W, i = (r / W) % H, f = (r / (W * H)) % F, b = r / (W * H * F);
		const i64 t = kk / cin, c = kk % cin, v = t % k, u = (t / k) % k, s = t / (k * k);
		const i64 ff = f - pad + s, ii = i - pad + u, jj = j - pad + v;
		return (ff >= 0 && ff < F && ii >= 0 && ii < H && jj >= 0 && jj < W) ? x[(((b * F + ff) * H + ii) * W + jj) * cin + c]
		                                                                     : 0.0f;
	}
};

extern "C" __global__ void __launch_bounds__(LIN_THREADS) conv3d_f32(float* y, const float* x, const float* w,
	const float* bias, i64 batch, i64 F, i64 H, i64 W, i64 cin, i64 cout, i64 k, i64 pad, i64 act) {
	tile_gemm_f32(y, Conv3dTaps{x, F, H, W, cin, k, pad}, w, bias, batch * F * H * W, cout, k * k * k * cin, (int)act);
}

extern "C" __global__ void __launch_bounds__(TC_THREADS) conv3d_tf32(float* y, const float* x, const float* w,
	const float* bias, i64 batch, i64 F, i64 H, i64 W, i64 cin, i64 cout, i64 k, i64 pad, i64 act) {
	tile_gemm_tf32(y, Conv3dTaps{x, F, H, W, cin, k, pad}, w, bias, batch * F * H * W, cout, k * k * k * cin, (int)act);
}

extern "C" __global__ void __launch_bounds__(BF_THREADS) conv3d_bf16(float* y, const float* x, const float* w,
	const float* bias, i64 batch, i64 F, i64 H, i64 W, i64 cin, i64 cout, i64 k, i64 pad, i64 act) {
	tile_gemm_bf16(y, Conv3dTaps{x, F, H, W, cin, k, pad}, w, bias, batch * F * H * W, cout, k * k * k * cin, (int)act);
}

// conv_transpose2d_f32: PyTorch's ConvTranspose2d (dilation 1, no output padding) on channels-last images,
// applied to every frame of a video as Unet3D's upsampler (ConvTranspose3d with a one-frame kernel). Input
// pixel (a, e)'s tap (u, v) lands on output (a stride - pad + u, e stride - pad + v); gathered per output
// pixel (i, j) that is
//
//	y[n, i, j, o] = act(bias[o] + sum_{u, v, c : i + pad - u = a stride, j + pad - v = e stride} x[n, a, e, c]
//	                                                                                  w[(u k + v) cin + c, o])
//
// x [N, H, W, cin], y [N, hout, wout, cout] with hout = (H - 1) stride - 2 pad + k, w [k^2 cin, cout] (nn's
// weight [cin, k, k, cout] with the input channel moved after the taps). Taps falling between input pixels
// read zero, so no zero-stuffed input is stored.
struct ConvTranspose2dTaps {
	const float* x;
	i64 H, W, cin, hout, wout, k, stride, pad;
	__device__ __forceinline__ float operator()(i64 r, i64 kk) const {
		const i64 j = r % wout, i = (r / wout) % hout, n = r / (wout * hout);
		const i64 t = kk / cin, c = kk % cin, u = t / k, v = t % k;
		const i64 qi = i + pad - u, qj = j + pad - v;
		if (qi < 0 || qj < 0 || qi % stride != 0 || qj % stride != 0) return 0.0f;
		const i64 a = qi / stride, e = qj / stride;
		return (a < H && e < W) ? x[((n * H + a) * W + e) * cin + c] : 0.0f;
	}
};

extern "C" __global__ void __launch_bounds__(LIN_THREADS) conv_transpose2d_f32(float* y, const float* x, const float* w,
	const float* bias, i64 batch, i64 H, i64 W, i64 cin, i64 cout, i64 k, i64 hout, i64 wout, i64 stride, i64 pad, i64 act) {
	tile_gemm_f32(y, ConvTranspose2dTaps{x, H, W, cin, hout, wout, k, stride, pad}, w, bias, batch * hout * wout, cout,
		k * k * cin, (int)act);
}

extern "C" __global__ void __launch_bounds__(TC_THREADS) conv_transpose2d_tf32(float* y, const float* x, const float* w,
	const float* bias, i64 batch, i64 H, i64 W, i64 cin, i64 cout, i64 k, i64 hout, i64 wout, i64 stride, i64 pad, i64 act) {
	tile_gemm_tf32(y, ConvTranspose2dTaps{x, H, W, cin, hout, wout, k, stride, pad}, w, bias, batch * hout * wout, cout,
		k * k * cin, (int)act);
}

extern "C" __global__ void __launch_bounds__(BF_THREADS) conv_transpose2d_bf16(float* y, const float* x, const float* w,
	const float* bias, i64 batch, i64 H, i64 W, i64 cin, i64 cout, i64 k, i64 hout, i64 wout, i64 stride, i64 pad, i64 act) {
	tile_gemm_bf16(y, ConvTranspose2dTaps{x, H, W, cin, hout, wout, k, stride, pad}, w, bias, batch * hout * wout, cout,
		k * k * cin, (int)act);
}

// swap_mid_f32: y [B, Q, P, C] = x [B, P, Q, C], the frames-to-positions layout change around a temporal
// attention (P = F, Q = H W; and back with P = H W, Q = F). y must not be x.
extern "C" __global__ void swap_mid_f32(float* y, const float* x, i64 B, i64 P, i64 Q, i64 C) {
	GRID_STRIDE(i, B * P * Q * C) {
		const i64 c = i % C, p = (i / C) % P, q = (i / (C * P)) % Q, b = i / (C * P * Q);
		y[i] = x[((b * P + p) * Q + q) * C + c];
	}
}

// rotary_f32: rotary position embeddings (Su et al. 2021, RoFormer) of the sequence index, in place on the
// queries and keys of packed projections qkv [N, L, 3D] (D = H Dh): the first rot features of each head turn
// in interleaved pairs (2i, 2i + 1) by the angle l freqs[i] at position l (rotary_embedding_torch's
// rotate_queries_or_keys, nn's Rotary):
//
//	(a, b) -> (a cos - b sin, b cos + a sin).
//
// The angle is the float32 product l freqs[i], as the reference forms it, its sine and cosine taken in
// double. One thread per pair; the values pass untouched.
extern "C" __global__ void rotary_f32(float* qkv, const float* freqs, i64 N, i64 L, i64 H, i64 Dh, i64 rot) {
	const i64 half = rot / 2, pairs = 2 * H * half; // per position: queries' and keys' heads
	GRID_STRIDE(e, N * L * pairs) {
		const i64 i = e % half, hq = (e / half) % (2 * H), nl = e / pairs, l = nl % L;
		const double a = (double)((float)l * freqs[i]);
		const float c = (float)cos(a), s = (float)sin(a);
		float* v = qkv + nl * 3 * H * Dh + hq * Dh + 2 * i;
		const float x0 = v[0], x1 = v[1];
		v[0] = x0 * c - x1 * s;
		v[1] = x1 * c + x0 * s;
	}
}

// conv2d_f32: a 2-D convolution (PyTorch's Conv2d, dilation 1) on channels-last images as an implicit GEMM
// (tile_f32.cuh), with its bias and activation fused:
//
//	y[b, i, j, o] = act(bias[o] + sum_{u < kh, v < kw, c < cin} x[b, i stride - pad + u, j stride - pad + v, c]
//	                                                            w[(u kw + v) cin + c, o])
//
// x [B, H, W, cin], y [B, hout, wout, cout], w [kh kw cin, cout] (PyTorch's weight [cout, cin, kh, kw] with
// its taps moved before the input channel and transposed, as a Linear weight is); pixels outside the image
// read zero (zero padding). The GEMM's rows are the B hout wout output pixels, its k the kh kw cin inputs of
// one output, gathered from x when a tile is staged: no im2col buffer exists in global memory.
#include "tile_f32.cuh"
#include "tile_tf32.cuh"
#include "tile_bf16.cuh"

struct Conv2dTaps {
	const float* x;
	i64 H, W, cin, hout, wout, kw, stride, pad;
	__device__ __forceinline__ float operator()(i64 r, i64 k) const {
		const i64 per = hout * wout, b = r / per, p = r % per, oi = p / wout, oj = p % wout;
		const i64 t = k / cin, c = k % cin, u = t / kw, v = t % kw;
		const i64 ii = oi * stride - pad + u, jj = oj * stride - pad + v;
		return (ii >= 0 && ii < H && jj >= 0 && jj < W) ? x[((b * H + ii) * W + jj) * cin + c] : 0.0f;
	}
};

extern "C" __global__ void __launch_bounds__(LIN_THREADS) conv2d_f32(float* y, const float* x, const float* w,
	const float* bias, i64 batch, i64 H, i64 W, i64 cin, i64 cout, i64 kh, i64 kw, i64 hout, i64 wout, i64 stride,
	i64 pad, i64 act) {
	tile_gemm_f32(y, Conv2dTaps{x, H, W, cin, hout, wout, kw, stride, pad}, w, bias, batch * hout * wout, cout,
		kh * kw * cin, (int)act);
}

// conv2d_tf32: the same implicit GEMM on the tensor cores (tile_tf32.cuh: x and w rounded to TF32).
extern "C" __global__ void __launch_bounds__(TC_THREADS) conv2d_tf32(float* y, const float* x, const float* w,
	const float* bias, i64 batch, i64 H, i64 W, i64 cin, i64 cout, i64 kh, i64 kw, i64 hout, i64 wout, i64 stride,
	i64 pad, i64 act) {
	tile_gemm_tf32(y, Conv2dTaps{x, H, W, cin, hout, wout, kw, stride, pad}, w, bias, batch * hout * wout, cout,
		kh * kw * cin, (int)act);
}

// conv2d_bf16: the same implicit GEMM on the tensor cores in BF16 (tile_bf16.cuh: x and w rounded to BF16).
extern "C" __global__ void __launch_bounds__(BF_THREADS) conv2d_bf16(float* y, const float* x, const float* w,
	const float* bias, i64 batch, i64 H, i64 W, i64 cin, i64 cout, i64 kh, i64 kw, i64 hout, i64 wout, i64 stride,
	i64 pad, i64 act) {
	tile_gemm_bf16(y, Conv2dTaps{x, H, W, cin, hout, wout, kw, stride, pad}, w, bias, batch * hout * wout, cout,
		kh * kw * cin, (int)act);
}

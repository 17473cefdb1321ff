// conv_transpose1d_f32: PyTorch's ConvTranspose1d (TemporalUnet's upsampling) on channels-last data as an
// implicit GEMM (tile_f32.cuh), bias and activation fused. The transposed convolution scatters input i's
// tap t to output position i stride - pad + t dil; gathered per output position p that is
//
//	y[b, p, o] = act(bias[o] + sum_{t, c : q = p + pad - t dil >= 0, q = i stride, i < L} x[b, i, c] w[t cin + c, o])
//
// x [B, L, cin], y [B, lout, cout], w [taps cin, cout] (nn's tap-major weight [cin, taps, cout] read as
// [cin, cout, taps] = PyTorch's, regrouped: row t cin + c, column o holds weight[c, o, t]). Taps that land
// between input positions read zero, so no zero-stuffed input is stored either.
#include "tile_f32.cuh"
#include "tile_tf32.cuh"
#include "tile_bf16.cuh"

struct ConvTranspose1dTaps {
	const float* x;
	i64 L, cin, lout, stride, pad, dil;
	__device__ __forceinline__ float operator()(i64 r, i64 k) const {
		const i64 b = r / lout, p = r % lout, t = k / cin, c = k % cin;
		const i64 q = p + pad - t * dil;
		if (q < 0 || q % stride != 0) return 0.0f;
		const i64 i = q / stride;
		return i < L ? x[(b * L + i) * cin + c] : 0.0f;
	}
};

extern "C" __global__ void __launch_bounds__(LIN_THREADS) conv_transpose1d_f32(float* y, const float* x, const float* w,
	const float* bias, i64 batch, i64 L, i64 cin, i64 cout, i64 taps, i64 lout, i64 stride, i64 pad, i64 dil, i64 act) {
	tile_gemm_f32(y, ConvTranspose1dTaps{x, L, cin, lout, stride, pad, dil}, w, bias, batch * lout, cout, taps * cin, (int)act);
}

// conv_transpose1d_tf32: the same implicit GEMM on the tensor cores (tile_tf32.cuh: A and w rounded to TF32).
extern "C" __global__ void __launch_bounds__(TC_THREADS) conv_transpose1d_tf32(float* y, const float* x, const float* w,
	const float* bias, i64 batch, i64 L, i64 cin, i64 cout, i64 taps, i64 lout, i64 stride, i64 pad, i64 dil, i64 act) {
	tile_gemm_tf32(y, ConvTranspose1dTaps{x, L, cin, lout, stride, pad, dil}, w, bias, batch * lout, cout, taps * cin, (int)act);
}

// conv_transpose1d_bf16: the same implicit GEMM on the tensor cores in BF16 (tile_bf16.cuh).
extern "C" __global__ void __launch_bounds__(BF_THREADS) conv_transpose1d_bf16(float* y, const float* x, const float* w,
	const float* bias, i64 batch, i64 L, i64 cin, i64 cout, i64 taps, i64 lout, i64 stride, i64 pad, i64 dil, i64 act) {
	tile_gemm_bf16(y, ConvTranspose1dTaps{x, L, cin, lout, stride, pad, dil}, w, bias, batch * lout, cout, taps * cin, (int)act);
}

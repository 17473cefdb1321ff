// conv1d_f32: a 1-D convolution (PyTorch's Conv1d) on channels-last data as an implicit GEMM (tile_f32.cuh),
// with its bias and activation fused:
//
//	y[b, p, o] = act(bias[o] + sum_{t < taps, c < cin} x[b, p stride - pad + t dil, c] w[t cin + c, o])
//
// x [B, L, cin], y [B, lout, cout], w [taps cin, cout] (nn's tap-major weight [cout, taps, cin] transposed,
// as a Linear weight is); positions outside [0, L) read zero (zero padding). The GEMM's rows are the B lout
// output positions, its k the taps cin inputs of one output, gathered from x when a tile is staged: no
// im2col buffer exists in global memory.
#include "tile_f32.cuh"
#include "tile_tf32.cuh"
#include "tile_bf16.cuh"

struct Conv1dTaps {
	const float* x;
	i64 L, cin, lout, stride, pad, dil;
	__device__ __forceinline__ float operator()(i64 r, i64 k) const {
		const i64 b = r / lout, p = r % lout, t = k / cin, c = k % cin;
		const i64 pos = p * stride - pad + t * dil;
		return (pos >= 0 && pos < L) ? x[(b * L + pos) * cin + c] : 0.0f;
	}
};

extern "C" __global__ void __launch_bounds__(LIN_THREADS) conv1d_f32(float* y, const float* x, const float* w,
	const float* bias, i64 batch, i64 L, i64 cin, i64 cout, i64 taps, i64 lout, i64 stride, i64 pad, i64 dil, i64 act) {
	tile_gemm_f32(y, Conv1dTaps{x, L, cin, lout, stride, pad, dil}, w, bias, batch * lout, cout, taps * cin, (int)act);
}

// conv1d_tf32: the same implicit GEMM on the tensor cores (tile_tf32.cuh: A and w rounded to TF32).
extern "C" __global__ void __launch_bounds__(TC_THREADS) conv1d_tf32(float* y, const float* x, const float* w,
	const float* bias, i64 batch, i64 L, i64 cin, i64 cout, i64 taps, i64 lout, i64 stride, i64 pad, i64 dil, i64 act) {
	tile_gemm_tf32(y, Conv1dTaps{x, L, cin, lout, stride, pad, dil}, w, bias, batch * lout, cout, taps * cin, (int)act);
}

// conv1d_bf16: the same implicit GEMM on the tensor cores in BF16 (tile_bf16.cuh: A and w rounded to BF16).
extern "C" __global__ void __launch_bounds__(BF_THREADS) conv1d_bf16(float* y, const float* x, const float* w,
	const float* bias, i64 batch, i64 L, i64 cin, i64 cout, i64 taps, i64 lout, i64 stride, i64 pad, i64 dil, i64 act) {
	tile_gemm_bf16(y, Conv1dTaps{x, L, cin, lout, stride, pad, dil}, w, bias, batch * lout, cout, taps * cin, (int)act);
}

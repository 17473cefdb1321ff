// linear_f32: a Linear layer with its bias and activation fused into the epilogue, in exact float32
// arithmetic (tile_f32.cuh):
//
//	y[r, c] = act(bias[c] + sum_k x[r, k] wt[k, c])      x [m, k], wt [k, n] (the weight transposed), y [m, n]
//
// It is the float32 path of gpu.Predictor: a diffusion network's output is divided by alpha (eps-prediction)
// at large t, which amplifies the 2^-11 relative input rounding of TF32 tensor cores beyond float32
// agreement with nn's CPU predictor (gpu/doc.go, Network inference). linear_tf32 is the same layer on the
// tensor cores (tile_tf32.cuh), the TF32 path of the convolutional networks' time and condition MLPs;
// linear_bf16 the BF16 one (tile_bf16.cuh), also the BF16 path of an MLP.
#include "tile_f32.cuh"
#include "tile_tf32.cuh"
#include "tile_bf16.cuh"

struct RowMajor {
	const float* x;
	i64 k;
	__device__ __forceinline__ float operator()(i64 r, i64 c) const { return x[r * k + c]; }
};

extern "C" __global__ void __launch_bounds__(LIN_THREADS) linear_f32(float* y, const float* x, const float* wt,
	const float* bias, i64 m, i64 n, i64 k, i64 act) {
	tile_gemm_f32(y, RowMajor{x, k}, wt, bias, m, n, k, (int)act);
}

extern "C" __global__ void __launch_bounds__(TC_THREADS) linear_tf32(float* y, const float* x, const float* wt,
	const float* bias, i64 m, i64 n, i64 k, i64 act) {
	tile_gemm_tf32(y, RowMajor{x, k}, wt, bias, m, n, k, (int)act);
}

extern "C" __global__ void __launch_bounds__(BF_THREADS) linear_bf16(float* y, const float* x, const float* wt,
	const float* bias, i64 m, i64 n, i64 k, i64 act) {
	tile_gemm_bf16(y, RowMajor{x, k}, wt, bias, m, n, k, (int)act);
}

// group_norm_act_f32: group normalisation (Wu & He 2018; PyTorch's GroupNorm) of channels-last x [B, S, C]
// followed by an activation, nn's GroupNormFwd:
//
//	y[b, s, c] = act(gamma[c] (x[b, s, c] - mean_bg) / sqrt(var_bg + eps) + beta[c]),
//
// with the mean and the biased variance over the S positions and the C/G channels of group g = c / (C/G).
// One block per (group, example): two passes over the group's S C/G values summed in double (the mean, then
// the centred squares, which avoids the cancellation of E[x^2] - E[x]^2), each reduced in a fixed order
// (warps, then the warps' sums), so the result's bits do not depend on the schedule; a third pass writes y.
#include "activation.cuh"
#include "common.cuh"

#define GN_THREADS 256

// block_sum_d adds v over the block; every thread gets the sum. sh holds GN_THREADS/32 doubles.
__device__ __forceinline__ double block_sum_d(double v, double* sh) {
	v = warp_sum_d(v);
	if (threadIdx.x % 32 == 0) sh[threadIdx.x / 32] = v;
	__syncthreads();
	double s = 0;
	for (int w = 0; w < GN_THREADS / 32; w++) s += sh[w];
	__syncthreads(); // every thread has read sh before it is written again
	return s;
}

extern "C" __global__ void __launch_bounds__(GN_THREADS) group_norm_act_f32(float* y, const float* x, const float* gamma,
	const float* beta, i64 S, i64 C, i64 G, double eps, i64 act) {
	__shared__ double sh[GN_THREADS / 32];
	const i64 g = blockIdx.x, b = blockIdx.y, cg = C / G, n = S * cg;
	const float* xb = x + b * S * C + g * cg;
	float* yb = y + b * S * C + g * cg;
	double s = 0;
	for (i64 i = threadIdx.x; i < n; i += GN_THREADS) s += (double)xb[(i / cg) * C + i % cg];
	const double mean = block_sum_d(s, sh) / (double)n;
	s = 0;
	for (i64 i = threadIdx.x; i < n; i += GN_THREADS) {
		const double d = (double)xb[(i / cg) * C + i % cg] - mean;
		s += d * d;
	}
	const double rstd = 1.0 / sqrt(block_sum_d(s, sh) / (double)n + eps);
	for (i64 i = threadIdx.x; i < n; i += GN_THREADS) {
		const i64 o = (i / cg) * C + i % cg, c = g * cg + i % cg;
		const float xhat = (float)(((double)xb[o] - mean) * rstd);
		yb[o] = act_f32((int)act, fmaf(gamma[c], xhat, beta[c]));
	}
}
